// SPDX-License-Identifier: GPL-2.0
/*
 * revoke_threads: many threads of an unmodified-libibverbs process use a
 * device while it goes away; every call gives a result the revoke
 * contract (Documentation/uverbs.md "When the device goes away") allows.
 *
 * usage: revoke_threads verbs IBDEV NTHREADS
 *        revoke_threads open IBDEV NTHREADS STOPFILE
 *
 * "verbs": one ibv_context on IBDEV shared by NTHREADS threads, each
 * looping over: ibv_alloc_pd, ibv_reg_mr, ibv_create_cq (the rxe provider
 * mmaps its ring), ibv_create_qp (RC; SQ and RQ rings mapped), ibv_modify_qp
 * RESET->INIT->RTR->RTS connected to itself (its own QPN, GID index 1, as
 * ibv_rc_pingpong -g 1 does), ibv_post_recv + ibv_post_send of a 64-byte
 * SEND, ibv_poll_cq (even threads until both completions are in, and the
 * received bytes are checked; odd threads once, then they go on with the
 * work requests possibly in flight), ibv_create_ah + ibv_destroy_ah, then
 * the destroys in reverse. Once every thread has done a full iteration
 * (the even ones with successful completions) the program prints "ready";
 * the caller then removes the device. A call must succeed or fail with
 * ENODEV (NULL + errno ENODEV for the creates, the returned errno for
 * ibv_modify_qp/ibv_post_send); ibv_post_recv and
 * ibv_poll_cq never enter the kernel in the rxe provider and keep working
 * on the mapped rings (ibv_poll_cq must not fail); completions are
 * IBV_WC_SUCCESS or, once the device is going, IBV_WC_WR_FLUSH_ERR; every
 * destroy returns 0, before and after the removal. A thread that sees
 * ENODEV polls its CQ once more (the ring stays readable), checks that
 * ibv_alloc_pd, ibv_create_cq, and with the objects it still holds
 * ibv_reg_mr, ibv_create_ah, ibv_create_qp, ibv_modify_qp (to ERR) and
 * ibv_post_send now all fail with ENODEV, destroys what it holds and
 * stops. When all have stopped, ibv_alloc_pd must fail with ENODEV and
 * ibv_close_device must return 0. Prints which calls saw the removal first
 * and how many failed with ENODEV.
 *
 * "open": NTHREADS threads loop ibv_get_device_list, find IBDEV,
 * ibv_open_device (GET_CONTEXT), ibv_query_device, ibv_close_device,
 * ibv_free_device_list until STOPFILE exists, while the caller removes and
 * adds the device. Allowed: IBDEV missing from the list; ibv_open_device
 * failing with ENODEV, ENOENT or ENXIO; ibv_query_device failing with
 * ENODEV. Anything else (or ibv_close_device not returning 0) fails. The
 * threads must all stop within 20 s (x LITE_SLOW_FACTOR) of STOPFILE
 * appearing. Prints "running" once a context was opened, then one line of
 * counts at the end.
 *
 * Every unexpected result is printed as "FAIL thread N ...: CALL: what
 * (ERRNO)". A watchdog (SIGALRM) names the call each thread is in if the
 * program stops making progress. Exits 0 only if nothing failed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <infiniband/verbs.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "progs.h"

#define MAX_THREADS	64
#define BUF_SIZE	8192
#define MSG_LEN		64
#define RECV_OFF	4096
#define SEND_WRID	1
#define RECV_WRID	2
#define GID_INDEX	1

static int slow = 1;
static int failures;		/* atomic */
static struct ibv_context *ctx;
static const char *ibdev;



