// SPDX-License-Identifier: GPL-2.0
/*
 * qp_stress: QP lifetimes against the datapath's own execution.
 *
 *   qp_stress destroy DEV GID_INDEX ROUNDS
 *	Each round: two RC QPs of DEV connected to each other through
 *	GID_INDEX, with a short retransmission timeout, get a burst of
 *	RDMA WRITEs and SENDs (the receiver posts too few receives, so RNR
 *	NAKs come too); after a random 0-15 ms, while packets are unacked
 *	(on a lossy link: drop_ppm), they are destroyed (ibv_destroy_qp),
 *	or every fourth round the whole context is closed with them alive.
 *	Nothing may run for them afterwards (retransmission timer, requester
 *	work): the debug kernel's DEBUG_OBJECTS and KASAN say if it does.
 *
 *   qp_stress reset DEV GID_INDEX ROUNDS
 *	A UD QP is cycled RESET -> INIT -> RTR -> RTS -> RESET ROUNDS times
 *	while a second UD QP sends 2-SGE datagrams to it and it sends 2-SGE
 *	datagrams back whenever it is in RTS; every receive on either side
 *	is posted with 2 SGEs. Every completion must be a success (a RESET
 *	drops what was posted, without completions); a single error
 *	completion, or either QP found in ERR, fails.
 *
 *   qp_stress create DEV GID_INDEX ROUNDS
 *	Creates and destroys an RC QP ROUNDS times on one CQ; a create may
 *	fail with ENOMEM only (the debug suite injects failures into the
 *	driver's ring allocation, so that the unwinding runs), anything
 *	else fails. Prints how many creates succeeded and failed.
 *
 * Prints one summary line; exit 0 on success.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "progs.h"

#define PORT	1
#define MSG	16384
#define NWR	16

static const char *dev_name;
static int gid_index;

#define die(...) do { fprintf(stderr, "qp_stress: " __VA_ARGS__); \
		      fputc('\n', stderr); exit(1); } while (0)

struct ctx {
	struct ibv_context *c;
	struct ibv_pd *pd;
	struct ibv_mr *mr;
	struct ibv_cq *cq;
	char *buf;
	union ibv_gid gid;
};

static void ctx_open(struct ctx *x, size_t len)
{
	const char *what = "?";

	x->c = progs_open_by_name(dev_name, &what);
	if (!x->c)
		die("%s(%s): %s", what, dev_name, progs_ename(errno));
	if (ibv_query_gid(x->c, PORT, gid_index, &x->gid))
		die("ibv_query_gid: %s", progs_ename(errno));
	x->pd = ibv_alloc_pd(x->c);
	if (!x->pd)
		die("ibv_alloc_pd: %s", progs_ename(errno));
	x->buf = calloc(1, len);
	if (!x->buf)
		die("calloc");
	x->mr = ibv_reg_mr(x->pd, x->buf, len, IBV_ACCESS_LOCAL_WRITE |
			   IBV_ACCESS_REMOTE_WRITE | IBV_ACCESS_REMOTE_READ);
	if (!x->mr)
		die("ibv_reg_mr: %s", progs_ename(errno));
	x->cq = ibv_create_cq(x->c, 4 * NWR + 64, NULL, NULL, 0);
	if (!x->cq)
		die("ibv_create_cq: %s", progs_ename(errno));
}

static void ctx_close(struct ctx *x, int objects)
{
	if (objects) {
		if (ibv_destroy_cq(x->cq))
			die("ibv_destroy_cq: %s", progs_ename(errno));
		if (ibv_dereg_mr(x->mr))
			die("ibv_dereg_mr: %s", progs_ename(errno));
		if (ibv_dealloc_pd(x->pd))
			die("ibv_dealloc_pd: %s", progs_ename(errno));
	}
	if (ibv_close_device(x->c))
		die("ibv_close_device: %s", progs_ename(errno));
	free(x->buf);
}

static struct ibv_qp *qp_new(struct ctx *x, enum ibv_qp_type type)
{
	struct ibv_qp_init_attr ia = {
		.send_cq = x->cq, .recv_cq = x->cq, .qp_type = type,
		.cap = { .max_send_wr = 2 * NWR, .max_recv_wr = 2 * NWR,
			 .max_send_sge = 2, .max_recv_sge = 2 },
	};
	struct ibv_qp *qp = ibv_create_qp(x->pd, &ia);

	if (!qp)
		die("ibv_create_qp: %s", progs_ename(errno));
	return qp;
}

static void modify(struct ibv_qp *qp, struct ibv_qp_attr *a, int mask,
		   const char *what)
{
	int ret = ibv_modify_qp(qp, a, mask);

	if (ret)
		die("ibv_modify_qp(%s): %s", what, progs_ename(ret));
}

static void rc_connect(struct ctx *x, struct ibv_qp *qp, uint32_t dqpn)
{
	struct ibv_qp_attr a = {
		.qp_state = IBV_QPS_INIT, .port_num = PORT,
		.qp_access_flags = IBV_ACCESS_REMOTE_WRITE |
				   IBV_ACCESS_REMOTE_READ,
	};

	modify(qp, &a, IBV_QP_STATE | IBV_QP_PKEY_INDEX | IBV_QP_PORT |
	       IBV_QP_ACCESS_FLAGS, "INIT");
	memset(&a, 0, sizeof(a));
	a.qp_state = IBV_QPS_RTR;
	a.path_mtu = IBV_MTU_1024;
	a.dest_qp_num = dqpn;
	a.rq_psn = 0;
	a.max_dest_rd_atomic = 1;
	a.min_rnr_timer = 1;		/* 0.01 ms */
	a.ah_attr.is_global = 1;
	a.ah_attr.grh.dgid = x->gid;
	a.ah_attr.grh.sgid_index = gid_index;
	a.ah_attr.grh.hop_limit = 1;
	a.ah_attr.port_num = PORT;
	modify(qp, &a, IBV_QP_STATE | IBV_QP_AV | IBV_QP_PATH_MTU |
	       IBV_QP_DEST_QPN | IBV_QP_RQ_PSN | IBV_QP_MAX_DEST_RD_ATOMIC |
	       IBV_QP_MIN_RNR_TIMER, "RTR");
	memset(&a, 0, sizeof(a));
	a.qp_state = IBV_QPS_RTS;
	a.timeout = 1;			/* the shortest: 10 ms here */
	a.retry_cnt = 7;
	a.rnr_retry = 7;
	a.sq_psn = 0;
	a.max_rd_atomic = 1;
	modify(qp, &a, IBV_QP_STATE | IBV_QP_TIMEOUT | IBV_QP_RETRY_CNT |
	       IBV_QP_RNR_RETRY | IBV_QP_SQ_PSN | IBV_QP_MAX_QP_RD_ATOMIC,
	       "RTS");
}

