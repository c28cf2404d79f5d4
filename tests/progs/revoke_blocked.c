// SPDX-License-Identifier: GPL-2.0
/*
 * revoke_blocked: threads of an unmodified-libibverbs process, blocked on
 * the completion channel and on the async fd of a device, wake with the
 * documented results when the device goes away; every verb afterwards
 * behaves as Documentation/uverbs.md "When the device goes away" says.
 *
 * usage: revoke_blocked [--pause] IBDEV unbind AUXDEV
 *        revoke_blocked [--pause] IBDEV cmd 'SHELL COMMAND'
 *
 * "unbind": this process removes the device itself, with open() + write()
 * of AUXDEV to /sys/bus/auxiliary/drivers/rxe_lite/unbind while its own
 * threads are blocked on the device. "cmd": system(COMMAND).
 *
 * Context 1 holds a PD, an MR (malloc'ed, a few pages), a completion
 * channel with a CQ armed by ibv_req_notify_cq(), an RC QP in INIT with
 * one posted receive. Five threads block on it:
 *   (a) ibv_get_cq_event()      (b) poll() on the channel fd
 *   (c) epoll_wait() on it      (d) ibv_get_async_event()
 *   (e) poll() on the async fd
 * Context 2 has an O_NONBLOCK completion channel (with an armed CQ) and an
 * O_NONBLOCK async fd: both give EAGAIN before the removal.
 *
 * After the removal (bounded by 1 s x LITE_SLOW_FACTOR) every thread must
 * wake within 3 s x LITE_SLOW_FACTOR of its start with:
 *   (a) -1/ENODEV. The revoke moves the QP to the error state first, which
 *       flushes the posted receive into the armed CQ: a completion event
 *       for the CQ may come (and be read) before the channel is closed, so
 *       at most one event for our CQ is accepted before the ENODEV;
 *   (b)(c) POLLERR / EPOLLERR (POLLIN-only wakeups before it are counted);
 *   (d) IBV_EVENT_DEVICE_FATAL (port and GID events before it are
 *       skipped), then the next ibv_get_async_event() fails with ENODEV;
 *   (e) POLLERR.
 * Then: context 2's O_NONBLOCK channel fails with ENODEV, its async fd
 * gives DEVICE_FATAL then ENODEV; the CQ ring still holds the flushed
 * receive (IBV_WC_WR_FLUSH_ERR); ibv_query_port, ibv_alloc_pd,
 * ibv_req_notify_cq (a REQ_NOTIFY_CQ write() in rdma-core's rxe
 * provider), ibv_modify_qp and ibv_post_send (its doorbell write()) fail
 * with ENODEV; ibv_destroy_qp/cq/comp_channel, ibv_dereg_mr,
 * ibv_dealloc_pd and ibv_close_device return 0.
 *
 * --pause: print "paused: before removal" (threads blocked) and "paused:
 * after removal" (objects, fds and ring mappings still held) and wait for
 * a line on stdin at each, so a script can look at module refcounts.
 *
 * One line per check: "ok   NAME: what was seen" or "FAIL NAME: ...".
 * Exits 0 only if every check passed; else the last line names the
 * failed checks. A watchdog names the stage a hang happened in.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <infiniband/verbs.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "progs.h"

#define UNBIND_PATH	"/sys/bus/auxiliary/drivers/rxe_lite/unbind"
#define BUF_PAGES	4
#define RECV_WRID	0x7265637629ULL
#define SEND_WRID	0x73656e6429ULL

static int slow = 1;
static int checks, failures;
static char failed[2048];
static const char *volatile stage = "start";
static unsigned int watchdog_s;

static struct ibv_context *ctx, *ctx2;
static struct ibv_comp_channel *channel, *channel2;
static struct ibv_cq *cq, *cq2;



static void __attribute__((format(printf, 3, 4)))
check(bool ok, const char *name, const char *fmt, ...)
{
	va_list ap;
	size_t len;

	checks++;
	printf("%s %s: ", ok ? "ok  " : "FAIL", name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	if (ok)
		return;
	failures++;
	len = strlen(failed);
	snprintf(failed + len, sizeof(failed) - len, "%s%s", len ? "; " : "",
		 name);
}

/* A setup step failed: not a revoke result, but the test cannot go on. */
static void __attribute__((noreturn, format(printf, 1, 2)))
die(const char *fmt, ...)
{
	va_list ap;

	printf("FAIL setup: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	exit(1);
}

static void watchdog(int sig)
{
	char msg[256];
	int n;

	(void)sig;
	n = snprintf(msg, sizeof(msg),
		     "FAIL watchdog: no progress for %u s in stage \"%s\"\n",
		     watchdog_s, stage);
	if (write(STDOUT_FILENO, msg, n) < 0)
		_exit(3);
	_exit(3);
}

static void pause_point(const char *what, bool on)
{
	char line[64];

	if (!on)
		return;
	alarm(0);
	printf("paused: %s\n", what);
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin))
		printf("(stdin closed, going on)\n");
	alarm(watchdog_s);
}

