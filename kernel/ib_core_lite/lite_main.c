// SPDX-License-Identifier: GPL-2.0
/*
 * ib_core_lite: an RDMA core with user-context revoke.
 *
 * Init order brings up what later parts use: the "infiniband" class and
 * the registries, then the netdev-derived RoCE state, the uverbs client,
 * soft links, and last the netlink socket through which userspace adds
 * links. Exit runs the reverse. A driver module depends on this one, so no
 * driver (and no registered device) exists when exit runs.
 */
#include <linux/module.h>

#include "lite_core_priv.h"

static int __init ib_core_lite_init(void)
{
	int ret;

	ret = lite_sysfs_init();
	if (ret)
		return ret;
	ret = lite_roce_init();
	if (ret)
		goto err_sysfs;
	ret = lite_uverbs_init();
	if (ret)
		goto err_roce;
	ret = lite_link_init();
	if (ret)
		goto err_uverbs;
	ret = lite_nl_init();
	if (ret)
		goto err_link;
	return 0;

err_link:
	lite_link_exit();
err_uverbs:
	lite_uverbs_exit();
err_roce:
	lite_roce_exit();
err_sysfs:
	lite_sysfs_exit();
	return ret;
}

static void __exit ib_core_lite_exit(void)
{
	lite_nl_exit();
	lite_link_exit();
	lite_uverbs_exit();
	lite_roce_exit();
	lite_device_exit();
	lite_sysfs_exit();
}

module_init(ib_core_lite_init);
module_exit(ib_core_lite_exit);

MODULE_AUTHOR("ib_core_lite developers");
MODULE_DESCRIPTION("RDMA core with hot-unplug revoke of user contexts");
MODULE_LICENSE("GPL");