static int destroy_rounds(int rounds)
{
	struct ibv_send_wr wr, *bad;
	struct ibv_recv_wr rwr, *rbad;
	struct ibv_sge sge;
	struct ctx x;
	int r, i, posted = 0;

	srand(getpid());
	for (r = 0; r < rounds; r++) {
		struct ibv_qp *a, *b;
		int close_all = r % 4 == 3;

		ctx_open(&x, 2 * NWR * MSG);
		a = qp_new(&x, IBV_QPT_RC);
		b = qp_new(&x, IBV_QPT_RC);
		rc_connect(&x, a, b->qp_num);
		rc_connect(&x, b, a->qp_num);
		/* A few receives only: the later SENDs meet RNR NAKs. */
		for (i = 0; i < 2; i++) {
			sge = (struct ibv_sge){ .addr = (uintptr_t)x.buf +
						NWR * MSG + i * MSG,
						.length = MSG,
						.lkey = x.mr->lkey };
			rwr = (struct ibv_recv_wr){ .wr_id = i, .sg_list = &sge,
						    .num_sge = 1 };
			if (ibv_post_recv(b, &rwr, &rbad))
				die("ibv_post_recv: %s", progs_ename(errno));
		}
		for (i = 0; i < NWR; i++) {
			sge = (struct ibv_sge){ .addr = (uintptr_t)x.buf +
						i * MSG, .length = MSG,
						.lkey = x.mr->lkey };
			wr = (struct ibv_send_wr){
				.wr_id = i, .sg_list = &sge, .num_sge = 1,
				.opcode = i % 3 ? IBV_WR_RDMA_WRITE :
						  IBV_WR_SEND,
				.send_flags = IBV_SEND_SIGNALED,
			};
			wr.wr.rdma.remote_addr = (uintptr_t)x.buf + NWR * MSG +
						 i * MSG;
			wr.wr.rdma.rkey = x.mr->rkey;
			if (ibv_post_send(i & 1 ? b : a, &wr, &bad))
				die("ibv_post_send: %s", progs_ename(errno));
			posted++;
		}
		usleep(rand() % 15000);
		if (!close_all) {
			if (ibv_destroy_qp(a) || ibv_destroy_qp(b))
				die("ibv_destroy_qp: %s", progs_ename(errno));
		}
		ctx_close(&x, !close_all);
	}
	printf("qp_stress destroy: %d rounds, %d work requests posted\n",
	       rounds, posted);
	return 0;
}

