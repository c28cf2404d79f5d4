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

#include <linux/atomic.h>
#include <linux/auxiliary_bus.h>
#include <linux/completion.h>
#include <linux/device.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/netdevice.h>
#include <linux/refcount.h>
#include <linux/rwsem.h>
#include <linux/spinlock.h>
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
struct lite_ufile;

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
 * @post_addr, @post_data, @post_len: one more write to a user address the
 *                   driver's ABI names (rxe's MODIFY_SRQ mmap_info)
 *
 * All buffers are kernel memory: the core copies the request in before
 * and the response (then @post_data) out after the device fence, so a
 * driver op never touches user memory (a fault that never completes must
 * not stall removal). The response buffer starts zeroed.
 */
struct lite_udata {
	const void *inbuf;
	void *outbuf;
	size_t inlen;
	size_t outlen;
	u64 post_addr;
	u8 post_data[32];
	size_t post_len;
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
	/* ---- core private ---- */
	struct lite_ufile *ufile;
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

/*
 * Verbs objects. For each the core allocates ops->size_<obj> bytes (the
 * driver's structure embeds the core one at offset 0), fills in the fields
 * documented as "core", calls the driver's create op, and frees the memory
 * after the driver's destroy op returned. Destroy ops cannot fail: after
 * one returns the driver must not touch the object again (its datapath is
 * drained). Everything behind "core private" is the core's alone.
 */

/* Access flags (enum ib_uverbs_access_flags). */
#define LITE_ACCESS_LOCAL_WRITE		IB_UVERBS_ACCESS_LOCAL_WRITE
#define LITE_ACCESS_REMOTE_WRITE	IB_UVERBS_ACCESS_REMOTE_WRITE
#define LITE_ACCESS_REMOTE_READ		IB_UVERBS_ACCESS_REMOTE_READ
#define LITE_ACCESS_REMOTE_ATOMIC	IB_UVERBS_ACCESS_REMOTE_ATOMIC
#define LITE_ACCESS_MW_BIND		IB_UVERBS_ACCESS_MW_BIND

/**
 * struct lite_umem - user memory of an MR, pinned by the core
 *
 * Pinned long-term (FOLL_LONGTERM) and accounted to the registering
 * process's mm (pinned_vm, RLIMIT_MEMLOCK) like the kernel's umem code.
 * @pages[i] backs the user page containing @address + i * PAGE_SIZE
 * (rounded down). Valid from before ops->reg_user_mr() until after
 * ops->dereg_mr() returned.
 */
struct lite_umem {
	u64 address;			/* user VA of the first byte */
	u64 length;
	unsigned long npages;
	struct page **pages;
	bool writable;
	/* ---- core private ---- */
	struct mm_struct *owning_mm;
};

struct lite_mr {
	struct lite_device *device;	/* core */
	struct lite_pd *pd;		/* core */
	struct lite_umem *umem;		/* core */
	u64 iova;			/* core: the address the keys name */
	u64 length;			/* core */
	u32 access;			/* core: LITE_ACCESS_* */
	u32 lkey;			/* driver */
	u32 rkey;			/* driver */
};

struct lite_mw {
	struct lite_device *device;	/* core */
	struct lite_pd *pd;		/* core */
	u8 type;			/* core: IB_MW_TYPE_1 or _2 */
	u32 rkey;			/* driver */
};

struct lite_uobj;

struct lite_cq {
	struct lite_device *device;	/* core */
	u32 cqe;			/* driver: the capacity it provides */
	/* ---- core private ---- */
	struct lite_uobj *uobj;
	unsigned long notify;		/* armed: LITE_CQ_ARMED_* bits */
};

#define LITE_CQ_ARMED_NEXT	0
#define LITE_CQ_ARMED_SOL	1

struct lite_srq;

/* IBTA QP states (enum ib_uverbs_qp_state / ibv_qp_state). */
enum lite_qp_state {
	LITE_QPS_RESET,
	LITE_QPS_INIT,
	LITE_QPS_RTR,
	LITE_QPS_RTS,
	LITE_QPS_SQD,
	LITE_QPS_SQE,
	LITE_QPS_ERR,
};

/* QP types (enum ib_uverbs_qp_type). */
enum lite_qp_type {
	LITE_QPT_RC = 2,
	LITE_QPT_UC = 3,
	LITE_QPT_UD = 4,
};

struct lite_qp_cap {
	u32 max_send_wr;
	u32 max_recv_wr;
	u32 max_send_sge;
	u32 max_recv_sge;
	u32 max_inline_data;
};

/**
 * struct lite_ah_attr - an address vector, checked by the core
 *
 * RoCE needs the GRH: the core rejects vectors without one and resolves
 * @sgid_index to @sgid (the entry of the port's GID table then).
 */
struct lite_ah_attr {
	union lite_gid dgid;
	union lite_gid sgid;
	u32 flow_label;
	u8 sgid_index;
	u8 hop_limit;
	u8 traffic_class;
	u8 sl;
	u8 static_rate;
	u8 port_num;
};

/* MODIFY_QP attribute mask bits (IBTA; enum ibv_qp_attr_mask). */
enum {
	LITE_QP_STATE = 1 << 0,
	LITE_QP_CUR_STATE = 1 << 1,
	LITE_QP_EN_SQD_ASYNC_NOTIFY = 1 << 2,
	LITE_QP_ACCESS_FLAGS = 1 << 3,
	LITE_QP_PKEY_INDEX = 1 << 4,
	LITE_QP_PORT = 1 << 5,
	LITE_QP_QKEY = 1 << 6,
	LITE_QP_AV = 1 << 7,
	LITE_QP_PATH_MTU = 1 << 8,
	LITE_QP_TIMEOUT = 1 << 9,
	LITE_QP_RETRY_CNT = 1 << 10,
	LITE_QP_RNR_RETRY = 1 << 11,
	LITE_QP_RQ_PSN = 1 << 12,
	LITE_QP_MAX_QP_RD_ATOMIC = 1 << 13,
	LITE_QP_ALT_PATH = 1 << 14,
	LITE_QP_MIN_RNR_TIMER = 1 << 15,
	LITE_QP_SQ_PSN = 1 << 16,
	LITE_QP_MAX_DEST_RD_ATOMIC = 1 << 17,
	LITE_QP_PATH_MIG_STATE = 1 << 18,
	LITE_QP_CAP = 1 << 19,
	LITE_QP_DEST_QPN = 1 << 20,
	LITE_QP_ATTR_ALL = (1 << 21) - 1,
};

/* MODIFY_SRQ mask bits (enum ibv_srq_attr_mask). */
enum {
	LITE_SRQ_MAX_WR = 1 << 0,
	LITE_SRQ_LIMIT = 1 << 1,
};

/*
 * Attributes of MODIFY_QP; which are valid says the mask
 * (IB_QP_* bits of enum ib_uverbs_qp_attr_mask, checked by the core).
 */
struct lite_qp_attr {
	enum lite_qp_state qp_state;
	enum lite_qp_state cur_qp_state;
	u32 qkey;
	u32 rq_psn;
	u32 sq_psn;
	u32 dest_qp_num;
	u32 qp_access_flags;
	struct lite_ah_attr ah_attr;
	struct lite_ah_attr alt_ah_attr;
	struct lite_qp_cap cap;
	u16 pkey_index;
	u16 alt_pkey_index;
	u8 path_mtu;
	u8 path_mig_state;
	u8 en_sqd_async_notify;
	u8 sq_draining;
	u8 max_rd_atomic;
	u8 max_dest_rd_atomic;
	u8 min_rnr_timer;
	u8 port_num;
	u8 timeout;
	u8 retry_cnt;
	u8 rnr_retry;
	u8 alt_port_num;
	u8 alt_timeout;
};

struct lite_qp {
	struct lite_device *device;	/* core */
	struct lite_pd *pd;		/* core */
	struct lite_cq *send_cq;	/* core */
	struct lite_cq *recv_cq;	/* core */
	struct lite_srq *srq;		/* core, or NULL */
	enum lite_qp_type qp_type;	/* core */
	bool sq_sig_all;		/* core */
	u32 qp_num;			/* driver */
	/*
	 * core: the state and attributes as last set by MODIFY_QP (under
	 * the core's lock); QUERY_QP reports them. The driver may move
	 * @state to LITE_QPS_ERR on its own (a datapath error; WRITE_ONCE,
	 * any context); a concurrent MODIFY_QP then leaves it in ERR unless
	 * it goes to RESET or ERR itself.
	 */
	enum lite_qp_state state;
	struct lite_qp_attr attr;
	/* ---- core private ---- */
	struct lite_uobj *uobj;
	struct mutex attr_lock;		/* serialises MODIFY_QP/QUERY_QP */
};

struct lite_srq_attr {
	u32 max_wr;
	u32 max_sge;
	u32 srq_limit;
};

struct lite_srq {
	struct lite_device *device;	/* core */
	struct lite_pd *pd;		/* core */
	u32 srq_num;			/* driver */
	struct lite_srq_attr attr;	/* driver: as provided */
	/* ---- core private ---- */
	struct lite_uobj *uobj;
	struct mutex attr_lock;		/* serialises MODIFY/QUERY_SRQ */
};

struct lite_ah {
	struct lite_device *device;	/* core */
	struct lite_pd *pd;		/* core */
	struct lite_ah_attr attr;	/* core, validated */
};

/**
 * struct lite_umap - queue memory shared with userspace through mmap()
 *
 * Allocated by the core for a driver (lite_umap_alloc()), which lays out
 * its rings in it and tells userspace @offset and @size; the process maps
 * it once with mmap(cmd_fd, offset). The memory belongs to the core: it is
 * freed when the driver dropped its reference (lite_umap_put(), at the
 * object's destroy) and the last mapping went away, whichever is later,
 * so it can outlive the object and the driver module.
 */
struct lite_umap {
	void *kva;			/* kernel address of the buffer */
	size_t size;			/* page aligned */
	u64 offset;			/* mmap offset for userspace */
	/* ---- core private ---- */
	struct kref ref;
	struct list_head pending;	/* not yet mapped; in the ufile */
	struct lite_ufile *ufile;
};

struct lite_umap *lite_umap_alloc(struct lite_ucontext *uctx, size_t size);
void lite_umap_put(struct lite_umap *umap);

/*
 * Events from the driver's datapath (any context; never sleep). Valid only
 * while the object exists, i.e. until its destroy op returned.
 *
 * lite_cq_completion(): a completion was added to @cq; if the CQ is armed
 * (REQ_NOTIFY_CQ; solicited-only arms fire only for @solicited ones) one
 * completion event goes to its channel and the arm is cleared.
 * lite_*_event(): an IB_EVENT_* affiliated with the object, queued on the
 * async fd of its context (QP fatal, CQ overrun, SRQ limit, ...).
 */
void lite_cq_completion(struct lite_cq *cq, bool solicited);
void lite_cq_event(struct lite_cq *cq, u32 event);
void lite_qp_event(struct lite_qp *qp, u32 event);
void lite_srq_event(struct lite_srq *srq, u32 event);

/* Async event types userspace sees (enum ibv_event_type). */
enum lite_event_type {
	LITE_EVENT_CQ_ERR = 0,
	LITE_EVENT_QP_FATAL = 1,
	LITE_EVENT_QP_REQ_ERR = 2,
	LITE_EVENT_QP_ACCESS_ERR = 3,
	LITE_EVENT_COMM_EST = 4,
	LITE_EVENT_SQ_DRAINED = 5,
	LITE_EVENT_PATH_MIG = 6,
	LITE_EVENT_PATH_MIG_ERR = 7,
	LITE_EVENT_DEVICE_FATAL = 8,
	LITE_EVENT_PORT_ACTIVE = 9,
	LITE_EVENT_PORT_ERR = 10,
	LITE_EVENT_LID_CHANGE = 11,
	LITE_EVENT_PKEY_CHANGE = 12,
	LITE_EVENT_SM_CHANGE = 13,
	LITE_EVENT_SRQ_ERR = 14,
	LITE_EVENT_SRQ_LIMIT_REACHED = 15,
	LITE_EVENT_QP_LAST_WQE_REACHED = 16,
	LITE_EVENT_CLIENT_REREGISTER = 17,
	LITE_EVENT_GID_CHANGE = 18,
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
 * @reg_user_mr: give an MR over pinned user memory its keys
 * @alloc_mw, @dealloc_mw: memory windows
 * @create_cq: set up a CQ of at least @cqe entries; @cq->cqe = capacity
 * @resize_cq: change the capacity, keeping unpolled completions
 * @create_qp: set up a QP; @cap in: requested, out: provided
 * @modify_qp: apply a transition the core already checked (state machine,
 *		masks, values); the core updates qp->state/attr on success
 * @post_send: the send queue doorbell (POST_SEND with no WRs)
 * @create_srq, @modify_srq (mask IB_SRQ_*), @destroy_srq: shared RQs
 * @create_ah, @destroy_ah: address handles
 *
 * Every call is made inside the uverbs fence of the calling file, with the
 * user context and objects the object depends on alive; destroys are
 * called once per object, also when the device goes away (revoke), after
 * the objects created on it were destroyed.
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

