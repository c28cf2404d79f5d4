/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ib_core_lite public interface: the only header a driver includes.
 *
 * A driver embeds struct lite_device at offset 0 of its own device
 * structure, allocates it with lite_alloc_device(), fills in ops, node GUID
 * and netdev, and calls lite_register_device(). The core owns the memory:
 * the final free happens in the core's struct device release, never in the
 * driver, so a late put_device() after the driver module is gone is safe.
 *
 * Lifetimes of a struct lite_device:
 *   memory        - the embedded struct device kref (get_device/put_device);
 *   "may call ops" - the registration refcount (lite_device_try_get/put),
 *                   zero while the device is not registered;
 *   driver state  - from lite_register_device() until ops->dealloc_driver()
 *                   returns, which is the last driver call for the device.
 */
#ifndef _RDMA_LITE_IB_CORE_LITE_H
#define _RDMA_LITE_IB_CORE_LITE_H

#include <linux/auxiliary_bus.h>
#include <linux/completion.h>
#include <linux/device.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/netdevice.h>
#include <linux/refcount.h>
#include <linux/rwsem.h>
#include <linux/types.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>
#include <uapi/rdma/ib_user_ioctl_verbs.h>

#define LITE_DEVICE_NAME_MAX	64
/* Entries in the RoCE GID table of a port (sysfs ports/1/gids/0..N-1). */
#define LITE_GID_TBL_LEN	16
/* The only port of a soft device. */
#define LITE_PORT		1

/* IBTA node types as sysfs and netlink print them. */
#define LITE_NODE_CA		1

union lite_gid {
	u8 raw[16];
	struct {
		__be64 subnet_prefix;
		__be64 interface_id;
	} global;
};

struct lite_device;

/**
 * struct lite_device_attr - a device's fixed capabilities
 *
 * Filled by the driver before registration and reported by QUERY_DEVICE
 * and QUERY_PORT; the port's state, MTU and GID table come from the netdev.
 */
struct lite_device_attr {
	u64 fw_ver;
	u64 max_mr_size;
	u64 page_size_cap;
	u64 device_cap_flags;		/* IB_UVERBS_DEVICE_* */
	u32 vendor_id;
	u32 vendor_part_id;
	u32 hw_ver;
	u32 max_qp;
	u32 max_qp_wr;
	u32 max_sge;
	u32 max_sge_rd;
	u32 max_cq;
	u32 max_cqe;
	u32 max_mr;
	u32 max_pd;
	u32 max_qp_rd_atom;
	u32 max_res_rd_atom;
	u32 max_qp_init_rd_atom;
	u32 atomic_cap;			/* IB_UVERBS_ATOMIC_* semantics */
	u32 max_mw;
	u32 max_mcast_grp;
	u32 max_mcast_qp_attach;
	u32 max_total_mcast_qp_attach;
	u32 max_ah;
	u32 max_srq;
	u32 max_srq_wr;
	u32 max_srq_sge;
	u16 max_pkeys;
	u8 local_ca_ack_delay;
	u32 num_comp_vectors;
	/* port 1 */
	u32 port_cap_flags;
	u32 max_msg_sz;
	u8 max_mtu;			/* IB MTU enum: 1 = 256 ... 5 = 4096 */
	u8 active_width;
	u8 active_speed;
};

/**
 * struct lite_udata - the driver-specific part of a command
 * @inbuf, @inlen:   driver request, after the core request
 * @outbuf, @outlen: driver response, after the core response
 */
struct lite_udata {
	const void __user *inbuf;
	void __user *outbuf;
	size_t inlen;
	size_t outlen;
};

/**
 * struct lite_ucontext - one user context (one open uverbs file)
 *
 * Allocated by the core with ops->size_ucontext bytes, the driver's
 * structure embedding this one at offset 0; freed by the core after
 * ops->dealloc_ucontext(), at close or when the device is removed,
 * whichever comes first.
 */
struct lite_ucontext {
	struct lite_device *device;
};

