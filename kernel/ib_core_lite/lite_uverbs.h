/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The uverbs part of ib_core_lite: char devices, user contexts, commands,
 * event files. Private to the core.
 *
 * Objects and lifetimes
 * ---------------------
 * struct lite_uverbs_device: one per registration of a device (a device
 *   that comes back gets a new one). Memory: its struct device; the client
 *   context holds the initial reference, every ufile one more.
 *   ->ibdev is the registered lite_device or NULL; syscalls dereference it
 *   under ->srcu, remove() clears it and synchronize_srcu()s, so after that
 *   no syscall can reach the driver through this udev.
 *
 * struct lite_ufile: one per open() of /dev/infiniband/uverbsN.
 *   Memory: ->ref, held by the open file (until release()) and by remove()
 *   while it disassociates the file. Holds a udev reference.
 *   ->ucontext is set once by GET_CONTEXT and destroyed (through the
 *   driver) by release() or by the device's removal, whichever runs first,
 *   both under ->ucontext_lock.
 *
 * struct lite_async_file: the async event fd of a context. Memory: ->ref,
 *   held by its struct file and by the ufile. Its queue never points into
 *   the driver, so it works after the device and its driver are gone.
 */
#ifndef _LITE_UVERBS_H
#define _LITE_UVERBS_H

#include <linux/cdev.h>
#include <linux/completion.h>
#include <linux/kref.h>
#include <linux/srcu.h>
#include <linux/wait.h>
#include <uapi/rdma/ib_user_verbs.h>

#include "lite_core_priv.h"

/* enum ibv_link_layer / rdma_link_layer: Ethernet */
#define LITE_LINK_LAYER_ETHERNET	2

struct lite_uverbs_device {
	struct device dev;		/* class infiniband_verbs; memory */
	struct cdev cdev;
	struct lite_device __rcu *ibdev;
	struct srcu_struct srcu;	/* syscalls vs. remove() */
	int devnum;
	u32 driver_abi;			/* copied: valid after the driver left */
	struct mutex files_lock;	/* protects files */
	struct list_head files;		/* open ufiles not yet disassociated */
};

/*
 * An event queue of an event fd. ->lock protects the list and ->closed;
 * producers never sleep (events come from notifiers and datapath).
 */
struct lite_event_queue {
	spinlock_t lock;	/* protects events, closed, uobj event lists */
	size_t desc_size;	/* bytes per read(): 16 async, 8 comp */
	struct list_head events;
	wait_queue_head_t wait;
	struct fasync_struct *fasync;
	bool closed;		/* device gone: readers drain, then -ENODEV */
};

struct lite_async_file {
	struct kref ref;
	struct lite_event_queue q;
};

/*
 * A user object: the handle userspace names it by, and the core object
 * behind it. ->object is NULL once the hardware object was destroyed by a
 * revoke; the handle stays until DESTROY or close, so a later destroy
 * command still finds it and succeeds.
 *
 * Events affiliated with the object (completion events of a CQ on its
 * channel, async events on the context's async fd) are linked on
 * ->comp_events / ->async_events under the lock of the queue they are on,
 * so that destroying the object drops the unread ones; the *_reported
 * counters count those userspace read, and DESTROY returns them.
 */
enum lite_uobj_type {
	LITE_UOBJ_PD = 1,
	LITE_UOBJ_MR,
	LITE_UOBJ_MW,
	LITE_UOBJ_CQ,
	LITE_UOBJ_QP,
	LITE_UOBJ_SRQ,
	LITE_UOBJ_AH,
};

/* The most objects one object is created on (a QP: PD, 2 CQs, SRQ). */
#define LITE_UOBJ_MAX_DEPS	4

struct lite_comp_file;

struct lite_uobj {
	struct list_head list;		/* ufile->uobjs, creation order */
	u32 handle;
	enum lite_uobj_type type;
	u32 usecnt;			/* objects created on this one */
	struct lite_uobj *deps[LITE_UOBJ_MAX_DEPS]; /* each holds a usecnt */
	void *object;
	struct lite_ufile *ufile;
	u64 user_handle;		/* the element of its events */
	struct lite_comp_file *comp;	/* CQ: its channel (a reference) */
	struct list_head comp_events;
	struct list_head async_events;
	u32 comp_events_reported;
	u32 async_events_reported;
};