	size_t size_mr;
	int (*reg_user_mr)(struct lite_mr *mr, struct lite_udata *udata);
	void (*dereg_mr)(struct lite_mr *mr);

	size_t size_mw;
	int (*alloc_mw)(struct lite_mw *mw, struct lite_udata *udata);
	void (*dealloc_mw)(struct lite_mw *mw);

	size_t size_cq;
	int (*create_cq)(struct lite_ucontext *uctx, struct lite_cq *cq,
			 u32 cqe, struct lite_udata *udata);
	int (*resize_cq)(struct lite_ucontext *uctx, struct lite_cq *cq,
			 u32 cqe, struct lite_udata *udata);
	void (*destroy_cq)(struct lite_cq *cq);

	size_t size_qp;
	int (*create_qp)(struct lite_ucontext *uctx, struct lite_qp *qp,
			 struct lite_qp_cap *cap, struct lite_udata *udata);
	int (*modify_qp)(struct lite_qp *qp, const struct lite_qp_attr *attr,
			 u32 mask, struct lite_udata *udata);
	int (*post_send)(struct lite_qp *qp);
	void (*destroy_qp)(struct lite_qp *qp);

	size_t size_srq;
	int (*create_srq)(struct lite_ucontext *uctx, struct lite_srq *srq,
			  struct lite_srq_attr *attr, struct lite_udata *udata);
	int (*modify_srq)(struct lite_ucontext *uctx, struct lite_srq *srq,
			  const struct lite_srq_attr *attr, u32 mask,
			  struct lite_udata *udata);
	void (*destroy_srq)(struct lite_srq *srq);