static void __attribute__((format(printf, 1, 2))) failf(const char *fmt, ...)
{
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	va_list ap;
	int n = __atomic_add_fetch(&failures, 1, __ATOMIC_RELAXED);

	if (n > 50)	/* the first ones say enough */
		return;
	pthread_mutex_lock(&lock);
	printf("FAIL ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	pthread_mutex_unlock(&lock);
}

/* ---- per-thread state and the watchdog ----------------------------------- */

struct thread {
	int id;
	pthread_t th;
	const char *volatile stage;	/* the call it is in */
	volatile unsigned long iters;	/* full iterations done */
	volatile bool done;
	/* verbs mode */
	char *buf;
	volatile unsigned long wc_ok, wc_flush;
	int gone_call;			/* the call that saw ENODEV, or -1 */
	bool failed;
	/* open mode */
	unsigned long opened, query_ok, query_enodev, absent;
	unsigned long open_enodev, open_enoent, open_enxio;
};

static struct thread threads[MAX_THREADS];
static int nthreads;
static unsigned int watchdog_s;
static const char *volatile main_stage = "start";

static void watchdog(int sig)
{
	char msg[256];
	int i, n;

	(void)sig;
	n = snprintf(msg, sizeof(msg),
		     "FAIL watchdog: no progress for %u s (main: %s)\n",
		     watchdog_s, main_stage);
	if (write(STDOUT_FILENO, msg, n) < 0)
		_exit(3);
	for (i = 0; i < nthreads; i++) {
		if (threads[i].done)
			continue;
		n = snprintf(msg, sizeof(msg),
			     "  thread %d: in %s, iteration %lu\n", i,
			     threads[i].stage, threads[i].iters);
		if (write(STDOUT_FILENO, msg, n) < 0)
			break;
	}
	_exit(3);
}

static void arm(unsigned int seconds, const char *what)
{
	main_stage = what;
	watchdog_s = seconds * slow;
	alarm(watchdog_s);
}

/* ---- verbs mode ------------------------------------------------------------ */

enum call {
	C_ALLOC_PD, C_REG_MR, C_CREATE_CQ, C_CREATE_QP, C_MODIFY_INIT,
	C_MODIFY_RTR, C_MODIFY_RTS, C_MODIFY_ERR, C_POST_RECV, C_POST_SEND, C_POLL_CQ,
	C_CREATE_AH, C_DESTROY_AH, C_DESTROY_QP, C_DESTROY_CQ, C_DEREG_MR,
	C_DEALLOC_PD, NCALLS
};

static const char *const call_name[NCALLS] = {
	[C_ALLOC_PD] = "ibv_alloc_pd",
	[C_REG_MR] = "ibv_reg_mr",
	[C_CREATE_CQ] = "ibv_create_cq",
	[C_CREATE_QP] = "ibv_create_qp",
	[C_MODIFY_INIT] = "ibv_modify_qp(INIT)",
	[C_MODIFY_RTR] = "ibv_modify_qp(RTR)",
	[C_MODIFY_RTS] = "ibv_modify_qp(RTS)",
	[C_MODIFY_ERR] = "ibv_modify_qp(ERR)",
	[C_POST_RECV] = "ibv_post_recv",
	[C_POST_SEND] = "ibv_post_send",
	[C_POLL_CQ] = "ibv_poll_cq",
	[C_CREATE_AH] = "ibv_create_ah",
	[C_DESTROY_AH] = "ibv_destroy_ah",
	[C_DESTROY_QP] = "ibv_destroy_qp",
	[C_DESTROY_CQ] = "ibv_destroy_cq",
	[C_DEREG_MR] = "ibv_dereg_mr",
	[C_DEALLOC_PD] = "ibv_dealloc_pd",
};

/* How often each call failed with ENODEV, over all threads. */
static unsigned long call_enodev[NCALLS];	/* atomics */

static union ibv_gid gid;
static enum ibv_mtu mtu;
/* Set by the first thread that sees the device gone. */
static volatile bool device_gone;

struct objs {
	struct ibv_pd *pd;
	struct ibv_mr *mr;
	struct ibv_cq *cq;
	struct ibv_qp *qp;
	struct ibv_ah *ah;
};

/*
 * The result of call C: ERR is 0 (success) or an errno. Returns 0 to go on,
 * 1 when the device is gone (ENODEV), -1 on anything else.
 */
static int outcome(struct thread *t, enum call c, int err)
{
	if (!err)
		return 0;
	if (err == ENODEV) {
		__atomic_add_fetch(&call_enodev[c], 1, __ATOMIC_RELAXED);
		if (t->gone_call < 0)
			t->gone_call = c;
		device_gone = true;
		return 1;
	}
	failf("thread %d iteration %lu: %s: %s (%s), want success or ENODEV",
	      t->id, t->iters, call_name[c], strerror(err), progs_ename(err));
	t->failed = true;
	return -1;
}

/* A create that returned NULL: errno must be ENODEV. */
static int null_outcome(struct thread *t, enum call c)
{
	int err = errno;

	if (!err) {
		failf("thread %d iteration %lu: %s returned NULL with errno 0",
		      t->id, t->iters, call_name[c]);
		t->failed = true;
		return -1;
	}
	return outcome(t, c, err);
}

/* A destroy: must return 0, before and after the removal. */
static void destroyed(struct thread *t, enum call c, int ret)
{
	if (!ret)
		return;
	failf("thread %d iteration %lu: %s returned %d (%s), want 0%s",
	      t->id, t->iters, call_name[c], ret, progs_ename(ret),
	      device_gone ? " (after the removal)" : "");
	t->failed = true;
}

/* Poll the CQ once; count the completions. Returns -1 on a bad result. */
static int poll_once(struct thread *t, struct ibv_cq *cq, int *got_send,
		     int *got_recv)
{
	struct ibv_wc wc[4];
	int i, n;

	t->stage = call_name[C_POLL_CQ];
	n = ibv_poll_cq(cq, 4, wc);
	if (n < 0) {
		failf("thread %d iteration %lu: ibv_poll_cq returned %d%s",
		      t->id, t->iters, n,
		      device_gone ? " (after the removal)" : "");
		t->failed = true;
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (wc[i].status == IBV_WC_SUCCESS) {
			t->wc_ok++;
		} else if (wc[i].status == IBV_WC_WR_FLUSH_ERR) {
			t->wc_flush++;
		} else {
			failf("thread %d iteration %lu: completion wr_id %llu: "
			      "status %s, want success or WR_FLUSH_ERR",
			      t->id, t->iters,
			      (unsigned long long)wc[i].wr_id,
			      ibv_wc_status_str(wc[i].status));
			t->failed = true;
			return -1;
		}
		if (wc[i].wr_id == SEND_WRID) {
			(*got_send)++;
		} else if (wc[i].wr_id == RECV_WRID) {
			(*got_recv)++;
			if (wc[i].status == IBV_WC_SUCCESS &&
			    (wc[i].byte_len != MSG_LEN ||
			     memcmp(t->buf, t->buf + RECV_OFF, MSG_LEN))) {
				failf("thread %d iteration %lu: received %u "
				      "bytes that differ from what was sent",
				      t->id, t->iters, wc[i].byte_len);
				t->failed = true;
				return -1;
			}
		} else {
			failf("thread %d iteration %lu: completion with "
			      "unknown wr_id %llu", t->id, t->iters,
			      (unsigned long long)wc[i].wr_id);
			t->failed = true;
			return -1;
		}
	}
	return 0;
}

static void fill_ah(struct ibv_ah_attr *ah)
{
	memset(ah, 0, sizeof(*ah));
	ah->is_global = 1;
	ah->grh.dgid = gid;
	ah->grh.sgid_index = GID_INDEX;
	ah->grh.hop_limit = 1;
	ah->port_num = 1;
}

static int modify(struct thread *t, struct ibv_qp *qp, enum call c,
		  struct ibv_qp_attr *attr, int mask)
{
	t->stage = call_name[c];
	return outcome(t, c, ibv_modify_qp(qp, attr, mask));
}

/*
 * One iteration up to the AH; what was created is left in O for
 * cleanup(). Returns 0, 1 (device gone) or -1 (failure).
 */
static int iteration(struct thread *t, struct objs *o)
{
	struct ibv_qp_init_attr init = {};
	struct ibv_qp_attr attr;
	struct ibv_sge ssge, rsge;
	struct ibv_send_wr swr = {}, *bad_swr;
	struct ibv_recv_wr rwr = {}, *bad_rwr;
	struct ibv_ah_attr ah;
	int got_send = 0, got_recv = 0, r;
	double deadline;

#define CREATE(c, var, expr) do {					\
		t->stage = call_name[c];				\
		errno = 0;						\
		var = (expr);						\
		if (!var)						\
			return null_outcome(t, c);			\
	} while (0)

	CREATE(C_ALLOC_PD, o->pd, ibv_alloc_pd(ctx));
	CREATE(C_REG_MR, o->mr, ibv_reg_mr(o->pd, t->buf, BUF_SIZE,
					   IBV_ACCESS_LOCAL_WRITE |
					   IBV_ACCESS_REMOTE_WRITE |
					   IBV_ACCESS_REMOTE_READ));
	CREATE(C_CREATE_CQ, o->cq, ibv_create_cq(ctx, 16, NULL, NULL, 0));
	init.send_cq = o->cq;
	init.recv_cq = o->cq;
	init.qp_type = IBV_QPT_RC;
	init.cap.max_send_wr = 4;
	init.cap.max_recv_wr = 4;
	init.cap.max_send_sge = 1;
	init.cap.max_recv_sge = 1;
	CREATE(C_CREATE_QP, o->qp, ibv_create_qp(o->pd, &init));

	memset(&attr, 0, sizeof(attr));
	attr.qp_state = IBV_QPS_INIT;
	attr.pkey_index = 0;
	attr.port_num = 1;
	attr.qp_access_flags = IBV_ACCESS_LOCAL_WRITE |
			       IBV_ACCESS_REMOTE_WRITE | IBV_ACCESS_REMOTE_READ;
	r = modify(t, o->qp, C_MODIFY_INIT, &attr,
		   IBV_QP_STATE | IBV_QP_PKEY_INDEX | IBV_QP_PORT |
		   IBV_QP_ACCESS_FLAGS);
	if (r)
		return r;

	memset(&attr, 0, sizeof(attr));
	attr.qp_state = IBV_QPS_RTR;
	attr.path_mtu = mtu;
	attr.dest_qp_num = o->qp->qp_num;
	attr.rq_psn = t->iters & 0xffffff;
	attr.max_dest_rd_atomic = 1;
	attr.min_rnr_timer = 12;
	fill_ah(&attr.ah_attr);
	r = modify(t, o->qp, C_MODIFY_RTR, &attr,
		   IBV_QP_STATE | IBV_QP_AV | IBV_QP_PATH_MTU |
		   IBV_QP_DEST_QPN | IBV_QP_RQ_PSN |
		   IBV_QP_MAX_DEST_RD_ATOMIC | IBV_QP_MIN_RNR_TIMER);
	if (r)
		return r;

	memset(&attr, 0, sizeof(attr));
	attr.qp_state = IBV_QPS_RTS;
	attr.timeout = 14;
	attr.retry_cnt = 7;
	attr.rnr_retry = 7;
	attr.sq_psn = t->iters & 0xffffff;
	attr.max_rd_atomic = 1;
	r = modify(t, o->qp, C_MODIFY_RTS, &attr,
		   IBV_QP_STATE | IBV_QP_TIMEOUT | IBV_QP_RETRY_CNT |
		   IBV_QP_RNR_RETRY | IBV_QP_SQ_PSN |
		   IBV_QP_MAX_QP_RD_ATOMIC);
	if (r)
		return r;

	/* The receive first: the send then never meets an RNR NAK. */
	memset(t->buf + RECV_OFF, 0, MSG_LEN);
	snprintf(t->buf, MSG_LEN, "thread %d iteration %lu", t->id, t->iters);
	rsge.addr = (uintptr_t)(t->buf + RECV_OFF);
	rsge.length = MSG_LEN;
	rsge.lkey = o->mr->lkey;
	rwr.wr_id = RECV_WRID;
	rwr.sg_list = &rsge;
	rwr.num_sge = 1;
	t->stage = call_name[C_POST_RECV];
	r = outcome(t, C_POST_RECV, ibv_post_recv(o->qp, &rwr, &bad_rwr));
	if (r)
		return r;

	ssge.addr = (uintptr_t)t->buf;
	ssge.length = MSG_LEN;
	ssge.lkey = o->mr->lkey;
	swr.wr_id = SEND_WRID;
	swr.sg_list = &ssge;
	swr.num_sge = 1;
	swr.opcode = IBV_WR_SEND;
	swr.send_flags = IBV_SEND_SIGNALED;
	t->stage = call_name[C_POST_SEND];
	r = outcome(t, C_POST_SEND, ibv_post_send(o->qp, &swr, &bad_swr));
	if (r)
		return r;

	/*
	 * Odd threads poll once and go on: they destroy the QP with its work
	 * requests possibly in flight, and spend their time in calls that
	 * enter the kernel. Even threads wait until both complete:
	 * successfully, or flushed once the removal moved the QP to the error
	 * state (short sleeps leave the CPUs to the driver).
	 */
	if (t->id % 2) {
		if (poll_once(t, o->cq, &got_send, &got_recv))
			return -1;
		goto ah;
	}
	deadline = progs_now_ms() + 10000.0 * slow;
	while (got_send < 1 || got_recv < 1) {
		if (poll_once(t, o->cq, &got_send, &got_recv))
			return -1;
		if (got_send > 1 || got_recv > 1) {
			failf("thread %d iteration %lu: %d send and %d receive "
			      "completions for one of each", t->id, t->iters,
			      got_send, got_recv);
			t->failed = true;
			return -1;
		}
		if (got_send < 1 || got_recv < 1) {
			if (progs_now_ms() > deadline) {
				failf("thread %d iteration %lu: ibv_poll_cq: "
				      "%s completion missing after %d s%s",
				      t->id, t->iters,
				      got_send ? "receive" : "send",
				      10 * slow,
				      device_gone ? " (after the removal)" :
						    "");
				t->failed = true;
				return -1;
			}
			usleep(100);
		}
	}

ah:
	fill_ah(&ah);
	CREATE(C_CREATE_AH, o->ah, ibv_create_ah(o->pd, &ah));
#undef CREATE
	return 0;
}

