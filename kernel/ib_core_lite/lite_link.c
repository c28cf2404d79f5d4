// SPDX-License-Identifier: GPL-2.0
/*
 * ib_core_lite soft devices: "rdma link add NAME type TYPE netdev NDEV".
 *
 * A link is an auxiliary device "ib_core_lite.TYPE.N" owned by this module;
 * the driver that registered TYPE binds to it and registers the RDMA device
 * NAME. Because the auxiliary device is ours, unloading the driver unbinds
 * it without deleting the link, and reloading the driver binds again (like
 * a PCI function surviving a driver upgrade). sysfs unbind/bind work the
 * same way.
 *
 * link_mutex protects soft_devs and link_types and serialises link add,
 * delete and reaping. Lock order: link_mutex -> the auxiliary device's
 * device_lock (taken by the driver core around probe/remove) -> the
 * registry locks of lite_device.c. It is never taken under RTNL: a probe
 * may take RTNL, so the netdev notifier only queues reap_work.
 *
 * A soft device is deleted by "rdma link delete", by unregistration of its
 * netdev (through reap_work) and at module exit.
 */
#include <linux/error-injection.h>
#include <linux/kmod.h>
#include <linux/slab.h>

#include "lite_core_priv.h"

/*
 * Protects soft_devs and link_types; taken before the auxiliary device's
 * device_lock and the registry locks, never under RTNL.
 */
static DEFINE_MUTEX(link_mutex);
static LIST_HEAD(soft_devs);		/* struct lite_soft_dev, link_mutex */
static LIST_HEAD(link_types);		/* struct lite_link_ops, link_mutex */
static DEFINE_IDA(soft_dev_ida);
/* Parent of every soft device: /sys/devices/ib_core_lite/. */
static struct device *soft_dev_root;

static void lite_link_reap(struct work_struct *work);
static DECLARE_WORK(reap_work, lite_link_reap);

int lite_link_register(struct lite_link_ops *ops)
{
	struct lite_link_ops *other;
	int ret = 0;

	mutex_lock(&link_mutex);
	list_for_each_entry(other, &link_types, list) {
		if (!strcmp(other->type, ops->type)) {
			ret = -EEXIST;
			goto out;
		}
	}
	list_add(&ops->list, &link_types);
out:
	mutex_unlock(&link_mutex);
	return ret;
}
EXPORT_SYMBOL_GPL(lite_link_register);

void lite_link_unregister(struct lite_link_ops *ops)
{
	mutex_lock(&link_mutex);
	list_del(&ops->list);
	mutex_unlock(&link_mutex);
}
EXPORT_SYMBOL_GPL(lite_link_unregister);

static bool link_type_known(const char *type)
{
	struct lite_link_ops *ops;

	lockdep_assert_held(&link_mutex);
	list_for_each_entry(ops, &link_types, list)
		if (!strcmp(ops->type, type))
			return true;
	return false;
}

static struct lite_soft_dev *soft_dev_find(const char *ibdev_name)
{
	struct lite_soft_dev *sdev;

	lockdep_assert_held(&link_mutex);
	list_for_each_entry(sdev, &soft_devs, list)
		if (!strcmp(sdev->ibdev_name, ibdev_name))
			return sdev;
	return NULL;
}

/* Last reference to the auxiliary device: core memory only. */
static void soft_dev_release(struct device *d)
{
	struct lite_soft_dev *sdev = to_lite_soft_dev(to_auxiliary_dev(d));

	ida_free(&soft_dev_ida, sdev->adev.id);
	kfree(sdev);
}

static void soft_dev_delete(struct lite_soft_dev *sdev)
{
	lockdep_assert_held(&link_mutex);
	list_del(&sdev->list);
	/* Unbinds the driver: its remove() unregisters the RDMA device. */
	auxiliary_device_delete(&sdev->adev);
	netdev_put(sdev->netdev, &sdev->netdev_tracker);
	sdev->netdev = NULL;
	auxiliary_device_uninit(&sdev->adev);
}

static bool soft_dev_bound(struct lite_soft_dev *sdev)
{
	bool bound;

	device_lock(&sdev->adev.dev);
	bound = sdev->adev.dev.driver;
	device_unlock(&sdev->adev.dev);
	return bound;
}

int lite_link_add(const char *ibdev_name, const char *type,
		  struct net_device *ndev)
{
	struct lite_soft_dev *sdev;
	struct lite_device *dev;
	int ret, id;

	if (!ibdev_name[0] || strlen(ibdev_name) >= LITE_DEVICE_NAME_MAX ||
	    strchr(ibdev_name, '%') || strchr(ibdev_name, '/') ||
	    !type[0] || strlen(type) >= IFNAMSIZ || strchr(type, '.'))
		return -EINVAL;

