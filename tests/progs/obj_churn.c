// SPDX-License-Identifier: GPL-2.0
/*
 * obj_churn: every verbs object type created and destroyed many times
 * from several processes at once, through unmodified libibverbs and
 * rdma-core's rxe provider.
 *
 * usage: obj_churn IBDEV GID_INDEX ITERATIONS NPROCS
 *
 * Forks NPROCS children. Each opens IBDEV once, reads its own GID at
 * GID_INDEX (port 1), then runs ITERATIONS rounds. A round creates, in
 * this order:
 *   PD; MR on a malloc'd 16 KiB buffer (local write, remote read/write);
 *   completion channel; CQ (64 entries) on that channel, armed with
 *   ibv_req_notify_cq(); a second CQ without channel; an RC QP (send CQ =
 *   the first, recv CQ = the second; 16/16 WRs, 1 SGE, 16 bytes inline);
 *   a UD QP (same CQs and caps); an SRQ (16 WRs, 1 SGE); every 4th round
 *   an RC QP whose receive side is that SRQ; an AH to the device's own GID.
 * Every 8th round the RC QP goes RESET->INIT->RTR->RTS connected to itself
 * (RoCE: a global AV with the own GID, as ibv_rc_pingpong does) and the UD
 * QP goes INIT->RTR->RTS with qkey 0x11111111. Every round ibv_query_qp()
 * on the RC QP must report the state it was left in (and, after the
 * transitions, the destination QPN and path MTU that were set). Then
 * everything is destroyed in reverse order.
 *
 * Every return value is checked; nothing is optional and nothing is
 * skipped. The first failure prints the call, round, pid and errno and
 * the child exits 1 at once, leaving what it created to the kernel's
 * cleanup at close. Each child prints progress every 1000 rounds. The
 * parent exits 0 only if every child finished all its rounds; it prints
 * the total number of rounds and the elapsed time.
 */
#include <errno.h>
#include <infiniband/verbs.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MR_LEN		(16 * 1024)
#define CQE		64
#define QP_WR		16
#define QP_INLINE	16
#define UD_QKEY		0x11111111
#define MODIFY_EVERY	8
#define SRQ_QP_EVERY	4
#define PROGRESS_EVERY	1000
#define PORT		1

static long cur_round = -1;	/* -1: before the first round */

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * say: one line to stderr in a single write(), so that the lines of
 * several children never interleave.
 */