/* Post a 2-SGE receive on @qp (each SGE half of a 2 KiB slot). */
static void post_recv2(struct ctx *x, struct ibv_qp *qp, int slot)
{
	char *p = x->buf + 4096 + (slot % 32) * 2048;
	struct ibv_sge s[2] = {
		{ .addr = (uintptr_t)p, .length = 1024, .lkey = x->mr->lkey },
		{ .addr = (uintptr_t)p + 1024, .length = 1024,
		  .lkey = x->mr->lkey },
	};
	struct ibv_recv_wr w = { .wr_id = slot, .sg_list = s, .num_sge = 2 };
	struct ibv_recv_wr *bad;

	if (ibv_post_recv(qp, &w, &bad))
		die("ibv_post_recv: %s", progs_ename(errno));
}

static int post_send2(struct ctx *x, struct ibv_qp *qp, struct ibv_ah *ah,
		      uint32_t dqpn)
{
	struct ibv_sge s[2] = {
		{ .addr = (uintptr_t)x->buf, .length = 100,
		  .lkey = x->mr->lkey },
		{ .addr = (uintptr_t)x->buf + 100, .length = 100,
		  .lkey = x->mr->lkey },
	};
	struct ibv_send_wr w = {
		.sg_list = s, .num_sge = 2, .opcode = IBV_WR_SEND,
		.send_flags = IBV_SEND_SIGNALED,
	};
	struct ibv_send_wr *bad;

	w.wr.ud.ah = ah;
	w.wr.ud.remote_qpn = dqpn;
	w.wr.ud.remote_qkey = 0x11111111;
	return ibv_post_send(qp, &w, &bad);
}

static void ud_up(struct ibv_qp *qp, int rts)
{
	struct ibv_qp_attr a = { .qp_state = IBV_QPS_INIT, .port_num = PORT,
				 .qkey = 0x11111111 };

	modify(qp, &a, IBV_QP_STATE | IBV_QP_PKEY_INDEX | IBV_QP_PORT |
	       IBV_QP_QKEY, "INIT");
	a.qp_state = IBV_QPS_RTR;
	modify(qp, &a, IBV_QP_STATE, "RTR");
	if (!rts)
		return;
	a.qp_state = IBV_QPS_RTS;
	a.sq_psn = 0;
	modify(qp, &a, IBV_QP_STATE | IBV_QP_SQ_PSN, "RTS");
}

/* Drain @cq; any completion but a success fails. */
static long drain(struct ibv_cq *cq, int *inflight_a, struct ibv_qp *a)
{
	struct ibv_wc wc[16];
	long n = 0;
	int i, k;

	while ((k = ibv_poll_cq(cq, 16, wc)) > 0) {
		for (i = 0; i < k; i++) {
			if (wc[i].status != IBV_WC_SUCCESS)
				die("error completion on QP %u: %s (opcode %d)",
				    wc[i].qp_num,
				    ibv_wc_status_str(wc[i].status),
				    wc[i].opcode);
			if (wc[i].qp_num == a->qp_num &&
			    !(wc[i].opcode & IBV_WC_RECV))
				(*inflight_a)--;
		}
		n += k;
	}
	if (k < 0)
		die("ibv_poll_cq: %d", k);
	return n;
}

static void expect_not_err(struct ibv_qp *qp)
{
	struct ibv_qp_attr a;
	struct ibv_qp_init_attr ia;

	if (ibv_query_qp(qp, &a, IBV_QP_STATE, &ia))
		die("ibv_query_qp: %s", progs_ename(errno));
	if (a.qp_state == IBV_QPS_ERR)
		die("QP %u is in the error state", qp->qp_num);
}

