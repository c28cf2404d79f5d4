/* SPDX-License-Identifier: GPL-2.0 */
/*
 * revive: "open, watch, reopen" for libibverbs applications that must
 * survive their RDMA device going away and coming back (driver unbind,
 * `rdma link delete`, netdev deletion, module unload) or its port going
 * down and up again (a netdev flap).
 *
 * What the kernel promises (Documentation/uverbs.md, "When the device goes
 * away"): removal never waits for userspace. The old context's QPs move to
 * the error state (outstanding work completes with IBV_WC_WR_FLUSH_ERR),
 * the async fd delivers IBV_EVENT_DEVICE_FATAL and then fails with ENODEV,
 * verbs that issue commands fail with ENODEV, destroying old objects and
 * closing the context still succeed. A device that comes back is a new
 * registration: the application opens it again and rebuilds everything.
 *
 * The pieces, each usable on its own:
 *
 *   rv_open_device()  find a device by name and open it, retrying with a
 *                     bounded backoff until a deadline;
 *   rv_wait_port()    wait until a port is ACTIVE and has a GID;
 *   rv_async_check()  non-blocking read of the async fd, for poll loops;
 *   rv_channel_check() the same for a completion channel;
 *   rv_teardown()     destroy everything, tolerating a revoked device;
 *   rv_*_cause()      "is this error a reason to tear down and reopen?".
 *
 * Time is CLOCK_MONOTONIC milliseconds (rv_now_ms()); deadlines are
 * absolute. Functions that can fail return 0 or a positive errno value.
 * Nothing here aborts; failures are reported on stderr, prefixed with
 * "revive:", naming the failing call and errno.
 */
#ifndef REVIVE_H
#define REVIVE_H

#include <infiniband/verbs.h>
#include <stdbool.h>
#include <stdint.h>

/* Default backoff: 10 ms, doubling, at most 200 ms between attempts. */
#define RV_BACKOFF_MIN_MS	10
#define RV_BACKOFF_MAX_MS	200

/* Sizes of the object tables of struct rv_objs. */
#define RV_MAX_QP	4
#define RV_MAX_CQ	4
#define RV_MAX_MR	8

/* CLOCK_MONOTONIC in milliseconds. */
uint64_t rv_now_ms(void);

/* A bounded exponential backoff. */
struct rv_backoff {
	unsigned int delay_ms;	/* next sleep */
	unsigned int max_ms;	/* cap of delay_ms */
};

void rv_backoff_init(struct rv_backoff *b, unsigned int min_ms,
		     unsigned int max_ms);
/*
 * Sleep for the next delay (never past deadline_ms) and double the delay.
 * Returns 0 after sleeping, ETIMEDOUT if the deadline had already passed.
 */
int rv_backoff_wait(struct rv_backoff *b, uint64_t deadline_ms);

/*
 * Find the device called @name and open it, retrying (ibv_get_device_list
 * and ibv_open_device again) with the default backoff while it does not
 * exist or cannot be opened, until @deadline_ms. On success *ctxp is the
 * context, with its async fd made non-blocking (for rv_async_check()).
 * Returns 0, or ETIMEDOUT when the deadline passed (the last failure was
 * reported on stderr), or another errno for a failure retrying cannot cure.
 */
int rv_open_device(const char *name, uint64_t deadline_ms,
		   struct ibv_context **ctxp);

/*
 * Wait until @port of @ctx is IBV_PORT_ACTIVE and, if @gid_index >= 0,
 * its GID at that index is set (a RoCE device fills its GID table from
 * the netdev's addresses after registration), with the default backoff,
 * until @deadline_ms. On success *attr holds the port's attributes.
 * Returns 0, ETIMEDOUT, or the errno of a failing query (ENODEV when the
 * device went away again: the caller tears down and starts over).
 */
int rv_wait_port(struct ibv_context *ctx, uint8_t port, int gid_index,
		 uint64_t deadline_ms, struct ibv_port_attr *attr);

/* What rv_async_check() found on the async fd. */
enum rv_async_kind {
	RV_ASYNC_NONE,		/* nothing pending (EAGAIN) */
	RV_ASYNC_PORT,		/* a port or device-wide event, not fatal */
	RV_ASYNC_OBJECT,	/* an event of a QP, CQ or SRQ */
	RV_ASYNC_FATAL,		/* DEVICE_FATAL or a read error: gone */
};