/* Destroy what O holds, newest first; each must return 0. */
static void cleanup(struct thread *t, struct objs *o)
{
	if (o->ah) {
		t->stage = call_name[C_DESTROY_AH];
		destroyed(t, C_DESTROY_AH, ibv_destroy_ah(o->ah));
	}
	if (o->qp) {
		t->stage = call_name[C_DESTROY_QP];
		destroyed(t, C_DESTROY_QP, ibv_destroy_qp(o->qp));
	}
	if (o->cq) {
		t->stage = call_name[C_DESTROY_CQ];
		destroyed(t, C_DESTROY_CQ, ibv_destroy_cq(o->cq));
	}
	if (o->mr) {
		t->stage = call_name[C_DEREG_MR];
		destroyed(t, C_DEREG_MR, ibv_dereg_mr(o->mr));
	}
	if (o->pd) {
		t->stage = call_name[C_DEALLOC_PD];
		destroyed(t, C_DEALLOC_PD, ibv_dealloc_pd(o->pd));
	}
}

/* After the removal: call C must fail with ENODEV (RET: 0 or an errno). */
static void still_gone(struct thread *t, enum call c, int ret)
{
	if (ret == ENODEV) {
		__atomic_add_fetch(&call_enodev[c], 1, __ATOMIC_RELAXED);
		return;
	}
	failf("thread %d iteration %lu: %s after the removal: %s (%s), "
	      "want ENODEV", t->id, t->iters, call_name[c],
	      ret ? strerror(ret) : "succeeded", progs_ename(ret));
	t->failed = true;
}