static int reset_rounds(int rounds)
{
	struct ibv_ah_attr aa = { .is_global = 1, .port_num = PORT };
	struct ibv_qp *a, *b;
	struct ibv_qp_attr ra = { .qp_state = IBV_QPS_RESET };
	struct ibv_ah *ah;
	struct ctx x;
	long comps = 0;
	int r, i, slot = 0, inflight_a = 0;
	double end;

	ctx_open(&x, 1 << 20);
	a = qp_new(&x, IBV_QPT_UD);	/* cycled */
	b = qp_new(&x, IBV_QPT_UD);	/* steady */
	aa.grh.dgid = x.gid;
	aa.grh.sgid_index = gid_index;
	aa.grh.hop_limit = 1;
	ah = ibv_create_ah(x.pd, &aa);
	if (!ah)
		die("ibv_create_ah: %s", progs_ename(errno));
	ud_up(b, 1);
	for (i = 0; i < NWR; i++)
		post_recv2(&x, b, slot++);
	for (r = 0; r < rounds; r++) {
		ud_up(a, 1);
		for (i = 0; i < 4; i++)
			post_recv2(&x, a, slot++);
		for (i = 0; i < 4; i++) {
			if (post_send2(&x, b, ah, a->qp_num))
				die("ibv_post_send(b): %s", progs_ename(errno));
			if (inflight_a < NWR && !post_send2(&x, a, ah,
							      b->qp_num))
				inflight_a++;
		}
		comps += drain(x.cq, &inflight_a, a);
		end = progs_now_ms() + 10000;
		while (inflight_a > 0) {	/* a's sends complete in RTS */
			if (progs_now_ms() > end)
				die("round %d: %d sends of QP %u never completed",
				    r, inflight_a, a->qp_num);
			comps += drain(x.cq, &inflight_a, a);
		}
		/* b's receives: keep NWR posted */
		for (i = 0; i < 4; i++)
			post_recv2(&x, b, slot++);
		expect_not_err(a);
		expect_not_err(b);
		modify(a, &ra, IBV_QP_STATE, "RESET");
		/* More datagrams for a while it is in RESET: dropped. */
		if (post_send2(&x, b, ah, a->qp_num))
			die("ibv_post_send(b): %s", progs_ename(errno));
		comps += drain(x.cq, &inflight_a, a);
	}
	usleep(100000);
	comps += drain(x.cq, &inflight_a, a);
	expect_not_err(b);
	if (ibv_destroy_qp(a) || ibv_destroy_qp(b) || ibv_destroy_ah(ah))
		die("destroy: %s", progs_ename(errno));
	ctx_close(&x, 1);
	printf("qp_stress reset: %d rounds, %ld completions, all successful\n",
	       rounds, comps);
	return 0;
}

static int create_rounds(int rounds)
{
	struct ibv_qp_init_attr ia = {
		.qp_type = IBV_QPT_RC,
		.cap = { .max_send_wr = 1024, .max_recv_wr = 1024,
			 .max_send_sge = 2, .max_recv_sge = 2 },
	};
	const char *what = "?";
	struct ibv_context *c;
	struct ibv_cq *cq = NULL;
	struct ibv_pd *pd;
	struct ibv_qp *qp;
	int r, ok = 0, failed = 0, tries;

	c = progs_open_by_name(dev_name, &what);
	if (!c)
		die("%s(%s): %s", what, dev_name, progs_ename(errno));
	pd = ibv_alloc_pd(c);
	if (!pd)
		die("ibv_alloc_pd: %s", progs_ename(errno));
	/* The CQ's ring may be failed too: try until one is made. */
	for (tries = 0; !cq && tries < 1000; tries++) {
		cq = ibv_create_cq(c, 64, NULL, NULL, 0);
		if (!cq && errno != ENOMEM)
			die("ibv_create_cq: %s", progs_ename(errno));
	}
	if (!cq)
		die("ibv_create_cq: ENOMEM 1000 times");
	ia.send_cq = cq;
	ia.recv_cq = cq;
	for (r = 0; r < rounds; r++) {
		qp = ibv_create_qp(pd, &ia);
		if (!qp) {
			if (errno != ENOMEM)
				die("round %d: ibv_create_qp: %s", r,
				    progs_ename(errno));
			failed++;
			continue;
		}
		ok++;
		if (ibv_destroy_qp(qp))
			die("ibv_destroy_qp: %s", progs_ename(errno));
	}
	if (ibv_destroy_cq(cq) || ibv_dealloc_pd(pd) || ibv_close_device(c))
		die("cleanup: %s", progs_ename(errno));
	printf("qp_stress create: %d rounds, %d created, %d failed with ENOMEM\n",
	       rounds, ok, failed);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: qp_stress destroy|reset|create DEV GID_INDEX ROUNDS\n");
		return 2;
	}
	dev_name = argv[2];
	gid_index = atoi(argv[3]);
	if (!strcmp(argv[1], "destroy"))
		return destroy_rounds(atoi(argv[4]));
	if (!strcmp(argv[1], "reset"))
		return reset_rounds(atoi(argv[4]));
	if (!strcmp(argv[1], "create"))
		return create_rounds(atoi(argv[4]));
	fprintf(stderr, "qp_stress: unknown mode %s\n", argv[1]);
	return 2;
}