static const char *revents_str(unsigned int ev)
{
	static __thread char s[64];

	snprintf(s, sizeof(s), "0x%x%s%s%s%s", ev, ev & POLLIN ? " IN" : "",
		 ev & POLLERR ? " ERR" : "", ev & POLLHUP ? " HUP" : "",
		 ev & POLLNVAL ? " NVAL" : "");
	return s;
}

static const char *event_name(int type)
{
	switch (type) {
	case IBV_EVENT_DEVICE_FATAL:
		return "IBV_EVENT_DEVICE_FATAL";
	case IBV_EVENT_PORT_ERR:
		return "IBV_EVENT_PORT_ERR";
	case IBV_EVENT_PORT_ACTIVE:
		return "IBV_EVENT_PORT_ACTIVE";
	case IBV_EVENT_GID_CHANGE:
		return "IBV_EVENT_GID_CHANGE";
	default:
		return ibv_event_type_str(type);
	}
}

static bool port_event(int type)
{
	return type == IBV_EVENT_PORT_ERR || type == IBV_EVENT_PORT_ACTIVE ||
	       type == IBV_EVENT_GID_CHANGE;
}

/* ---- the blocked threads ------------------------------------------------ */

enum { W_CQ_READ, W_CH_POLL, W_CH_EPOLL, W_ASYNC_READ, W_ASYNC_POLL, NW };

struct waiter {
	const char *name;
	void *(*fn)(void *);
	int fd;			/* pollers: the fd; epoll: the epoll fd */
	pthread_t th;
	pid_t tid;
	int started, done;	/* atomics */
	double t_end;
	int ret, err;		/* the last blocking call */
	unsigned int revents;	/* pollers: the last revents */
	int nin;		/* pollers: POLLIN-only wakeups */
	int nev;		/* (a): events read; (d): events before FATAL */
	bool bad_cq;		/* (a): an event for another CQ */
	int types[8];		/* (d): event types before FATAL */
	bool fatal;		/* (d): DEVICE_FATAL read */
	int next_ret, next_err, next_type;	/* (d): the read after it */
};

static void started(struct waiter *w)
{
	__atomic_store_n(&w->started, 1, __ATOMIC_RELEASE);
}

static void finish(struct waiter *w)
{
	w->t_end = progs_now_ms();
	__atomic_store_n(&w->done, 1, __ATOMIC_RELEASE);
}

static void *cq_reader(void *arg)
{
	struct waiter *w = arg;
	struct ibv_cq *ev_cq;
	void *ev_ctx;

	w->tid = gettid();
	for (;;) {
		started(w);
		w->ret = ibv_get_cq_event(channel, &ev_cq, &ev_ctx);
		if (w->ret) {
			w->err = errno;
			break;
		}
		w->nev++;
		if (ev_cq != cq)
			w->bad_cq = true;
	}
	finish(w);
	return NULL;
}