struct rv_event {
	enum ibv_event_type type;	/* valid unless NONE or a read error */
	int port;			/* port events: the port number */
	int err;			/* FATAL from a read error: its errno */
};

/*
 * Read at most one event from the (non-blocking) async fd of @ctx and
 * acknowledge it; for the poll loop of an application, called when poll()
 * reports the async fd readable or in error. Call it until it returns
 * RV_ASYNC_NONE or RV_ASYNC_FATAL. A read error other than EAGAIN
 * (ENODEV once a removed device's events are consumed) is FATAL.
 */
enum rv_async_kind rv_async_check(struct ibv_context *ctx,
				  struct rv_event *ev);

/*
 * Consume every pending event of the (non-blocking) completion channel
 * @ch, acknowledging each on its CQ; *events counts them (may be NULL).
 * Returns 0, or the errno of a failed read (ENODEV after a removal).
 * Re-arming the CQs (ibv_req_notify_cq) is the caller's job.
 */
int rv_channel_check(struct ibv_comp_channel *ch, unsigned int *events);

/* Put @fd in non-blocking mode. Returns 0 or errno. */
int rv_set_nonblock(int fd);

/*
 * Why an application should tear down and reopen. RV_CAUSE_NONE means
 * "not a reason": the error is something else (or no error).
 */
enum rv_cause {
	RV_CAUSE_NONE,
	RV_CAUSE_DEVICE_FATAL,	/* IBV_EVENT_DEVICE_FATAL / async fd dead */
	RV_CAUSE_ENODEV,	/* a verb failed with ENODEV */
	RV_CAUSE_EIO,		/* a verb failed with EIO */
	RV_CAUSE_WR_FLUSH,	/* a completion with IBV_WC_WR_FLUSH_ERR */
	RV_CAUSE_WC_ERROR,	/* another error completion (QP now in ERR) */
	RV_CAUSE_ASYNC_ERROR,	/* QP/CQ/SRQ fatal async event */
	RV_CAUSE_PORT_ERR,	/* IBV_EVENT_PORT_ERR: the port went down */
};

/* ENODEV and EIO from a verb (or its errno) are revokes. */
enum rv_cause rv_errno_cause(int err);
/* Any completion status but IBV_WC_SUCCESS puts the QP in ERR. */
enum rv_cause rv_wc_cause(const struct ibv_wc *wc);
/*
 * DEVICE_FATAL, the object errors that leave a QP/CQ unusable, and
 * PORT_ERR. A port that goes down (netdev down, cable pulled) leaves the
 * device and its objects in place, but every connection over the port
 * fails once its retries run out, seconds later; an application that
 * wants to come back promptly tears down at once and waits for the port
 * (rv_wait_port()). Check the event's port first if it uses only some.
 */
enum rv_cause rv_event_cause(enum ibv_event_type type);
/* "DEVICE_FATAL", "ENODEV", "WR_FLUSH_ERR", ... */
const char *rv_cause_str(enum rv_cause cause);

/*
 * The verbs objects of one open of a device, for rv_teardown(). Fill in
 * what was created (unused slots NULL). cq_unacked[i] counts completion
 * events of cq[i] got from the channel but not yet acknowledged (they
 * must be acknowledged before ibv_destroy_cq() can return).
 */
struct rv_objs {
	struct ibv_context *ctx;
	struct ibv_comp_channel *channel;
	struct ibv_pd *pd;
	struct ibv_cq *cq[RV_MAX_CQ];
	unsigned int cq_unacked[RV_MAX_CQ];
	struct ibv_qp *qp[RV_MAX_QP];
	struct ibv_mr *mr[RV_MAX_MR];
};

/*
 * Destroy everything in @o, dependents first (QPs, MRs, CQs, PD, channel,
 * context), whether or not the device still exists. A failing call is
 * reported and the teardown goes on; closing the context releases what
 * the kernel still holds. Every pointer is NULL afterwards. Returns the
 * number of calls that failed (0 on a revoked device, per the contract).
 */
int rv_teardown(struct rv_objs *o);

#endif /* REVIVE_H */