struct lite_ufile {
	struct kref ref;
	struct lite_uverbs_device *udev;
	struct list_head list;			/* in udev->files */
	struct mutex ucontext_lock;		/* protects the two below */
	struct lite_ucontext *ucontext;
	struct lite_async_file *async;
	/* remove() destroyed this file's hardware objects */
	struct completion disassociated;
	/*
	 * obj_rwsem protects handles, uobjs and every uobj's fields except
	 * the event lists: write to create or destroy, read to use an
	 * object. Taken inside the SRCU fence, after ucontext_lock.
	 */
	struct rw_semaphore obj_rwsem;
	struct xarray handles;			/* handle -> struct lite_uobj */
	struct list_head uobjs;
	/* umap_lock protects umaps_pending and next_offset. */
	struct mutex umap_lock;
	struct list_head umaps_pending;		/* lite_umap.pending */
	u64 next_offset;
	/* comp_lock protects comp_files (no references: see comp file) */
	struct mutex comp_lock;
	struct list_head comp_files;
};

/*
 * A completion channel. Memory: ->ref, held by its struct file and by
 * every CQ bound to it. It holds a reference on its ufile (only compared
 * and used to unlink itself from ufile->comp_files at the end).
 */
struct lite_comp_file {
	struct kref ref;
	struct lite_event_queue q;
	struct lite_ufile *ufile;
	struct list_head list;			/* ufile->comp_files */
};

/*
 * A write() command as the dispatcher hands it to a handler. The buffers
 * are kernel copies: write() copies the whole request in before it enters
 * the SRCU fence and the response out after it left (uverbs.md, "User
 * memory and the fence"). Memory: on the stack of write(), buffers freed
 * by write().
 */
struct lite_cmd {
	struct lite_ufile *ufile;
	struct lite_device *ibdev;	/* registered for the whole call */
	const void *inbuf;		/* core request */
	size_t inlen;
	void *outbuf;			/* core response, starts zeroed */
	size_t outlen;
	struct lite_udata udata;	/* driver request/response */
	/*
	 * User memory def->prepare pinned before the fence (REG_MR), or
	 * ERR_PTR of why it could not; a handler that uses it sets NULL,
	 * write() releases what is left.
	 */
	struct lite_umem *umem;
};

struct lite_cmd_def {
	int (*handler)(struct lite_cmd *cmd);
	/* Optional, before the fence (no ibdev): touch user memory. */
	void (*prepare)(struct lite_cmd *cmd);
	size_t req_size;		/* core request, uapi size */
	size_t resp_size;		/* core response, 0: none */
	bool has_udata;
	bool is_ex;
	bool is_destroy;		/* also runs after removal (ibdev NULL) */
};

const struct lite_cmd_def *lite_uverbs_cmd_lookup(u32 command);
int lite_cmd_request(struct lite_cmd *cmd, void *req, size_t len);
int lite_cmd_response(struct lite_cmd *cmd, const void *resp, size_t len);
int lite_cmd_ctx_request(struct lite_cmd *cmd, void *req, size_t len);
int lite_cmd_create_done(struct lite_cmd *cmd, struct lite_uobj *uobj,
			 u32 *handle, const void *resp, size_t len);
int lite_cmd_destroy_handle(struct lite_cmd *cmd, u32 handle,
			    enum lite_uobj_type type, u32 *comp_read,
			    u32 *async_read);

/* Command handlers, by file. */
int lite_cmd_reg_mr(struct lite_cmd *cmd);		/* _mem.c */
void lite_cmd_reg_mr_pin(struct lite_cmd *cmd);
int lite_cmd_rereg_mr(struct lite_cmd *cmd);
int lite_cmd_dereg_mr(struct lite_cmd *cmd);
int lite_cmd_alloc_mw(struct lite_cmd *cmd);
int lite_cmd_dealloc_mw(struct lite_cmd *cmd);
int lite_cmd_create_comp_channel(struct lite_cmd *cmd);	/* _cq.c */
int lite_cmd_create_cq(struct lite_cmd *cmd);
int lite_cmd_ex_create_cq(struct lite_cmd *cmd);
int lite_cmd_resize_cq(struct lite_cmd *cmd);
int lite_cmd_req_notify_cq(struct lite_cmd *cmd);
int lite_cmd_destroy_cq(struct lite_cmd *cmd);
int lite_cmd_create_qp(struct lite_cmd *cmd);		/* _qp.c */
int lite_cmd_ex_create_qp(struct lite_cmd *cmd);
int lite_cmd_query_qp(struct lite_cmd *cmd);
int lite_cmd_modify_qp(struct lite_cmd *cmd);
int lite_cmd_ex_modify_qp(struct lite_cmd *cmd);
int lite_cmd_destroy_qp(struct lite_cmd *cmd);
int lite_cmd_post_send(struct lite_cmd *cmd);
int lite_cmd_create_srq(struct lite_cmd *cmd);		/* _srq.c */
int lite_cmd_modify_srq(struct lite_cmd *cmd);
int lite_cmd_query_srq(struct lite_cmd *cmd);
int lite_cmd_destroy_srq(struct lite_cmd *cmd);
int lite_cmd_create_ah(struct lite_cmd *cmd);
int lite_cmd_destroy_ah(struct lite_cmd *cmd);
int lite_ah_attr_check(struct lite_device *dev, struct lite_ah_attr *ah,
		       bool is_global);