/* poll() until something other than POLLIN: a reader takes the events. */
static void *poller(void *arg)
{
	struct waiter *w = arg;
	struct pollfd pfd = { .fd = w->fd, .events = POLLIN };

	w->tid = gettid();
	for (;;) {
		started(w);
		w->ret = poll(&pfd, 1, -1);
		if (w->ret < 0) {
			w->err = errno;
			break;
		}
		w->revents = pfd.revents;
		if (pfd.revents & ~POLLIN)
			break;
		w->nin++;
		usleep(1000);
	}
	finish(w);
	return NULL;
}

static void *epoller(void *arg)
{
	struct waiter *w = arg;
	struct epoll_event ev;

	w->tid = gettid();
	for (;;) {
		started(w);
		w->ret = epoll_wait(w->fd, &ev, 1, -1);
		if (w->ret < 0) {
			w->err = errno;
			break;
		}
		w->revents = ev.events;
		if (ev.events & ~EPOLLIN)
			break;
		w->nin++;
		usleep(1000);
	}
	finish(w);
	return NULL;
}

static void *async_reader(void *arg)
{
	struct waiter *w = arg;
	struct ibv_async_event ev;
	int type;

	w->tid = gettid();
	for (;;) {
		started(w);
		errno = 0;
		w->ret = ibv_get_async_event(ctx, &ev);
		if (w->ret) {
			w->err = errno;
			break;
		}
		type = ev.event_type;
		ibv_ack_async_event(&ev);
		if (type == IBV_EVENT_DEVICE_FATAL) {
			w->fatal = true;
			errno = 0;
			w->next_ret = ibv_get_async_event(ctx, &ev);
			w->next_err = errno;
			if (!w->next_ret) {
				w->next_type = ev.event_type;
				ibv_ack_async_event(&ev);
			}
			break;
		}
		if (w->nev < (int)(sizeof(w->types) / sizeof(w->types[0])))
			w->types[w->nev] = type;
		w->nev++;
	}
	finish(w);
	return NULL;
}

static struct waiter waiters[NW] = {
	[W_CQ_READ] = { .name = "(a) blocked ibv_get_cq_event", .fn = cq_reader },
	[W_CH_POLL] = { .name = "(b) blocked poll(channel fd)", .fn = poller },
	[W_CH_EPOLL] = { .name = "(c) blocked epoll_wait(channel fd)", .fn = epoller },
	[W_ASYNC_READ] = { .name = "(d) blocked ibv_get_async_event", .fn = async_reader },
	[W_ASYNC_POLL] = { .name = "(e) blocked poll(async fd)", .fn = poller },
};

/* The scheduler state of a thread of ours: 'S' while it sleeps. */
static char task_state(pid_t tid)
{
	char path[64], buf[512], *p;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
	f = fopen(path, "r");
	if (!f)
		return '?';
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : '?';
}

/* Every thread inside its blocking call, asleep. */
static void wait_blocked(void)
{
	double deadline = progs_now_ms() + 2000.0 * slow;
	int i;

	for (i = 0; i < NW; i++) {
		struct waiter *w = &waiters[i];

		while (!__atomic_load_n(&w->started, __ATOMIC_ACQUIRE) ||
		       task_state(w->tid) != 'S') {
			if (__atomic_load_n(&w->done, __ATOMIC_ACQUIRE))
				die("%s returned before the removal: ret %d, %s",
				    w->name, w->ret, progs_ename(w->err));
			if (progs_now_ms() > deadline)
				die("%s: not asleep after %d ms (state %c)",
				    w->name, 2000 * slow, task_state(w->tid));
			usleep(1000);
		}
	}
	/* Past the state flip into the wait itself. */
	usleep(50000);
	for (i = 0; i < NW; i++)
		if (__atomic_load_n(&waiters[i].done, __ATOMIC_ACQUIRE))
			die("%s returned before the removal", waiters[i].name);
	printf("all %d threads blocked (state S)\n", NW);
}

/* ---- setup -------------------------------------------------------------- */

static struct ibv_context *open_by_name(const char *name)
{
	struct ibv_context *c;
	const char *what;

