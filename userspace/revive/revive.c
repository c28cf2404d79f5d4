// SPDX-License-Identifier: GPL-2.0
/*
 * revive: open, watch, reopen an RDMA device through libibverbs.
 * See revive.h for the interface and the kernel's revoke contract.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "revive.h"

uint64_t rv_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = {
		.tv_sec = ms / 1000,
		.tv_nsec = (long)(ms % 1000) * 1000000,
	};

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

void rv_backoff_init(struct rv_backoff *b, unsigned int min_ms,
		     unsigned int max_ms)
{
	b->delay_ms = min_ms ? min_ms : 1;
	b->max_ms = max_ms < b->delay_ms ? b->delay_ms : max_ms;
}

int rv_backoff_wait(struct rv_backoff *b, uint64_t deadline_ms)
{
	uint64_t now = rv_now_ms();
	unsigned int ms = b->delay_ms;

	if (now >= deadline_ms)
		return ETIMEDOUT;
	if (now + ms > deadline_ms)
		ms = deadline_ms - now;
	sleep_ms(ms);
	b->delay_ms *= 2;
	if (b->delay_ms > b->max_ms)
		b->delay_ms = b->max_ms;
	return 0;
}

int rv_set_nonblock(int fd)
{
	int flags = fcntl(fd, F_GETFL);

	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
		return errno;
	return 0;
}

/*
 * One attempt: list the devices, open the one called @name. Returns 0,
 * ENODEV if there is no such device, or the errno of the failing call.
 */
static int open_once(const char *name, struct ibv_context **ctxp,
		     const char **failed)
{
	struct ibv_device **list;
	int i, n, err = ENODEV;

	*failed = "no such device";
	list = ibv_get_device_list(&n);
	if (!list) {
		*failed = "ibv_get_device_list";
		return errno ? errno : ENOMEM;
	}
	for (i = 0; i < n; i++) {
		if (strcmp(ibv_get_device_name(list[i]), name))
			continue;
		*ctxp = ibv_open_device(list[i]);
		if (*ctxp) {
			err = 0;
		} else {
			*failed = "ibv_open_device";
			err = errno ? errno : EIO;
		}
		break;
	}
	ibv_free_device_list(list);
	return err;
}

int rv_open_device(const char *name, uint64_t deadline_ms,
		   struct ibv_context **ctxp)
{
	struct rv_backoff b;
	const char *failed;
	int err;

	*ctxp = NULL;
	rv_backoff_init(&b, RV_BACKOFF_MIN_MS, RV_BACKOFF_MAX_MS);
	for (;;) {
		err = open_once(name, ctxp, &failed);
		if (!err)
			break;
		if (rv_backoff_wait(&b, deadline_ms)) {
			fprintf(stderr, "revive: %s: %s: %s (gave up)\n",
				name, failed, strerror(err));
			return err;
		}
	}
	err = rv_set_nonblock((*ctxp)->async_fd);
	if (err) {
		fprintf(stderr, "revive: %s: fcntl(async_fd, O_NONBLOCK): %s\n",
			name, strerror(err));
		ibv_close_device(*ctxp);
		*ctxp = NULL;
	}
	return err;
}

static bool gid_is_set(const union ibv_gid *gid)
{
	static const union ibv_gid zero;

	return memcmp(gid, &zero, sizeof(zero)) != 0;
}

/*
 * One look at the port: 0 if ready, EAGAIN if not yet, or the errno of a
 * failing query.
 */
static int port_ready(struct ibv_context *ctx, uint8_t port, int gid_index,
		      struct ibv_port_attr *attr)
{
	union ibv_gid gid;
	int ret;

	ret = ibv_query_port(ctx, port, attr);
	if (ret) {
		fprintf(stderr, "revive: ibv_query_port(%u): %s\n", port,
			strerror(ret));
		return ret;
	}
	if (attr->state != IBV_PORT_ACTIVE)
		return EAGAIN;
	if (gid_index < 0)
		return 0;
	if (ibv_query_gid(ctx, port, gid_index, &gid)) {
		ret = errno ? errno : EIO;
		/* A GID index not filled in yet may read as an error. */
		return rv_errno_cause(ret) ? ret : EAGAIN;
	}
	return gid_is_set(&gid) ? 0 : EAGAIN;
}

int rv_wait_port(struct ibv_context *ctx, uint8_t port, int gid_index,
		 uint64_t deadline_ms, struct ibv_port_attr *attr)
{
	struct rv_backoff b;
	int ret;

	rv_backoff_init(&b, RV_BACKOFF_MIN_MS, RV_BACKOFF_MAX_MS);
	while ((ret = port_ready(ctx, port, gid_index, attr)) == EAGAIN) {
		if (rv_backoff_wait(&b, deadline_ms)) {
			fprintf(stderr, "revive: port %u not active with GID %d (state %s): gave up\n",
				port, gid_index,
				ibv_port_state_str(attr->state));
			return ETIMEDOUT;
		}
	}
	return ret;
}

static bool is_port_event(enum ibv_event_type type)
{
	switch (type) {
	case IBV_EVENT_PORT_ACTIVE:
	case IBV_EVENT_PORT_ERR:
	case IBV_EVENT_LID_CHANGE:
	case IBV_EVENT_PKEY_CHANGE:
	case IBV_EVENT_SM_CHANGE:
	case IBV_EVENT_CLIENT_REREGISTER:
	case IBV_EVENT_GID_CHANGE:
		return true;
	default:
		return false;
	}
}

enum rv_async_kind rv_async_check(struct ibv_context *ctx,
				  struct rv_event *ev)
{
	struct ibv_async_event e;