/* lite_uverbs_main.c */
void lite_ufile_put(struct lite_ufile *ufile);

/* lite_uverbs_obj.c */
void lite_ufile_init_objs(struct lite_ufile *ufile);
struct lite_uobj *lite_uobj_get(struct lite_ufile *ufile, u32 handle,
				enum lite_uobj_type type, bool destroy);
void *lite_uobj_get_obj(struct lite_ufile *ufile, u32 handle,
			enum lite_uobj_type type);
struct lite_uobj *lite_uobj_add(struct lite_ufile *ufile,
				struct lite_device *ibdev,
				enum lite_uobj_type type, void *object,
				struct lite_uobj **deps, unsigned int ndeps);
void lite_uobj_abort(struct lite_ufile *ufile, struct lite_uobj *uobj,
		     struct lite_device *ibdev);
int lite_uobj_destroy(struct lite_ufile *ufile, struct lite_uobj *uobj,
		      struct lite_device *ibdev, u32 *comp_read,
		      u32 *async_read);
void lite_ufile_destroy_objs(struct lite_ufile *ufile,
			     struct lite_device *ibdev, bool forget);

/* lite_uverbs_event.c */
struct lite_async_file *lite_async_file_alloc(void);
void lite_async_file_put(struct lite_async_file *async);
struct file *lite_async_file_open(struct lite_async_file *async);
void lite_async_event(struct lite_async_file *async, u64 element, u32 type);
void lite_uobj_async_event(struct lite_uobj *uobj, u32 type);
void lite_event_queue_close(struct lite_event_queue *q, bool flush);
void lite_uobj_drop_events(struct lite_uobj *uobj);
int lite_comp_file_create(struct lite_ufile *ufile, struct file **filp);
struct lite_comp_file *lite_comp_file_get(struct lite_ufile *ufile, int fd);
void lite_comp_file_put(struct lite_comp_file *comp);
void lite_ufile_close_comp_files(struct lite_ufile *ufile);

/* lite_uverbs_mmap.c */
void lite_ufile_init_umaps(struct lite_ufile *ufile);
void lite_ufile_drop_umaps(struct lite_ufile *ufile);
int lite_uverbs_mmap(struct file *filp, struct vm_area_struct *vma);

/* lite_umem.c */
struct lite_umem *lite_umem_get(u64 addr, u64 length, bool writable);
void lite_umem_release(struct lite_umem *umem);

/* lite_qp_state.c */
int lite_qp_check_modify(enum lite_qp_type type, enum lite_qp_state cur,
			 enum lite_qp_state next, u32 mask);

/* lite_stats.c: object counters for tests (debugfs) */
enum lite_stat {
	LITE_STAT_UFILE,
	LITE_STAT_UCONTEXT,
	LITE_STAT_PD,
	LITE_STAT_MR,
	LITE_STAT_MW,
	LITE_STAT_CQ,
	LITE_STAT_QP,
	LITE_STAT_SRQ,
	LITE_STAT_AH,
	LITE_STAT_COMP_CHANNEL,
	LITE_STAT_UMAP,
	LITE_STAT_PINNED_PAGES,
	LITE_STAT_MAX,
};

void lite_stat_add(enum lite_stat stat, long n);
#define lite_stat_inc(s)	lite_stat_add(s, 1)
#define lite_stat_dec(s)	lite_stat_add(s, -1)
void lite_stats_init(void);
void lite_stats_exit(void);

#endif /* _LITE_UVERBS_H */
