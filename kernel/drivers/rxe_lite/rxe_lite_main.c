// SPDX-License-Identifier: GPL-2.0
/*
 * rxe_lite: a soft RoCE driver for ib_core_lite.
 *
 * It binds, through the auxiliary bus, to the soft devices the core creates
 * for "rdma link add NAME type rxe netdev NDEV" (auxiliary devices named
 * "ib_core_lite.rxe.N"). probe() registers one RDMA device, remove()
 * unregisters it; the soft device itself belongs to the core and survives
 * unbind and module unload. sysfs unbind/bind go through the same pair.
 */
#include <linux/error-injection.h>
#include <linux/module.h>

#include "rxe_lite.h"

/* Every object was destroyed before this last call: the maps are empty. */
static void rxe_lite_dealloc_driver(struct lite_device *ibdev)
{
	struct rxe_lite_dev *rxe = to_rxe_dev(ibdev);

	WARN_ON(!xa_empty(&rxe->keys) || !xa_empty(&rxe->qpns) ||
		!xa_empty(&rxe->srqns) || !xa_empty(&rxe->ahs));
	xa_destroy(&rxe->keys);
	xa_destroy(&rxe->qpns);
	xa_destroy(&rxe->srqns);
	xa_destroy(&rxe->ahs);
}

static const struct lite_device_ops rxe_lite_dev_ops = {
	.owner = THIS_MODULE,
	.driver_id = RDMA_DRIVER_RXE,
	.uverbs_abi_ver = RXE_LITE_UVERBS_ABI_VERSION,
	.dealloc_driver = rxe_lite_dealloc_driver,
	.size_ucontext = sizeof(struct rxe_lite_ucontext),
	.alloc_ucontext = rxe_lite_alloc_ucontext,
	.dealloc_ucontext = rxe_lite_dealloc_ucontext,
	.size_pd = sizeof(struct rxe_lite_pd),
	.alloc_pd = rxe_lite_alloc_pd,
	.dealloc_pd = rxe_lite_dealloc_pd,
	.size_mr = sizeof(struct rxe_lite_mr),
	.reg_user_mr = rxe_lite_reg_user_mr,
	.dereg_mr = rxe_lite_dereg_mr,
	.size_mw = sizeof(struct rxe_lite_mw),
	.alloc_mw = rxe_lite_alloc_mw,
	.dealloc_mw = rxe_lite_dealloc_mw,
	.size_cq = sizeof(struct rxe_lite_cq),
	.create_cq = rxe_lite_create_cq,
	.resize_cq = rxe_lite_resize_cq,
	.destroy_cq = rxe_lite_destroy_cq,
	.size_qp = sizeof(struct rxe_lite_qp),
	.create_qp = rxe_lite_create_qp,
	.modify_qp = rxe_lite_modify_qp,
	.post_send = rxe_lite_post_send,
	.destroy_qp = rxe_lite_destroy_qp,
	.size_srq = sizeof(struct rxe_lite_srq),
	.create_srq = rxe_lite_create_srq,
	.modify_srq = rxe_lite_modify_srq,
	.destroy_srq = rxe_lite_destroy_srq,
	.size_ah = sizeof(struct rxe_lite_ah),
	.create_ah = rxe_lite_create_ah,
	.destroy_ah = rxe_lite_destroy_ah,
};