	size_t size_ah;
	int (*create_ah)(struct lite_ah *ah, struct lite_udata *udata);
	void (*destroy_ah)(struct lite_ah *ah);
};

struct lite_port_sysfs;

/* Distinct holders counted per device (see struct lite_device). */
#define LITE_DEVICE_HOLDERS	12
/* Holder names are kept up to this length (a module name fits). */
#define LITE_HOLDER_NAME_LEN	56

/**
 * struct lite_device_holder - registration references of one holder
 * @name: a copy of its name: the caller's module name for
 *	lite_device_try_get(), the client's name for a client context;
 *	set once, when the slot is claimed.
 * @client: a client context rather than a module.
 * @count: its references now.
 */
struct lite_device_holder {
	char name[LITE_HOLDER_NAME_LEN];
	bool client;
	atomic_t count;
};

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
	/*
	 * The references above by holder, so a stalled unregistration can
	 * name who does not let go. holders[0..nr_holders) are claimed,
	 * each once, under holders_lock and never released (nr_holders is
	 * published with release semantics, after the slot's name);
	 * holders_other counts holders that found every slot taken.
	 */
	struct lite_device_holder holders[LITE_DEVICE_HOLDERS];
	unsigned int nr_holders;
	spinlock_t holders_lock;	/* claims a holders[] slot */
	atomic_t holders_other;
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
	u8 port_state_seen;		/* last state reported; gid_work */
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

/*
 * Registration references for in-kernel users: while one is held the
 * device stays registered and its ops may be called, and unregistration
 * waits for it (warning periodically, naming the holder). Counted under
 * the caller's module name; get and put must come from the same module.
 */
bool __lite_device_try_get(struct lite_device *dev, const char *modname);
void __lite_device_put(struct lite_device *dev, const char *modname);
#define lite_device_try_get(dev) __lite_device_try_get(dev, KBUILD_MODNAME)
#define lite_device_put(dev) __lite_device_put(dev, KBUILD_MODNAME)

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
 * @event:  optional: a port event (LITE_EVENT_PORT_ACTIVE, _PORT_ERR,
 *          _GID_CHANGE) of a device the client was added to; process
 *          context, between add() and remove().
 */
struct lite_client {
	const char *name;
	int (*add)(struct lite_device *dev);
	void (*remove)(struct lite_device *dev, void *client_data);
	int (*get_nl_info)(struct lite_device *dev, void *client_data,
			   struct lite_client_nl_info *res);
	void (*event)(struct lite_device *dev, void *client_data, u32 event);

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