	c = progs_open_by_name(name, &what);
	if (!c)
		die("%s %s: %s", what, name, progs_ename(errno));
	return c;
}

static void set_nonblock(int fd, const char *what)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		die("fcntl(%s, O_NONBLOCK): %s", what, progs_ename(errno));
}

/*
 * The O_NONBLOCK async fd of context 2 before the removal: port and GID
 * events may be queued (IPv6 addresses come late), then EAGAIN.
 */
static void check_nonblock_before(void)
{
	struct ibv_async_event ev;
	struct ibv_cq *ev_cq;
	void *ev_ctx;
	int ret, skipped = 0;

	errno = 0;
	ret = ibv_get_cq_event(channel2, &ev_cq, &ev_ctx);
	check(ret == -1 && errno == EAGAIN,
	      "before: O_NONBLOCK ibv_get_cq_event",
	      "%d, %s (want -1, EAGAIN)", ret, progs_ename(ret ? errno : 0));
	for (;;) {
		errno = 0;
		ret = ibv_get_async_event(ctx2, &ev);
		if (ret || !port_event(ev.event_type))
			break;
		ibv_ack_async_event(&ev);
		skipped++;
	}
	if (!ret)
		ibv_ack_async_event(&ev);
	check(ret == -1 && errno == EAGAIN,
	      "before: O_NONBLOCK ibv_get_async_event",
	      "%d, %s%s%s after %d port events (want -1, EAGAIN)", ret,
	      progs_ename(ret ? errno : 0), ret ? "" : ", event ",
	      ret ? "" : event_name(ev.event_type), skipped);
}

/* ---- after the removal -------------------------------------------------- */

static void check_waiters(double t0, int wake_limit)
{
	struct waiter *w;
	char types[256];
	bool ok;
	int i, len;

	/* (a) */
	w = &waiters[W_CQ_READ];
	check(w->ret == -1 && w->err == ENODEV && !w->bad_cq && w->nev <= 1,
	      w->name,
	      "woke after %.0f ms: %d completion event(s)%s, then %d, %s "
	      "(want at most 1 event for the CQ, then -1, ENODEV)",
	      w->t_end - t0, w->nev, w->bad_cq ? " (one for another CQ!)" : "",
	      w->ret, progs_ename(w->err));

	/* (b), (c), (e) */
	w = &waiters[W_CH_POLL];
	check(w->ret == 1 && (w->revents & POLLERR), w->name,
	      "woke after %.0f ms: poll %d (%s), revents %s after %d "
	      "POLLIN-only wakeups (want POLLERR)", w->t_end - t0, w->ret,
	      progs_ename(w->ret < 0 ? w->err : 0), revents_str(w->revents), w->nin);
	w = &waiters[W_CH_EPOLL];
	check(w->ret == 1 && (w->revents & EPOLLERR), w->name,
	      "woke after %.0f ms: epoll_wait %d (%s), events %s after %d "
	      "EPOLLIN-only wakeups (want EPOLLERR)", w->t_end - t0, w->ret,
	      progs_ename(w->ret < 0 ? w->err : 0), revents_str(w->revents), w->nin);
	w = &waiters[W_ASYNC_POLL];
	check(w->ret == 1 && (w->revents & POLLERR), w->name,
	      "woke after %.0f ms: poll %d (%s), revents %s after %d "
	      "POLLIN-only wakeups (want POLLERR)", w->t_end - t0, w->ret,
	      progs_ename(w->ret < 0 ? w->err : 0), revents_str(w->revents), w->nin);

	/* (d) */
	w = &waiters[W_ASYNC_READ];
	ok = w->fatal;
	types[0] = 0;
	for (i = 0, len = 0; i < w->nev && i < 8; i++) {
		ok &= port_event(w->types[i]);
		len += snprintf(types + len, sizeof(types) - len, "%s%s",
				i ? ", " : "", event_name(w->types[i]));
	}
	ok &= w->nev <= 8;
	check(ok, w->name,
	      "woke after %.0f ms: %s (after %d other events%s%s%s) "
	      "(want IBV_EVENT_DEVICE_FATAL after port events only)",
	      w->t_end - t0,
	      w->fatal ? "IBV_EVENT_DEVICE_FATAL" : "no DEVICE_FATAL",
	      w->nev, w->nev ? ": " : "", types,
	      w->fatal ? "" : ", then failed");
	if (!w->fatal)
		printf("     ... its ibv_get_async_event failed: %d, %s\n",
		       w->ret, progs_ename(w->err));
	else
		check(w->next_ret == -1 && w->next_err == ENODEV,
		      "(d) next ibv_get_async_event",
		      "%d, %s%s%s (want -1, ENODEV)", w->next_ret,
		      progs_ename(w->next_ret ? w->next_err : 0),
		      w->next_ret ? "" : ", event ",
		      w->next_ret ? "" : event_name(w->next_type));

	for (i = 0; i < NW; i++)
		check(waiters[i].t_end - t0 < wake_limit, "wake bound",
		      "%s woke %.0f ms after the removal began (limit %d ms)",
		      waiters[i].name, waiters[i].t_end - t0, wake_limit);
}