/* A create after the removal: NULL with errno ENODEV. */
#define STILL_GONE_CREATE(t, c, expr) do {				\
		void *obj_;						\
									\
		(t)->stage = call_name[c];				\
		errno = 0;						\
		obj_ = (expr);						\
		still_gone(t, c, obj_ ? 0 : errno ?: -1);		\
	} while (0)

/*
 * The thread saw ENODEV: the ring of its CQ (if any) stays readable, and
 * every verb that enters the kernel fails with ENODEV, on the objects it
 * still holds too. (A create that wrongly succeeds leaks its object: the
 * run fails anyway.)
 */
static void after_removal(struct thread *t, struct objs *o)
{
	struct ibv_qp_init_attr init = {};
	struct ibv_qp_attr attr = {};
	struct ibv_send_wr swr = {}, *bad_swr;
	struct ibv_sge sge;
	struct ibv_ah_attr ah;
	int s = 0, v = 0;

	if (o->cq)
		poll_once(t, o->cq, &s, &v);
	STILL_GONE_CREATE(t, C_ALLOC_PD, ibv_alloc_pd(ctx));
	STILL_GONE_CREATE(t, C_CREATE_CQ, ibv_create_cq(ctx, 16, NULL, NULL,
							0));
	if (o->pd) {
		STILL_GONE_CREATE(t, C_REG_MR,
				  ibv_reg_mr(o->pd, t->buf, BUF_SIZE,
					     IBV_ACCESS_LOCAL_WRITE));
		fill_ah(&ah);
		STILL_GONE_CREATE(t, C_CREATE_AH, ibv_create_ah(o->pd, &ah));
	}
	if (o->pd && o->cq) {
		init.send_cq = o->cq;
		init.recv_cq = o->cq;
		init.qp_type = IBV_QPT_RC;
		init.cap.max_send_wr = 1;
		init.cap.max_recv_wr = 1;
		init.cap.max_send_sge = 1;
		init.cap.max_recv_sge = 1;
		STILL_GONE_CREATE(t, C_CREATE_QP, ibv_create_qp(o->pd, &init));
	}
	if (o->qp) {
		attr.qp_state = IBV_QPS_ERR;
		t->stage = call_name[C_MODIFY_ERR];
		still_gone(t, C_MODIFY_ERR, ibv_modify_qp(o->qp, &attr,
							  IBV_QP_STATE));
	}
	if (o->qp && o->mr) {
		sge.addr = (uintptr_t)t->buf;
		sge.length = MSG_LEN;
		sge.lkey = o->mr->lkey;
		swr.wr_id = SEND_WRID;
		swr.sg_list = &sge;
		swr.num_sge = 1;
		swr.opcode = IBV_WR_SEND;
		t->stage = call_name[C_POST_SEND];
		still_gone(t, C_POST_SEND, ibv_post_send(o->qp, &swr,
							 &bad_swr));
	}
}

