/* SPDX-License-Identifier: GPL-2.0 */
/* Interfaces between the files of ib_core_lite; never included by drivers. */
#ifndef _LITE_CORE_PRIV_H
#define _LITE_CORE_PRIV_H

#include <rdma_lite/ib_core_lite.h>

/* IBTA port states and physical states, as sysfs and netlink report them. */
enum {
	LITE_PORT_DOWN = 1,
	LITE_PORT_ACTIVE = 4,
};

enum {
	LITE_PORT_PHYS_DISABLED = 3,
	LITE_PORT_PHYS_LINK_UP = 5,
};

/* lite_device.c: the device and client registries */
void lite_device_exit(void);
struct lite_device *lite_device_get_by_index(u32 index);
struct lite_device *lite_device_get_by_name(const char *name);
int lite_walk_devices(u32 *start,
		      int (*fn)(struct lite_device *dev, void *arg),
		      void *arg);
void lite_walk_netdev_devices(struct net_device *ndev,
			      void (*fn)(struct lite_device *dev));
void lite_dispatch_event(struct lite_device *dev, u32 event);
int lite_get_client_nl_info(struct lite_device *dev, const char *client_name,
			    struct lite_client_nl_info *res);

/* lite_sysfs.c: class "infiniband", device and port attributes */
extern struct class lite_ib_class;
int lite_sysfs_init(void);
void lite_sysfs_exit(void);
int lite_sysfs_add_ports(struct lite_device *dev);
void lite_sysfs_del_ports(struct lite_device *dev);

/* lite_roce.c: port state and GID table from the bound netdev */
int lite_roce_init(void);
void lite_roce_exit(void);
void lite_roce_setup(struct lite_device *dev);
void lite_roce_cleanup(struct lite_device *dev);
void lite_gid_queue(struct lite_device *dev);
bool lite_gid_is_zero(const union lite_gid *gid);
void lite_gid_get(struct lite_device *dev, unsigned int index,
		  union lite_gid *gid);

/* lite_link.c: soft devices created through RDMA netlink */
int lite_link_init(void);
void lite_link_exit(void);
int lite_link_add(const char *ibdev_name, const char *type,
		  struct net_device *ndev);
int lite_link_del(const char *ibdev_name);

/* lite_nldev.c: NETLINK_RDMA, NLDEV commands */
int lite_nl_init(void);
void lite_nl_exit(void);

/* lite_uverbs_main.c: the uverbs client and its char devices */
int lite_uverbs_init(void);
void lite_uverbs_exit(void);

#endif /* _LITE_CORE_PRIV_H */