static int rxe_lite_probe(struct auxiliary_device *adev,
			  const struct auxiliary_device_id *id)
{
	struct lite_soft_dev *sdev = to_lite_soft_dev(adev);
	struct rxe_lite_dev *rxe;
	int ret;

	rxe = lite_alloc_device(rxe_lite_dev, ibdev);
	if (!rxe)
		return -ENOMEM;
	rxe->ibdev.ops = &rxe_lite_dev_ops;
	/*
	 * The datapath looks keys, QPNs and AHs up in softirq context. All
	 * four use the bh lock: xarrays initialised here share one lockdep
	 * class.
	 */
	xa_init_flags(&rxe->keys, XA_FLAGS_ALLOC1 | XA_FLAGS_LOCK_BH);
	xa_init_flags(&rxe->qpns, XA_FLAGS_ALLOC | XA_FLAGS_LOCK_BH);
	xa_init_flags(&rxe->srqns, XA_FLAGS_ALLOC1 | XA_FLAGS_LOCK_BH);
	xa_init_flags(&rxe->ahs, XA_FLAGS_ALLOC1 | XA_FLAGS_LOCK_BH);
	rxe->ndev = sdev->netdev;
	rxe_lite_init_attrs(&rxe->ibdev.attrs);
	rxe->ibdev.node_guid = lite_mac_to_guid(sdev->netdev->dev_addr);
	rxe->ibdev.dev.parent = &adev->dev;
	lite_device_set_netdev(&rxe->ibdev, sdev->netdev);

	ret = lite_register_device(&rxe->ibdev, sdev->ibdev_name);
	if (ret) {
		dev_err(&adev->dev, "cannot register %s: %d\n",
			sdev->ibdev_name, ret);
		lite_dealloc_device(&rxe->ibdev);
		return ret;
	}
	/* remove() is serialised with probe() by the device lock. */
	auxiliary_set_drvdata(adev, rxe);
	rxe_lite_dev_list_add(rxe);
	return 0;
}

ALLOW_ERROR_INJECTION(rxe_lite_probe, ERRNO);

static void rxe_lite_remove(struct auxiliary_device *adev)
{
	struct rxe_lite_dev *rxe = auxiliary_get_drvdata(adev);

	/* No packet finds the device any more, then it goes. */
	rxe_lite_dev_list_del(rxe);
	lite_unregister_device(&rxe->ibdev);
}

static const struct auxiliary_device_id rxe_lite_id_table[] = {
	{ .name = "ib_core_lite.rxe" },
	{}
};
MODULE_DEVICE_TABLE(auxiliary, rxe_lite_id_table);

static struct auxiliary_driver rxe_lite_driver = {
	.probe = rxe_lite_probe,
	.remove = rxe_lite_remove,
	.id_table = rxe_lite_id_table,
};

static struct lite_link_ops rxe_lite_link_ops = {
	.type = "rxe",
};

static int __init rxe_lite_init(void)
{
	int ret;

	rxe_lite_stats_init();
	ret = rxe_lite_task_init_wq();
	if (ret)
		goto err_stats;
	ret = rxe_lite_net_init();
	if (ret)
		goto err_wq;
	ret = auxiliary_driver_register(&rxe_lite_driver);
	if (ret)
		goto err_net;
	/* Last: from here "rdma link add ... type rxe" reaches us. */
	ret = lite_link_register(&rxe_lite_link_ops);
	if (ret)
		goto err_driver;
	return 0;

err_driver:
	auxiliary_driver_unregister(&rxe_lite_driver);
err_net:
	rxe_lite_net_exit();
err_wq:
	rxe_lite_task_exit_wq();
err_stats:
	rxe_lite_stats_exit();
	return ret;
}

static void __exit rxe_lite_exit(void)
{
	lite_link_unregister(&rxe_lite_link_ops);
	/* Unbinds every soft device: remove() unregisters its device. */
	auxiliary_driver_unregister(&rxe_lite_driver);
	/* Fence: nothing of this driver may run after module exit. */
	lite_unregister_driver(RDMA_DRIVER_RXE);
	rxe_lite_net_exit();
	rxe_lite_task_exit_wq();
	rxe_lite_stats_exit();
}

module_init(rxe_lite_init);
module_exit(rxe_lite_exit);

MODULE_AUTHOR("ib_core_lite developers");
MODULE_DESCRIPTION("Soft RoCE driver for ib_core_lite");
MODULE_LICENSE("GPL");
MODULE_VERSION(RXE_LITE_VERSION);
MODULE_ALIAS("rdma-lite-link-rxe");