static void *verbs_thread(void *arg)
{
	struct thread *t = arg;
	int r;

	for (;;) {
		struct objs o = {};

		r = iteration(t, &o);
		if (r == 1)
			after_removal(t, &o);
		cleanup(t, &o);
		if (r || t->failed)
			break;
		t->iters++;
	}
	t->stage = "done";
	t->done = true;
	return NULL;
}

static int verbs_mode(int n)
{
	struct ibv_port_attr port;
	unsigned long iters = 0, min_iters = ~0UL, wc_ok = 0, wc_flush = 0;
	int gone_by[NCALLS] = {}, i, c, ret, ready;
	struct ibv_pd *pd;
	bool all_gone = true;

	ret = ibv_query_port(ctx, 1, &port);
	if (ret || port.state != IBV_PORT_ACTIVE) {
		failf("setup: ibv_query_port: %s, state %d", progs_ename(ret),
		      port.state);
		return 1;
	}
	mtu = port.active_mtu;
	if (ibv_query_gid(ctx, 1, GID_INDEX, &gid)) {
		failf("setup: ibv_query_gid: %s", progs_ename(errno));
		return 1;
	}
	for (i = 0; i < n; i++) {
		threads[i].id = i;
		threads[i].gone_call = -1;
		threads[i].stage = "start";
		threads[i].buf = aligned_alloc(4096, BUF_SIZE);
		if (!threads[i].buf) {
			failf("setup: aligned_alloc: %s", progs_ename(errno));
			return 1;
		}
		memset(threads[i].buf, 0, BUF_SIZE);
	}
	nthreads = n;
	for (i = 0; i < n; i++) {
		ret = pthread_create(&threads[i].th, NULL, verbs_thread,
				     &threads[i]);
		if (ret) {
			failf("setup: pthread_create: %s", progs_ename(ret));
			return 1;
		}
	}

	/*
	 * Ready once every thread went through a full iteration; the even
	 * ones with their send and receive completed successfully.
	 */
	arm(60, "waiting for every thread to do an iteration");
	for (;;) {
		for (ready = 0, i = 0; i < n; i++)
			ready += threads[i].done ||
				 (threads[i].iters > 0 &&
				  (i % 2 || threads[i].wc_ok >= 2));
		if (ready == n)
			break;
		usleep(10000);
	}
	for (i = 0; i < n; i++) {
		if (threads[i].done && !threads[i].iters) {
			failf("thread %d stopped before a full iteration", i);
			return 1;
		}
	}
	printf("ready: %d threads looping\n", n);
	fflush(stdout);

	/* The caller removes the device; the threads notice and stop. */
	arm(120, "waiting for the device to go away");
	while (!device_gone && !__atomic_load_n(&failures, __ATOMIC_RELAXED))
		usleep(10000);
	arm(30, "waiting for the threads to stop");
	for (i = 0; i < n; i++) {
		pthread_join(threads[i].th, NULL);
		iters += threads[i].iters;
		if (threads[i].iters < min_iters)
			min_iters = threads[i].iters;
		wc_ok += threads[i].wc_ok;
		wc_flush += threads[i].wc_flush;
		if (threads[i].gone_call >= 0)
			gone_by[threads[i].gone_call]++;
		else if (!threads[i].failed)
			all_gone = false;
	}
	if (!all_gone)
		failf("a thread stopped without seeing ENODEV");

	printf("%lu iterations (at least %lu per thread); completions: %lu "
	       "successful, %lu flushed\n", iters, min_iters, wc_ok, wc_flush);
	printf("the removal was noticed first by:");
	for (c = 0; c < NCALLS; c++)
		if (gone_by[c])
			printf(" %s %d,", call_name[c], gone_by[c]);
	printf("\n");
	printf("calls that failed with ENODEV:");
	for (c = 0; c < NCALLS; c++)
		if (call_enodev[c])
			printf(" %s %lu,", call_name[c], call_enodev[c]);
	printf("\n");

	arm(30, "after the threads stopped");
	errno = 0;
	pd = ibv_alloc_pd(ctx);
	printf("ibv_alloc_pd after the removal: %s\n",
	       pd ? "succeeded" : progs_ename(errno));
	if (pd || errno != ENODEV)
		failf("ibv_alloc_pd after the removal: %s, want ENODEV",
		      pd ? "succeeded" : progs_ename(errno));
	ret = ibv_close_device(ctx);
	printf("ibv_close_device: %d\n", ret);
	if (ret)
		failf("ibv_close_device returned %d (%s), want 0", ret,
		      progs_ename(errno));
	alarm(0);
	for (i = 0; i < n; i++)
		free(threads[i].buf);
	return 0;
}