static void __attribute__((format(printf, 1, 2)))
say(const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (n > (int)sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	if (write(STDERR_FILENO, line, n) < 0)
		return;
}

/* die: report a failed call with errno value ERR and end this child. */
static void die(const char *call, int err)
{
	char where[64];

	if (cur_round < 0)
		snprintf(where, sizeof(where), "setup pid %d", (int)getpid());
	else
		snprintf(where, sizeof(where), "round %ld pid %d", cur_round,
			 (int)getpid());
	if (err)
		say("%s: %s: %s (errno %d)", call, where, strerror(err), err);
	else
		say("%s: %s: failed without an errno", call, where);
	exit(1);
}

/* A constructor that returned NULL: the reason is in errno. */
#define CHECK_PTR(call, p) do { if (!(p)) die(call, errno); } while (0)

/*
 * A verb that returns int. libibverbs returns an errno value (> 0) from
 * most of them, -1 with errno from a few; handle both.
 */
static void check_ret(const char *call, int ret)
{
	if (!ret)
		return;
	die(call, ret > 0 ? ret : errno);
}

#define CHECK_RET(call, expr) do { errno = 0; check_ret(call, (expr)); } while (0)

static struct ibv_context *open_by_name(const char *name)
{
	struct ibv_device **list;
	struct ibv_context *c = NULL;
	int i, n, found = 0;

	list = ibv_get_device_list(&n);
	CHECK_PTR("ibv_get_device_list", list);
	for (i = 0; i < n; i++) {
		if (strcmp(ibv_get_device_name(list[i]), name))
			continue;
		found = 1;
		c = ibv_open_device(list[i]);
		if (!c)
			die("ibv_open_device", errno);
		break;
	}
	ibv_free_device_list(list);
	if (!found) {
		say("%s: no such device (pid %d)", name, (int)getpid());
		exit(1);
	}
	return c;
}

static void fill_av(struct ibv_ah_attr *ah, const union ibv_gid *gid,
		    int gid_index)
{
	memset(ah, 0, sizeof(*ah));
	ah->is_global = 1;
	ah->grh.dgid = *gid;
	ah->grh.sgid_index = gid_index;
	ah->grh.hop_limit = 1;
	ah->sl = 0;
	ah->src_path_bits = 0;
	ah->port_num = PORT;
}

static struct ibv_qp *create_qp(struct ibv_pd *pd, enum ibv_qp_type type,
				struct ibv_cq *scq, struct ibv_cq *rcq,
				struct ibv_srq *srq, const char *call)
{
	struct ibv_qp_init_attr ia;
	struct ibv_qp *qp;

	memset(&ia, 0, sizeof(ia));
	ia.send_cq = scq;
	ia.recv_cq = rcq;
	ia.srq = srq;
	ia.qp_type = type;
	ia.cap.max_send_wr = QP_WR;
	ia.cap.max_recv_wr = srq ? 0 : QP_WR;
	ia.cap.max_send_sge = 1;
	ia.cap.max_recv_sge = srq ? 0 : 1;
	ia.cap.max_inline_data = QP_INLINE;
	qp = ibv_create_qp(pd, &ia);
	CHECK_PTR(call, qp);
	/* The provider writes back what it gave; never less than asked. */
	if (ia.cap.max_send_wr < QP_WR || ia.cap.max_send_sge < 1 ||
	    ia.cap.max_inline_data < QP_INLINE ||
	    (!srq && (ia.cap.max_recv_wr < QP_WR || ia.cap.max_recv_sge < 1))) {
		say("%s: round %ld pid %d: caps send_wr %u recv_wr %u send_sge %u recv_sge %u inline %u, less than asked",
		    call, cur_round, (int)getpid(), ia.cap.max_send_wr,
		    ia.cap.max_recv_wr, ia.cap.max_send_sge,
		    ia.cap.max_recv_sge, ia.cap.max_inline_data);
		exit(1);
	}
	return qp;
}

/* RC QP to itself: RESET->INIT->RTR->RTS. */
static void rc_connect(struct ibv_qp *qp, const union ibv_gid *gid,
		       int gid_index)
{
	struct ibv_qp_attr a;

	memset(&a, 0, sizeof(a));
	a.qp_state = IBV_QPS_INIT;
	a.pkey_index = 0;
	a.port_num = PORT;
	a.qp_access_flags = IBV_ACCESS_REMOTE_WRITE | IBV_ACCESS_REMOTE_READ;
	CHECK_RET("ibv_modify_qp(RC, INIT)",
		  ibv_modify_qp(qp, &a, IBV_QP_STATE | IBV_QP_PKEY_INDEX |
				IBV_QP_PORT | IBV_QP_ACCESS_FLAGS));

	memset(&a, 0, sizeof(a));
	a.qp_state = IBV_QPS_RTR;
	a.path_mtu = IBV_MTU_1024;
	a.dest_qp_num = qp->qp_num;
	a.rq_psn = 0;
	a.max_dest_rd_atomic = 1;
	a.min_rnr_timer = 12;
	fill_av(&a.ah_attr, gid, gid_index);
	CHECK_RET("ibv_modify_qp(RC, RTR)",
		  ibv_modify_qp(qp, &a, IBV_QP_STATE | IBV_QP_AV |
				IBV_QP_PATH_MTU | IBV_QP_DEST_QPN |
				IBV_QP_RQ_PSN | IBV_QP_MAX_DEST_RD_ATOMIC |
				IBV_QP_MIN_RNR_TIMER));

	memset(&a, 0, sizeof(a));
	a.qp_state = IBV_QPS_RTS;
	a.timeout = 14;
	a.retry_cnt = 7;
	a.rnr_retry = 7;
	a.sq_psn = 0;
	a.max_rd_atomic = 1;
	CHECK_RET("ibv_modify_qp(RC, RTS)",
		  ibv_modify_qp(qp, &a, IBV_QP_STATE | IBV_QP_TIMEOUT |
				IBV_QP_RETRY_CNT | IBV_QP_RNR_RETRY |
				IBV_QP_SQ_PSN | IBV_QP_MAX_QP_RD_ATOMIC));
}

/* UD QP: RESET->INIT->RTR->RTS. */
static void ud_activate(struct ibv_qp *qp)
{
	struct ibv_qp_attr a;

	memset(&a, 0, sizeof(a));
	a.qp_state = IBV_QPS_INIT;
	a.pkey_index = 0;
	a.port_num = PORT;
	a.qkey = UD_QKEY;
	CHECK_RET("ibv_modify_qp(UD, INIT)",
		  ibv_modify_qp(qp, &a, IBV_QP_STATE | IBV_QP_PKEY_INDEX |
				IBV_QP_PORT | IBV_QP_QKEY));

	memset(&a, 0, sizeof(a));
	a.qp_state = IBV_QPS_RTR;
	CHECK_RET("ibv_modify_qp(UD, RTR)",
		  ibv_modify_qp(qp, &a, IBV_QP_STATE));

	memset(&a, 0, sizeof(a));
	a.qp_state = IBV_QPS_RTS;
	a.sq_psn = 0;
	CHECK_RET("ibv_modify_qp(UD, RTS)",
		  ibv_modify_qp(qp, &a, IBV_QP_STATE | IBV_QP_SQ_PSN));
}

/* ibv_query_qp() on the RC QP agrees with what this round did to it. */
static void rc_query(struct ibv_qp *qp, int connected)
{
	struct ibv_qp_init_attr ia;
	struct ibv_qp_attr a;
	enum ibv_qp_state want = connected ? IBV_QPS_RTS : IBV_QPS_RESET;
	int mask = IBV_QP_STATE | IBV_QP_CAP;

	if (connected)
		mask |= IBV_QP_PATH_MTU | IBV_QP_DEST_QPN;
	memset(&a, 0, sizeof(a));
	memset(&ia, 0, sizeof(ia));
	CHECK_RET("ibv_query_qp", ibv_query_qp(qp, &a, mask, &ia));
	if (a.qp_state != want ||
	    (connected && (a.dest_qp_num != qp->qp_num ||
			   a.path_mtu != IBV_MTU_1024)) ||
	    a.cap.max_send_wr < QP_WR || a.cap.max_recv_wr < QP_WR) {
		say("ibv_query_qp: round %ld pid %d: state %d (want %d), dest_qp_num 0x%x (want 0x%x), path_mtu %d, send_wr %u, recv_wr %u",
		    cur_round, (int)getpid(), a.qp_state, want,
		    a.dest_qp_num, connected ? qp->qp_num : 0, a.path_mtu,
		    a.cap.max_send_wr, a.cap.max_recv_wr);
		exit(1);
	}
}

static void one_round(struct ibv_context *ctx, const union ibv_gid *gid,
		      int gid_index, long round)
{
	int modify = round % MODIFY_EVERY == 0;
	int srq_qp_round = round % SRQ_QP_EVERY == 0;
	struct ibv_comp_channel *ch;
	struct ibv_cq *cq, *cq2;
	struct ibv_qp *rc, *ud, *srq_qp = NULL;
	struct ibv_srq_init_attr si;
	struct ibv_ah_attr aa;
	struct ibv_srq *srq;
	struct ibv_pd *pd;
	struct ibv_mr *mr;
	struct ibv_ah *ah;
	void *buf;

	pd = ibv_alloc_pd(ctx);
	CHECK_PTR("ibv_alloc_pd", pd);

	buf = malloc(MR_LEN);
	CHECK_PTR("malloc", buf);
	memset(buf, 0x5a, MR_LEN);
	mr = ibv_reg_mr(pd, buf, MR_LEN, IBV_ACCESS_LOCAL_WRITE |
			IBV_ACCESS_REMOTE_WRITE | IBV_ACCESS_REMOTE_READ);
	CHECK_PTR("ibv_reg_mr", mr);

	ch = ibv_create_comp_channel(ctx);
	CHECK_PTR("ibv_create_comp_channel", ch);
	cq = ibv_create_cq(ctx, CQE, NULL, ch, 0);
	CHECK_PTR("ibv_create_cq(channel)", cq);
	CHECK_RET("ibv_req_notify_cq", ibv_req_notify_cq(cq, 0));
	cq2 = ibv_create_cq(ctx, CQE, NULL, NULL, 0);
	CHECK_PTR("ibv_create_cq", cq2);

	rc = create_qp(pd, IBV_QPT_RC, cq, cq2, NULL, "ibv_create_qp(RC)");
	if (modify)
		rc_connect(rc, gid, gid_index);
	rc_query(rc, modify);

	ud = create_qp(pd, IBV_QPT_UD, cq, cq2, NULL, "ibv_create_qp(UD)");
	if (modify)
		ud_activate(ud);

	memset(&si, 0, sizeof(si));
	si.attr.max_wr = QP_WR;
	si.attr.max_sge = 1;
	srq = ibv_create_srq(pd, &si);
	CHECK_PTR("ibv_create_srq", srq);
	if (srq_qp_round)
		srq_qp = create_qp(pd, IBV_QPT_RC, cq, cq2, srq,
				   "ibv_create_qp(RC on SRQ)");

	fill_av(&aa, gid, gid_index);
	ah = ibv_create_ah(pd, &aa);
	CHECK_PTR("ibv_create_ah", ah);

	/* Reverse order. */
	CHECK_RET("ibv_destroy_ah", ibv_destroy_ah(ah));
	if (srq_qp)
		CHECK_RET("ibv_destroy_qp(RC on SRQ)", ibv_destroy_qp(srq_qp));
	CHECK_RET("ibv_destroy_srq", ibv_destroy_srq(srq));
	CHECK_RET("ibv_destroy_qp(UD)", ibv_destroy_qp(ud));
	CHECK_RET("ibv_destroy_qp(RC)", ibv_destroy_qp(rc));
	CHECK_RET("ibv_destroy_cq", ibv_destroy_cq(cq2));
	CHECK_RET("ibv_destroy_cq(channel)", ibv_destroy_cq(cq));
	CHECK_RET("ibv_destroy_comp_channel", ibv_destroy_comp_channel(ch));
	CHECK_RET("ibv_dereg_mr", ibv_dereg_mr(mr));
	free(buf);
	CHECK_RET("ibv_dealloc_pd", ibv_dealloc_pd(pd));
}

static void child(const char *ibdev, int gid_index, long iters,
		  long *done)
{
	struct ibv_context *ctx;
	union ibv_gid gid;
	static const union ibv_gid zero;
	double t0 = now();

	ctx = open_by_name(ibdev);
	CHECK_RET("ibv_query_gid", ibv_query_gid(ctx, PORT, gid_index, &gid));
	if (!memcmp(&gid, &zero, sizeof(gid))) {
		say("ibv_query_gid: setup pid %d: GID %d of %s port %d is empty",
		    (int)getpid(), gid_index, ibdev, PORT);
		exit(1);
	}
	for (cur_round = 0; cur_round < iters; cur_round++) {
		one_round(ctx, &gid, gid_index, cur_round);
		*done = cur_round + 1;
		if (*done % PROGRESS_EVERY == 0)
			printf("pid %d: %ld rounds, %.1f s\n", (int)getpid(),
			       *done, now() - t0);
	}
	cur_round = -1;
	CHECK_RET("ibv_close_device", ibv_close_device(ctx));
	exit(0);
}

static long parse(const char *s, const char *what, long min)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 0);
	if (errno || end == s || *end || v < min) {
		fprintf(stderr, "bad %s '%s' (want an integer >= %ld)\n", what,
			s, min);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	long iters, nprocs, total = 0, i;
	int gid_index, failed = 0;
	long *done;
	pid_t *pids;
	double t0;

	if (argc != 5) {
		fprintf(stderr, "usage: %s IBDEV GID_INDEX ITERATIONS NPROCS\n",
			argv[0]);
		return 2;
	}
	gid_index = parse(argv[2], "GID_INDEX", 0);
	iters = parse(argv[3], "ITERATIONS", 1);
	nprocs = parse(argv[4], "NPROCS", 1);
	if (nprocs > 1024) {
		fprintf(stderr, "NPROCS %ld: too many\n", nprocs);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);

	done = mmap(NULL, nprocs * sizeof(*done), PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	pids = calloc(nprocs, sizeof(*pids));
	if (done == MAP_FAILED || !pids) {
		perror("mmap/calloc");
		return 1;
	}
	printf("obj_churn: %s gid %d, %ld processes x %ld rounds\n", argv[1],
	       gid_index, nprocs, iters);

	t0 = now();
	for (i = 0; i < nprocs; i++) {
		pids[i] = fork();
		if (pids[i] < 0) {
			perror("fork");
			failed = 1;
			break;
		}
		if (!pids[i])
			child(argv[1], gid_index, iters, &done[i]);
	}
	nprocs = i;

	for (i = 0; i < nprocs; i++) {
		int st;

		if (waitpid(pids[i], &st, 0) < 0) {
			perror("waitpid");
			failed = 1;
			continue;
		}
		total += done[i];
		if (WIFEXITED(st) && !WEXITSTATUS(st) && done[i] == iters)
			continue;
		failed = 1;
		if (WIFSIGNALED(st))
			fprintf(stderr, "child %d: killed by signal %d after %ld rounds\n",
				(int)pids[i], WTERMSIG(st), done[i]);
		else
			fprintf(stderr, "child %d: exit %d after %ld rounds\n",
				(int)pids[i], WEXITSTATUS(st), done[i]);
	}
	printf("obj_churn: %ld rounds in %.1f s by %ld processes: %s\n", total,
	       now() - t0, nprocs, failed ? "FAILED" : "ok");
	return failed;
}