/*
 * Context 2's O_NONBLOCK fds. Its disassociation may still be under way
 * (the files of a device are revoked one by one, and a netdev deletion
 * removes the device after `ip link del` returns): EAGAIN is retried
 * until the deadline, and counted.
 */
static void check_nonblock_after(double deadline)
{
	struct ibv_async_event ev;
	struct ibv_cq *ev_cq;
	void *ev_ctx;
	int ret, err, again = 0, skipped = 0;

	for (;;) {
		errno = 0;
		ret = ibv_get_cq_event(channel2, &ev_cq, &ev_ctx);
		err = ret ? errno : 0;
		if (!ret)
			ibv_ack_cq_events(ev_cq, 1);
		if (!(ret && err == EAGAIN && progs_now_ms() < deadline))
			break;
		again++;
		usleep(1000);
	}
	check(ret == -1 && err == ENODEV, "after: O_NONBLOCK ibv_get_cq_event",
	      "%d, %s after %d EAGAIN (want -1, ENODEV)", ret, progs_ename(err),
	      again);

	again = 0;
	for (;;) {
		errno = 0;
		ret = ibv_get_async_event(ctx2, &ev);
		err = ret ? errno : 0;
		if (ret && err == EAGAIN && progs_now_ms() < deadline) {
			again++;
			usleep(1000);
			continue;
		}
		if (ret)
			break;
		ibv_ack_async_event(&ev);
		if (!port_event(ev.event_type))
			break;
		skipped++;
	}
	check(!ret && ev.event_type == IBV_EVENT_DEVICE_FATAL,
	      "after: O_NONBLOCK ibv_get_async_event",
	      "%d, %s%s after %d EAGAIN and %d port events "
	      "(want IBV_EVENT_DEVICE_FATAL)", ret,
	      ret ? progs_ename(err) : "",
	      ret ? "" : event_name(ev.event_type), again, skipped);
	errno = 0;
	ret = ibv_get_async_event(ctx2, &ev);
	err = ret ? errno : 0;
	if (!ret)
		ibv_ack_async_event(&ev);
	check(ret == -1 && err == ENODEV,
	      "after: next O_NONBLOCK ibv_get_async_event",
	      "%d, %s%s%s (want -1, ENODEV)", ret, progs_ename(err),
	      ret ? "" : ", event ",
	      ret ? "" : event_name(ev.event_type));
}

static void check_poll_now(int fd, const char *name, bool in_ok)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	int ret = poll(&pfd, 1, 0);

	check(ret == 1 && (pfd.revents & POLLERR) &&
	      (in_ok || !(pfd.revents & POLLIN)), name,
	      "poll %d, revents %s (want POLLERR%s)", ret,
	      revents_str(pfd.revents), in_ok ? "" : " without POLLIN");
}