/* ---- open mode ------------------------------------------------------------- */

static volatile bool stop;
static volatile bool opened_once;

static void open_once(struct thread *t)
{
	struct ibv_device **list;
	struct ibv_device_attr attr;
	struct ibv_context *c;
	int i, n, ret;

	t->stage = "ibv_get_device_list";
	errno = 0;
	list = ibv_get_device_list(&n);
	if (!list) {
		failf("thread %d: ibv_get_device_list: %s", t->id,
		      progs_ename(errno));
		return;
	}
	for (i = 0; i < n; i++)
		if (!strcmp(ibv_get_device_name(list[i]), ibdev))
			break;
	if (i == n) {
		t->absent++;
		goto out;
	}
	t->stage = "ibv_open_device";
	errno = 0;
	c = ibv_open_device(list[i]);
	if (!c) {
		switch (errno) {
		case ENODEV:
			t->open_enodev++;
			break;
		case ENOENT:
			t->open_enoent++;
			break;
		case ENXIO:
			t->open_enxio++;
			break;
		default:
			failf("thread %d: ibv_open_device: %s (%s), want "
			      "success, ENODEV, ENOENT or ENXIO", t->id,
			      strerror(errno), progs_ename(errno));
		}
		goto out;
	}
	t->opened++;
	opened_once = true;
	t->stage = "ibv_query_device";
	ret = ibv_query_device(c, &attr);
	if (!ret)
		t->query_ok++;
	else if (ret == ENODEV)
		t->query_enodev++;
	else
		failf("thread %d: ibv_query_device: %s (%s), want success "
		      "or ENODEV", t->id, strerror(ret), progs_ename(ret));
	t->stage = "ibv_close_device";
	ret = ibv_close_device(c);
	if (ret)
		failf("thread %d: ibv_close_device returned %d (%s), want 0",
		      t->id, ret, progs_ename(errno));
out:
	t->stage = "ibv_free_device_list";
	ibv_free_device_list(list);
}