/**
 * struct lite_pd - a protection domain
 *
 * Allocated by the core with ops->size_pd bytes (driver structure first
 * member), freed by the core after ops->dealloc_pd().
 */
struct lite_pd {
	struct lite_device *device;
};

/**
 * struct lite_device_ops - what a driver provides
 * @owner:	the driver module
 * @driver_id:	RDMA_DRIVER_* reported to userspace (rdma-core matches on it)
 * @uverbs_abi_ver: the driver's user ABI version (sysfs uverbsN/abi_version)
 * @dealloc_driver: the last call into the driver for this device, made by
 *		the core at the end of unregistration. Frees driver-private
 *		state only; the core frees the lite_device itself afterwards.
 * @size_ucontext: the size of the driver's user context structure
 * @alloc_ucontext: set up a user context (GET_CONTEXT)
 * @dealloc_ucontext: tear it down; called once, at close or at removal
 * @size_pd, @alloc_pd, @dealloc_pd: protection domains, likewise
 *
 * The core calls these only while the device is registered, inside the
 * uverbs fence of the calling file.
 */
struct lite_device_ops {
	struct module *owner;
	enum rdma_driver_id driver_id;
	u32 uverbs_abi_ver;
	void (*dealloc_driver)(struct lite_device *dev);

	size_t size_ucontext;
	int (*alloc_ucontext)(struct lite_ucontext *uctx,
			      struct lite_udata *udata);
	void (*dealloc_ucontext)(struct lite_ucontext *uctx);

	size_t size_pd;
	int (*alloc_pd)(struct lite_pd *pd, struct lite_udata *udata);
	void (*dealloc_pd)(struct lite_pd *pd);
};

struct lite_port_sysfs;

/**
 * struct lite_device - an RDMA device as the core sees it
 *
 * Fields above the "core private" line are set by the driver before
 * lite_register_device() and not changed afterwards.
 */
struct lite_device {
	struct device dev;		/* class "infiniband"; memory lifetime */
	const struct lite_device_ops *ops;
	struct lite_device_attr attrs;
	__be64 node_guid;
	u8 node_type;

	/* ---- core private ---- */
	char name[LITE_DEVICE_NAME_MAX];
	u32 index;			/* in the device xarray, see lite_device.c */
	/*
	 * Registration lock: 0 while not registered. Holders may call ops.
	 * Unregistration drops the initial reference and waits on
	 * unreg_completion for the others.
	 */
	refcount_t refcount;
	struct completion unreg_completion;
	/* Serialises unregistration: every caller returns after it is done. */
	struct mutex unregistration_lock;
	/* Client private data, index = client id; see lite_device.c. */
	struct xarray client_data;
	struct rw_semaphore client_data_rwsem;

	/* Port 1 of a RoCE device: netdev, GID table, sysfs; lite_roce.c. */
	struct net_device *netdev;
	netdevice_tracker netdev_tracker;
	struct mutex gid_lock;		/* protects gid_tbl */
	union lite_gid gid_tbl[LITE_GID_TBL_LEN];
	struct work_struct gid_work;
	struct lite_port_sysfs *port_sysfs;
	struct rcu_head rcu;		/* the free is RCU-delayed for walkers */
};

struct lite_device *_lite_alloc_device(size_t size);
/* Allocate a driver structure whose first member is a struct lite_device. */
#define lite_alloc_device(drv_struct, member)				\
	container_of(_lite_alloc_device(sizeof(struct drv_struct) +	\
			BUILD_BUG_ON_ZERO(offsetof(struct drv_struct,	\
						   member))),		\
		     struct drv_struct, member)
/* Undo lite_alloc_device() for a device that never registered. */
void lite_dealloc_device(struct lite_device *dev);

/*
 * Bind port 1 to @ndev (takes a netdev reference until unregistration).
 * Call before lite_register_device().
 */
void lite_device_set_netdev(struct lite_device *dev, struct net_device *ndev);

