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
/* enum ib_event_type values userspace sees (struct ibv_async_event) */
#define LITE_EVENT_DEVICE_FATAL		8

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
	spinlock_t lock;	/* protects events and closed */
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
 */
enum lite_uobj_type {
	LITE_UOBJ_PD = 1,
};

struct lite_uobj {
	struct list_head list;		/* ufile->uobjs, creation order */
	u32 handle;
	enum lite_uobj_type type;
	u32 usecnt;			/* objects created on this one */
	struct lite_uobj *parent;	/* holds a usecnt on it, or NULL */
	void *object;
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
	 * obj_rwsem protects handles, uobjs and every uobj's fields: write
	 * to create or destroy, read to use an object. Taken inside the SRCU
	 * fence, after ucontext_lock.
	 */
	struct rw_semaphore obj_rwsem;
	struct xarray handles;			/* handle -> struct lite_uobj */
	struct list_head uobjs;
};

/* A write() command as the dispatcher hands it to a handler. */
struct lite_cmd {
	struct lite_ufile *ufile;
	struct lite_device *ibdev;	/* registered for the whole call */
	const void __user *inbuf;	/* core request */
	size_t inlen;
	void __user *outbuf;		/* core response */
	size_t outlen;
	struct lite_udata udata;	/* driver request/response */
};

struct lite_cmd_def {
	int (*handler)(struct lite_cmd *cmd);
	size_t req_size;		/* core request, uapi size */
	size_t resp_size;		/* core response, 0: none */
	bool has_udata;
	bool is_ex;
	bool is_destroy;		/* also runs after removal (ibdev NULL) */
};

const struct lite_cmd_def *lite_uverbs_cmd_lookup(u32 command);
int lite_cmd_request(struct lite_cmd *cmd, void *req, size_t len);
int lite_cmd_response(struct lite_cmd *cmd, const void *resp, size_t len);

/* lite_uverbs_obj.c */
void lite_ufile_init_objs(struct lite_ufile *ufile);
struct lite_uobj *lite_uobj_get(struct lite_ufile *ufile, u32 handle,
				enum lite_uobj_type type, bool destroy);
int lite_uobj_add(struct lite_ufile *ufile, enum lite_uobj_type type,
		  void *object, struct lite_uobj *parent, u32 *handle);
int lite_uobj_destroy(struct lite_ufile *ufile, struct lite_uobj *uobj,
		      struct lite_device *ibdev);
void lite_ufile_destroy_objs(struct lite_ufile *ufile,
			     struct lite_device *ibdev, bool forget);

/* lite_uverbs_event.c */
struct lite_async_file *lite_async_file_alloc(void);
void lite_async_file_put(struct lite_async_file *async);
struct file *lite_async_file_open(struct lite_async_file *async);
void lite_async_event(struct lite_async_file *async, u64 element, u32 type);
void lite_event_queue_close(struct lite_event_queue *q);

#endif /* _LITE_UVERBS_H */