static void *open_thread(void *arg)
{
	struct thread *t = arg;

	while (!stop) {
		open_once(t);
		t->iters++;
	}
	t->stage = "done";
	t->done = true;
	return NULL;
}

static int open_mode(int n, const char *stopfile)
{
	struct thread sum = {};
	bool said = false;
	int i, ret;

	nthreads = n;
	for (i = 0; i < n; i++) {
		threads[i].id = i;
		threads[i].stage = "start";
		ret = pthread_create(&threads[i].th, NULL, open_thread,
				     &threads[i]);
		if (ret) {
			failf("setup: pthread_create: %s", progs_ename(ret));
			return 1;
		}
	}
	main_stage = "waiting for the stop file";
	while (access(stopfile, F_OK)) {
		if (!said && opened_once) {
			printf("running: %d threads\n", n);
			fflush(stdout);
			said = true;
		}
		usleep(20000);
	}
	stop = true;
	arm(20, "waiting for the threads to stop");
	for (i = 0; i < n; i++) {
		pthread_join(threads[i].th, NULL);
		sum.iters += threads[i].iters;
		sum.opened += threads[i].opened;
		sum.query_ok += threads[i].query_ok;
		sum.query_enodev += threads[i].query_enodev;
		sum.absent += threads[i].absent;
		sum.open_enodev += threads[i].open_enodev;
		sum.open_enoent += threads[i].open_enoent;
		sum.open_enxio += threads[i].open_enxio;
	}
	alarm(0);
	printf("loops=%lu opened=%lu query_ok=%lu query_ENODEV=%lu absent=%lu "
	       "open_ENODEV=%lu open_ENOENT=%lu open_ENXIO=%lu failures=%d\n",
	       sum.iters, sum.opened, sum.query_ok, sum.query_enodev,
	       sum.absent, sum.open_enodev, sum.open_enoent, sum.open_enxio,
	       failures);
	return 0;
}