	memset(ev, 0, sizeof(*ev));
	if (ibv_get_async_event(ctx, &e)) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return RV_ASYNC_NONE;
		ev->err = errno ? errno : EIO;
		return RV_ASYNC_FATAL;
	}
	ev->type = e.event_type;
	if (is_port_event(e.event_type))
		ev->port = e.element.port_num;
	ibv_ack_async_event(&e);
	if (e.event_type == IBV_EVENT_DEVICE_FATAL)
		return RV_ASYNC_FATAL;
	if (is_port_event(e.event_type))
		return RV_ASYNC_PORT;
	return RV_ASYNC_OBJECT;
}

int rv_channel_check(struct ibv_comp_channel *ch, unsigned int *events)
{
	struct ibv_cq *cq;
	void *cq_context;

	for (;;) {
		if (ibv_get_cq_event(ch, &cq, &cq_context)) {
			if (errno == EAGAIN || errno == EWOULDBLOCK ||
			    errno == EINTR)
				return 0;
			return errno ? errno : EIO;
		}
		ibv_ack_cq_events(cq, 1);
		if (events)
			(*events)++;
	}
}

enum rv_cause rv_errno_cause(int err)
{
	if (err < 0)
		err = -err;
	switch (err) {
	case ENODEV:
		return RV_CAUSE_ENODEV;
	case EIO:
		return RV_CAUSE_EIO;
	default:
		return RV_CAUSE_NONE;
	}
}

enum rv_cause rv_wc_cause(const struct ibv_wc *wc)
{
	if (wc->status == IBV_WC_SUCCESS)
		return RV_CAUSE_NONE;
	if (wc->status == IBV_WC_WR_FLUSH_ERR)
		return RV_CAUSE_WR_FLUSH;
	return RV_CAUSE_WC_ERROR;
}

enum rv_cause rv_event_cause(enum ibv_event_type type)
{
	switch (type) {
	case IBV_EVENT_DEVICE_FATAL:
		return RV_CAUSE_DEVICE_FATAL;
	case IBV_EVENT_CQ_ERR:
	case IBV_EVENT_QP_FATAL:
	case IBV_EVENT_QP_REQ_ERR:
	case IBV_EVENT_QP_ACCESS_ERR:
	case IBV_EVENT_PATH_MIG_ERR:
	case IBV_EVENT_SRQ_ERR:
		return RV_CAUSE_ASYNC_ERROR;
	case IBV_EVENT_PORT_ERR:
		return RV_CAUSE_PORT_ERR;
	default:
		return RV_CAUSE_NONE;
	}
}

const char *rv_cause_str(enum rv_cause cause)
{
	switch (cause) {
	case RV_CAUSE_NONE:
		return "NONE";
	case RV_CAUSE_DEVICE_FATAL:
		return "DEVICE_FATAL";
	case RV_CAUSE_ENODEV:
		return "ENODEV";
	case RV_CAUSE_EIO:
		return "EIO";
	case RV_CAUSE_WR_FLUSH:
		return "WR_FLUSH_ERR";
	case RV_CAUSE_WC_ERROR:
		return "WC_ERROR";
	case RV_CAUSE_ASYNC_ERROR:
		return "ASYNC_ERROR";
	case RV_CAUSE_PORT_ERR:
		return "PORT_ERR";
	}
	return "UNKNOWN";
}

/*
 * Report a failed destroy call. libibverbs returns an errno value from
 * most of them; some return -1 and set errno.
 */
static int failed(const char *call, int ret)
{
	if (!ret)
		return 0;
	fprintf(stderr, "revive: teardown: %s: %s\n", call,
		strerror(ret > 0 ? ret : errno));
	return 1;
}

static int teardown_qps(struct rv_objs *o)
{
	int i, bad = 0;

	for (i = RV_MAX_QP - 1; i >= 0; i--) {
		if (!o->qp[i])
			continue;
		bad += failed("ibv_destroy_qp", ibv_destroy_qp(o->qp[i]));
		o->qp[i] = NULL;
	}
	return bad;
}

static int teardown_mrs(struct rv_objs *o)
{
	int i, bad = 0;

	for (i = RV_MAX_MR - 1; i >= 0; i--) {
		if (!o->mr[i])
			continue;
		bad += failed("ibv_dereg_mr", ibv_dereg_mr(o->mr[i]));
		o->mr[i] = NULL;
	}
	return bad;
}

/* Completion events must be acknowledged or ibv_destroy_cq() waits. */
static int teardown_cqs(struct rv_objs *o)
{
	int i, bad = 0;

	for (i = RV_MAX_CQ - 1; i >= 0; i--) {
		if (!o->cq[i])
			continue;
		if (o->cq_unacked[i])
			ibv_ack_cq_events(o->cq[i], o->cq_unacked[i]);
		o->cq_unacked[i] = 0;
		bad += failed("ibv_destroy_cq", ibv_destroy_cq(o->cq[i]));
		o->cq[i] = NULL;
	}
	return bad;
}

int rv_teardown(struct rv_objs *o)
{
	int bad;

	bad = teardown_qps(o);
	bad += teardown_mrs(o);
	bad += teardown_cqs(o);
	if (o->pd)
		bad += failed("ibv_dealloc_pd", ibv_dealloc_pd(o->pd));
	o->pd = NULL;
	if (o->channel)
		bad += failed("ibv_destroy_comp_channel",
			      ibv_destroy_comp_channel(o->channel));
	o->channel = NULL;
	if (o->ctx)
		bad += failed("ibv_close_device", ibv_close_device(o->ctx));
	o->ctx = NULL;
	return bad;
}