int lite_register_device(struct lite_device *dev, const char *name);
/* Synchronous; the device memory is freed when it returns. */
void lite_unregister_device(struct lite_device *dev);
/* Module-unload fence: unregister every device of this driver. */
void lite_unregister_driver(enum rdma_driver_id driver_id);

bool lite_device_try_get(struct lite_device *dev);
void lite_device_put(struct lite_device *dev);

/* EUI-64 built from a 48-bit MAC (RFC 4291 modified EUI-64). */
static inline __be64 lite_mac_to_guid(const u8 *mac)
{
	u8 eui[8] = { mac[0] ^ 2, mac[1], mac[2], 0xff, 0xfe,
		      mac[3], mac[4], mac[5] };

	return *(__be64 *)eui;
}

/**
 * struct lite_client_nl_info - a client's answer to RDMA_NLDEV_CMD_GET_CHARDEV
 * @cdev: the client's char device (a reference is taken by the callee)
 * @abi:  the ABI version reported with it
 * @driver_id: RDMA_DRIVER_* for providers that match on it, or 0
 */
struct lite_client_nl_info {
	struct device *cdev;
	u64 abi;
	u32 driver_id;
};

/**
 * struct lite_client - a user of every registered device
 * @name:   unique; also the netlink chardev type ("uverbs")
 * @add:    called once per (client, registered device), under the
 *          registration locks: must not call back into registration APIs.
 *          An error is logged and the device simply has no client data.
 * @remove: called exactly once per successful add, with no core lock held.
 * @get_nl_info: optional, for RDMA_NLDEV_CMD_GET_CHARDEV.
 */
struct lite_client {
	const char *name;
	int (*add)(struct lite_device *dev);
	void (*remove)(struct lite_device *dev, void *client_data);
	int (*get_nl_info)(struct lite_device *dev, void *client_data,
			   struct lite_client_nl_info *res);

	/* ---- core private ---- */
	u32 client_id;
	refcount_t uses;
	struct completion uses_zero;
};

int lite_register_client(struct lite_client *client);
void lite_unregister_client(struct lite_client *client);
void lite_set_client_data(struct lite_device *dev, struct lite_client *client,
			  void *data);

/*
 * Soft devices ("rdma link add NAME type TYPE netdev NDEV").
 *
 * The core creates an auxiliary device "ib_core_lite.TYPE.N" for each link;
 * a driver that registered the link type binds to it with an auxiliary
 * driver whose id_table names "ib_core_lite.TYPE". The auxiliary device
 * belongs to the core and outlives the driver module: unloading and
 * reloading the driver rebinds without re-adding the link.
 */
struct lite_soft_dev {
	struct auxiliary_device adev;
	char ibdev_name[LITE_DEVICE_NAME_MAX];
	char link_type[IFNAMSIZ];	/* adev.name points here */
	/*
	 * Valid while a driver is bound (probe to remove). The core drops
	 * its reference when the soft device is deleted, not at the release,
	 * so an open file pinning the auxiliary device never blocks netdev
	 * unregistration.
	 */
	struct net_device *netdev;
	netdevice_tracker netdev_tracker;
	struct list_head list;		/* core private: soft_devs, link_mutex */
};

static inline struct lite_soft_dev *to_lite_soft_dev(struct auxiliary_device *a)
{
	return container_of(a, struct lite_soft_dev, adev);
}

struct lite_link_ops {
	const char *type;
	struct list_head list;		/* core private */
};

int lite_link_register(struct lite_link_ops *ops);
void lite_link_unregister(struct lite_link_ops *ops);

/* Port state derived from the bound netdev (IB_PORT_* / phys state codes). */
u8 lite_port_state(struct lite_device *dev);
u8 lite_port_phys_state(struct lite_device *dev);
/* The IB MTU enum that fits the netdev's MTU with RoCEv2 headers. */
u8 lite_port_active_mtu(struct lite_device *dev);

#endif /* _RDMA_LITE_IB_CORE_LITE_H */