static void check_verbs_after(struct ibv_mr *mr, struct ibv_qp *qp)
{
	struct ibv_sge sge = {
		.addr = (uintptr_t)mr->addr, .length = 64, .lkey = mr->lkey,
	};
	struct ibv_send_wr swr = {
		.wr_id = SEND_WRID, .sg_list = &sge, .num_sge = 1,
		.opcode = IBV_WR_SEND, .send_flags = IBV_SEND_SIGNALED,
	}, *bad_swr = NULL;
	struct ibv_qp_attr qattr = { .qp_state = IBV_QPS_ERR };
	struct ibv_port_attr port;
	struct ibv_wc wc[4];
	struct ibv_pd *pd2;
	int ret;

	ret = ibv_poll_cq(cq, 4, wc);
	check(ret == 1 && wc[0].wr_id == RECV_WRID &&
	      wc[0].status == IBV_WC_WR_FLUSH_ERR,
	      "ibv_poll_cq on the mapped CQ ring",
	      "%d completions%s%s (want 1: the posted receive, "
	      "IBV_WC_WR_FLUSH_ERR)", ret, ret > 0 ? ", first: " : "",
	      ret > 0 ? (wc[0].wr_id == RECV_WRID ?
			 ibv_wc_status_str(wc[0].status) : "another wr_id") : "");
	ret = ibv_poll_cq(cq2, 4, wc);
	check(ret == 0, "ibv_poll_cq on context 2's CQ", "%d (want 0)", ret);

	ret = ibv_query_port(ctx, 1, &port);
	check(ret == ENODEV, "ibv_query_port", "%s (want ENODEV)", progs_ename(ret));

	errno = 0;
	pd2 = ibv_alloc_pd(ctx);
	check(!pd2 && errno == ENODEV, "ibv_alloc_pd", "%s, errno %s "
	      "(want NULL, ENODEV)", pd2 ? "a PD" : "NULL", progs_ename(errno));

	ret = ibv_req_notify_cq(cq, 0);
	check(ret == ENODEV, "ibv_req_notify_cq", "%s (want ENODEV)",
	      progs_ename(ret));

	ret = ibv_modify_qp(qp, &qattr, IBV_QP_STATE);
	check(ret == ENODEV, "ibv_modify_qp(ERR)", "%s (want ENODEV)",
	      progs_ename(ret));

	ret = ibv_post_send(qp, &swr, &bad_swr);
	check(ret == ENODEV, "ibv_post_send (doorbell write)",
	      "%s, bad_wr %s (want ENODEV)", progs_ename(ret),
	      bad_swr ? "set" : "NULL");
}

/* Teardown: every destroy of an object from before returns 0. */
#define EXPECT_ZERO(call) do {						\
	int ret_;							\
	stage = #call;							\
	ret_ = (call);							\
	check(ret_ == 0, #call, "%d%s%s (want 0)", ret_,		\
	      ret_ ? ", " : "", ret_ ? progs_ename(ret_) : "");		\
} while (0)