	mutex_lock(&link_mutex);
	if (!link_type_known(type)) {
		mutex_unlock(&link_mutex);
		request_module("rdma-lite-link-%s", type);
		mutex_lock(&link_mutex);
		if (!link_type_known(type)) {
			ret = -EINVAL;
			goto out;
		}
	}

	dev = lite_device_get_by_name(ibdev_name);
	if (dev)
		lite_device_put(dev);
	if (dev || soft_dev_find(ibdev_name)) {
		ret = -EEXIST;
		goto out;
	}
	if (ndev->reg_state != NETREG_REGISTERED) {
		ret = -ENODEV;
		goto out;
	}

	id = ida_alloc(&soft_dev_ida, GFP_KERNEL);
	if (id < 0) {
		ret = id;
		goto out;
	}
	sdev = kzalloc(sizeof(*sdev), GFP_KERNEL);
	if (!sdev) {
		ida_free(&soft_dev_ida, id);
		ret = -ENOMEM;
		goto out;
	}
	strscpy(sdev->ibdev_name, ibdev_name, sizeof(sdev->ibdev_name));
	strscpy(sdev->link_type, type, sizeof(sdev->link_type));
	sdev->adev.name = sdev->link_type;
	sdev->adev.id = id;
	sdev->adev.dev.parent = soft_dev_root;
	sdev->adev.dev.release = soft_dev_release;
	sdev->netdev = ndev;
	netdev_hold(ndev, &sdev->netdev_tracker, GFP_KERNEL);

	ret = auxiliary_device_init(&sdev->adev);
	if (ret) {
		netdev_put(ndev, &sdev->netdev_tracker);
		ida_free(&soft_dev_ida, id);
		kfree(sdev);
		goto out;
	}
	list_add_tail(&sdev->list, &soft_devs);
	ret = auxiliary_device_add(&sdev->adev);
	if (ret) {
		list_del(&sdev->list);
		netdev_put(ndev, &sdev->netdev_tracker);
		auxiliary_device_uninit(&sdev->adev);
		goto out;
	}

	/* The driver of a known type is loaded, so probe ran already. */
	if (!soft_dev_bound(sdev)) {
		soft_dev_delete(sdev);
		ret = -ENODEV;
	}
out:
	mutex_unlock(&link_mutex);
	return ret;
}

ALLOW_ERROR_INJECTION(lite_link_add, ERRNO);

int lite_link_del(const char *ibdev_name)
{
	struct lite_soft_dev *sdev;
	int ret = 0;

	mutex_lock(&link_mutex);
	sdev = soft_dev_find(ibdev_name);
	if (sdev)
		soft_dev_delete(sdev);
	else
		ret = -EINVAL;	/* not a soft device: only links can go */
	mutex_unlock(&link_mutex);
	return ret;
}

/* Delete the soft devices whose netdev is being unregistered. */
static void lite_link_reap(struct work_struct *work)
{
	struct lite_soft_dev *sdev, *tmp;

	mutex_lock(&link_mutex);
	list_for_each_entry_safe(sdev, tmp, &soft_devs, list)
		if (READ_ONCE(sdev->netdev->reg_state) != NETREG_REGISTERED)
			soft_dev_delete(sdev);
	mutex_unlock(&link_mutex);
}

static int lite_link_netdev_event(struct notifier_block *nb,
				  unsigned long event, void *ptr)
{
	/*
	 * RTNL is held here and unregistration waits for our netdev
	 * references after dropping it: queue, never delete inline.
	 */
	if (event == NETDEV_UNREGISTER)
		queue_work(system_unbound_wq, &reap_work);
	return NOTIFY_DONE;
}

static struct notifier_block lite_link_netdev_nb = {
	.notifier_call = lite_link_netdev_event,
};

int lite_link_init(void)
{
	int ret;

	soft_dev_root = root_device_register("ib_core_lite");
	if (IS_ERR(soft_dev_root))
		return PTR_ERR(soft_dev_root);
	ret = register_netdevice_notifier(&lite_link_netdev_nb);
	if (ret)
		root_device_unregister(soft_dev_root);
	return ret;
}

void lite_link_exit(void)
{
	struct lite_soft_dev *sdev, *tmp;

	unregister_netdevice_notifier(&lite_link_netdev_nb);
	cancel_work_sync(&reap_work);

	mutex_lock(&link_mutex);
	list_for_each_entry_safe(sdev, tmp, &soft_devs, list)
		soft_dev_delete(sdev);
	mutex_unlock(&link_mutex);
	WARN_ON(!list_empty(&link_types));
	root_device_unregister(soft_dev_root);
}