/* ---- main ------------------------------------------------------------------ */

static struct ibv_context *open_by_name(const char *name)
{
	struct ibv_context *c;
	const char *what;

	c = progs_open_by_name(name, &what);
	if (!c)
		failf("setup: %s %s: %s", what, name, progs_ename(errno));
	return c;
}

static void __attribute__((noreturn)) usage(const char *prog)
{
	fprintf(stderr, "usage: %s verbs IBDEV NTHREADS\n"
			"       %s open IBDEV NTHREADS STOPFILE\n", prog, prog);
	exit(2);
}

int main(int argc, char **argv)
{
	const char *s = getenv("LITE_SLOW_FACTOR");
	int n, ret;

	if (argc < 4)
		usage(argv[0]);
	if (s && atoi(s) > 0)
		slow = atoi(s);
	ibdev = argv[2];
	n = atoi(argv[3]);
	if (n < 1 || n > MAX_THREADS)
		usage(argv[0]);
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGALRM, watchdog);

	if (!strcmp(argv[1], "verbs") && argc == 4) {
		arm(30, "opening the device");
		ctx = open_by_name(ibdev);
		if (!ctx)
			return 1;
		ret = verbs_mode(n);
	} else if (!strcmp(argv[1], "open") && argc == 5) {
		ret = open_mode(n, argv[4]);
	} else {
		usage(argv[0]);
	}
	if (ret || failures) {
		printf("FAILED: %d unexpected results\n", failures);
		return 1;
	}
	printf("ok\n");
	return 0;
}