int main(int argc, char **argv)
{
	struct ibv_qp_init_attr qia = {
		.qp_type = IBV_QPT_RC,
		.cap = { .max_send_wr = 4, .max_recv_wr = 4,
			 .max_send_sge = 1, .max_recv_sge = 1 },
	};
	struct ibv_qp_attr qattr = {
		.qp_state = IBV_QPS_INIT, .port_num = 1,
		.qp_access_flags = IBV_ACCESS_REMOTE_WRITE,
	};
	struct ibv_recv_wr rwr = { .wr_id = RECV_WRID, .num_sge = 1 }, *bad_rwr;
	struct epoll_event eev = { .events = EPOLLIN };
	struct ibv_port_attr port;
	struct ibv_sge sge;
	struct ibv_pd *pd;
	struct ibv_mr *mr;
	struct ibv_qp *qp;
	const char *dev, *mode, *arg, *env;
	int removal_limit, wake_limit, epfd, i, ret;
	bool pause_on = false;
	double t0, took, deadline;
	size_t len;
	char *buf;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc > 1 && !strcmp(argv[1], "--pause")) {
		pause_on = true;
		argv++;
		argc--;
	}
	if (argc != 4 || (strcmp(argv[2], "unbind") && strcmp(argv[2], "cmd"))) {
		fprintf(stderr, "usage: %s [--pause] IBDEV unbind AUXDEV\n"
			"       %s [--pause] IBDEV cmd 'SHELL COMMAND'\n",
			argv[0], argv[0]);
		return 2;
	}
	dev = argv[1];
	mode = argv[2];
	arg = argv[3];
	env = getenv("LITE_SLOW_FACTOR");
	if (env && atoi(env) > 1)
		slow = atoi(env);
	removal_limit = 1000 * slow;
	wake_limit = 3000 * slow;
	watchdog_s = 60 * slow;
	signal(SIGALRM, watchdog);
	alarm(watchdog_s);

	/* Context 1: PD, MR, channel + armed CQ, RC QP in INIT, a receive. */
	stage = "setup";
	ctx = open_by_name(dev);
	ret = ibv_query_port(ctx, 1, &port);
	if (ret || port.state != IBV_PORT_ACTIVE)
		die("ibv_query_port: %s, state %d", progs_ename(ret), port.state);
	pd = ibv_alloc_pd(ctx);
	if (!pd)
		die("ibv_alloc_pd: %s", progs_ename(errno));
	len = BUF_PAGES * sysconf(_SC_PAGESIZE);
	buf = malloc(len);
	if (!buf)
		die("malloc(%zu)", len);
	memset(buf, 0x5a, len);
	mr = ibv_reg_mr(pd, buf, len, IBV_ACCESS_LOCAL_WRITE |
			IBV_ACCESS_REMOTE_WRITE);
	if (!mr)
		die("ibv_reg_mr: %s", progs_ename(errno));
	channel = ibv_create_comp_channel(ctx);
	if (!channel)
		die("ibv_create_comp_channel: %s", progs_ename(errno));
	cq = ibv_create_cq(ctx, 16, NULL, channel, 0);
	if (!cq)
		die("ibv_create_cq: %s", progs_ename(errno));
	ret = ibv_req_notify_cq(cq, 0);
	if (ret)
		die("ibv_req_notify_cq: %s", progs_ename(ret));
	qia.send_cq = cq;
	qia.recv_cq = cq;
	qp = ibv_create_qp(pd, &qia);
	if (!qp)
		die("ibv_create_qp: %s", progs_ename(errno));
	ret = ibv_modify_qp(qp, &qattr, IBV_QP_STATE | IBV_QP_PKEY_INDEX |
			    IBV_QP_PORT | IBV_QP_ACCESS_FLAGS);
	if (ret)
		die("ibv_modify_qp(INIT): %s", progs_ename(ret));
	sge.addr = (uintptr_t)buf;
	sge.length = len;
	sge.lkey = mr->lkey;
	rwr.sg_list = &sge;
	ret = ibv_post_recv(qp, &rwr, &bad_rwr);
	if (ret)
		die("ibv_post_recv: %s", progs_ename(ret));

	/* Context 2: O_NONBLOCK channel (armed CQ on it) and async fd. */
	ctx2 = open_by_name(dev);
	channel2 = ibv_create_comp_channel(ctx2);
	if (!channel2)
		die("ibv_create_comp_channel (context 2): %s", progs_ename(errno));
	cq2 = ibv_create_cq(ctx2, 4, NULL, channel2, 0);
	if (!cq2)
		die("ibv_create_cq (context 2): %s", progs_ename(errno));
	ret = ibv_req_notify_cq(cq2, 0);
	if (ret)
		die("ibv_req_notify_cq (context 2): %s", progs_ename(ret));
	set_nonblock(channel2->fd, "channel fd");
	set_nonblock(ctx2->async_fd, "async fd");
	printf("%s: context 1 with PD, MR (%zu bytes), channel, armed CQ, RC QP "
	       "in INIT, a posted receive; context 2 with O_NONBLOCK fds\n",
	       dev, len);

	check_nonblock_before();

	epfd = epoll_create1(EPOLL_CLOEXEC);
	if (epfd < 0)
		die("epoll_create1: %s", progs_ename(errno));
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, channel->fd, &eev))
		die("epoll_ctl(ADD channel fd): %s", progs_ename(errno));
	waiters[W_CH_POLL].fd = channel->fd;
	waiters[W_CH_EPOLL].fd = epfd;
	waiters[W_ASYNC_POLL].fd = ctx->async_fd;
	for (i = 0; i < NW; i++) {
		ret = pthread_create(&waiters[i].th, NULL, waiters[i].fn,
				     &waiters[i]);
		if (ret)
			die("pthread_create: %s", progs_ename(ret));
	}
	stage = "waiting for the threads to block";
	wait_blocked();
	pause_point("before removal", pause_on);

	/* The removal. */
	if (!strcmp(mode, "unbind")) {
		ssize_t n;
		int fd, err = 0;

		stage = "self-unbind: open + write " UNBIND_PATH;
		t0 = progs_now_ms();
		fd = open(UNBIND_PATH, O_WRONLY);
		if (fd < 0)
			die("open(%s): %s", UNBIND_PATH, progs_ename(errno));
		n = write(fd, arg, strlen(arg));
		if (n < 0)
			err = errno;
		took = progs_now_ms() - t0;
		close(fd);
		check(n == (ssize_t)strlen(arg), "self-unbind write",
		      "write(unbind, \"%s\") returned %zd (%s) (want %zu)", arg,
		      n, progs_ename(err), strlen(arg));
	} else {
		stage = "removal command";
		t0 = progs_now_ms();
		ret = system(arg);
		took = progs_now_ms() - t0;
		check(ret == 0, "removal command", "\"%s\": status %d", arg,
		      ret);
	}
	printf("removal took %.0f ms\n", took);
	check(took < removal_limit, "removal bound", "%.0f ms (limit %d ms)",
	      took, removal_limit);

	/* The blocked threads wake. */
	stage = "waiting for the blocked threads to wake";
	deadline = t0 + wake_limit;
	for (i = 0; i < NW; i++) {
		while (!__atomic_load_n(&waiters[i].done, __ATOMIC_ACQUIRE)) {
			if (progs_now_ms() > deadline) {
				check(false, waiters[i].name,
				      "still blocked %d ms after the removal "
				      "began (state %c)", wake_limit,
				      task_state(waiters[i].tid));
				printf("FAILED: %d of %d checks: %s\n",
				       failures, checks, failed);
				fflush(stdout);
				_exit(1);
			}
			usleep(1000);
		}
		pthread_join(waiters[i].th, NULL);
	}
	check_waiters(t0, wake_limit);

	/* The fds and the verbs after the removal. */
	stage = "checks after the removal";
	check_nonblock_after(progs_now_ms() + wake_limit);
	check_poll_now(channel->fd, "after: poll(channel fd)", false);
	check_poll_now(ctx->async_fd, "after: poll(async fd)", true);
	check_verbs_after(mr, qp);
	pause_point("after removal", pause_on);

	/* Teardown: the events read are acknowledged first (destroy waits). */
	if (waiters[W_CQ_READ].nev)
		ibv_ack_cq_events(cq, waiters[W_CQ_READ].nev);
	close(epfd);
	EXPECT_ZERO(ibv_destroy_qp(qp));
	EXPECT_ZERO(ibv_destroy_cq(cq));
	EXPECT_ZERO(ibv_destroy_comp_channel(channel));
	EXPECT_ZERO(ibv_dereg_mr(mr));
	EXPECT_ZERO(ibv_dealloc_pd(pd));
	EXPECT_ZERO(ibv_close_device(ctx));
	EXPECT_ZERO(ibv_destroy_cq(cq2));
	EXPECT_ZERO(ibv_destroy_comp_channel(channel2));
	EXPECT_ZERO(ibv_close_device(ctx2));
	free(buf);

	if (failures) {
		printf("FAILED: %d of %d checks: %s\n", failures, checks,
		       failed);
		return 1;
	}
	printf("all %d checks passed\n", checks);
	return 0;
}
