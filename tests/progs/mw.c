// SPDX-License-Identifier: GPL-2.0
/*
 * Memory windows on one device: two RC QPs connected to each other.
 * One line per case: its name, then the WC status/opcode/flags and the
 * data check. Usage: mw DEVICE GID_INDEX
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <infiniband/verbs.h>

#include "progs.h"

static struct ibv_context *ctx;
static struct ibv_pd *pd;
static struct ibv_cq *cq;
static struct ibv_qp *qa, *qb;
static unsigned char *abuf, *bbuf;
static struct ibv_mr *amr, *bmr;
#define SZ 4096

static void die(const char *what)
{
	printf("FAIL %s: %s\n", what, progs_ename(errno));
	exit(1);
}

static struct ibv_qp *mkqp(void)
{
	struct ibv_qp_init_attr a = {
		.send_cq = cq, .recv_cq = cq, .qp_type = IBV_QPT_RC,
		.cap = { .max_send_wr = 16, .max_recv_wr = 16,
			 .max_send_sge = 1, .max_recv_sge = 1 },
	};
	struct ibv_qp *qp = ibv_create_qp(pd, &a);

	if (!qp)
		die("ibv_create_qp");
	return qp;
}

static void connect_qp(struct ibv_qp *qp, unsigned int dqpn, int gidx)
{
	struct ibv_qp_attr a = {
		.qp_state = IBV_QPS_INIT, .port_num = 1,
		.qp_access_flags = IBV_ACCESS_REMOTE_WRITE |
				   IBV_ACCESS_REMOTE_READ |
				   IBV_ACCESS_REMOTE_ATOMIC,
	};
	union ibv_gid gid;

	if (ibv_query_gid(ctx, 1, gidx, &gid))
		die("ibv_query_gid");
	if (ibv_modify_qp(qp, &a, IBV_QP_STATE | IBV_QP_PKEY_INDEX |
			  IBV_QP_PORT | IBV_QP_ACCESS_FLAGS))
		die("modify INIT");
	memset(&a, 0, sizeof(a));
	a.qp_state = IBV_QPS_RTR;
	a.path_mtu = IBV_MTU_1024;
	a.dest_qp_num = dqpn;
	a.max_dest_rd_atomic = 1;
	a.min_rnr_timer = 1;
	a.ah_attr.is_global = 1;
	a.ah_attr.grh.dgid = gid;
	a.ah_attr.grh.sgid_index = gidx;
	a.ah_attr.grh.hop_limit = 1;
	a.ah_attr.port_num = 1;
	if (ibv_modify_qp(qp, &a, IBV_QP_STATE | IBV_QP_AV | IBV_QP_PATH_MTU |
			  IBV_QP_DEST_QPN | IBV_QP_RQ_PSN |
			  IBV_QP_MAX_DEST_RD_ATOMIC | IBV_QP_MIN_RNR_TIMER))
		die("modify RTR");
	memset(&a, 0, sizeof(a));
	a.qp_state = IBV_QPS_RTS;
	a.timeout = 14;
	a.retry_cnt = 1;
	a.rnr_retry = 1;
	a.max_rd_atomic = 1;
	if (ibv_modify_qp(qp, &a, IBV_QP_STATE | IBV_QP_TIMEOUT |
			  IBV_QP_RETRY_CNT | IBV_QP_RNR_RETRY | IBV_QP_SQ_PSN |
			  IBV_QP_MAX_QP_RD_ATOMIC))
		die("modify RTS");
}

static void setup(const char *dev, int gidx)
{
	ctx = progs_open_by_name(dev, 0);
	if (!ctx)
		die("open device");
	pd = ibv_alloc_pd(ctx);
	cq = ibv_create_cq(ctx, 64, NULL, NULL, 0);
	if (!pd || !cq)
		die("pd/cq");
	abuf = calloc(1, SZ);
	bbuf = calloc(1, SZ);
	amr = ibv_reg_mr(pd, abuf, SZ, IBV_ACCESS_LOCAL_WRITE);
	bmr = ibv_reg_mr(pd, bbuf, SZ, IBV_ACCESS_LOCAL_WRITE |
			 IBV_ACCESS_MW_BIND);
	if (!amr || !bmr)
		die("ibv_reg_mr");
	qa = mkqp();
	qb = mkqp();
	connect_qp(qa, qb->qp_num, gidx);
	connect_qp(qb, qa->qp_num, gidx);
}

static int poll1(struct ibv_wc *wc)
{
	double end = progs_now_ms() + 10000;
	int n;

	while (progs_now_ms() < end) {
		n = ibv_poll_cq(cq, 1, wc);
		if (n < 0)
			die("ibv_poll_cq");
		if (n)
			return 0;
	}
	printf("FAIL no completion\n");
	exit(1);
}

static void report(const char *name, const struct ibv_wc *wc, int data)
{
	/* The opcode of an error completion is undefined (ibv_poll_cq(3)). */
	if (wc->status)
		printf("%s: status=%s\n", name, ibv_wc_status_str(wc->status));
	else
		printf("%s: status=%s opcode=%d%s\n", name,
		       ibv_wc_status_str(wc->status), wc->opcode,
		       data < 0 ? "" : data ? " data=ok" : " data=BAD");
}

/* Reconnect both QPs after an error moved one to ERR. */
static void reset(int gidx)
{
	struct ibv_qp_attr a = { .qp_state = IBV_QPS_RESET };
	struct ibv_wc wc;

	while (ibv_poll_cq(cq, 1, &wc) > 0)
		;
	if (ibv_modify_qp(qa, &a, IBV_QP_STATE) ||
	    ibv_modify_qp(qb, &a, IBV_QP_STATE))
		die("modify RESET");
	connect_qp(qa, qb->qp_num, gidx);
	connect_qp(qb, qa->qp_num, gidx);
}

static int post_bind2(struct ibv_mw *mw, uint32_t rkey, uint64_t off,
		      uint64_t len, int access)
{
	struct ibv_send_wr wr = {
		.wr_id = 1, .opcode = IBV_WR_BIND_MW,
		.send_flags = IBV_SEND_SIGNALED,
	}, *bad;

	wr.bind_mw.mw = mw;
	wr.bind_mw.rkey = rkey;
	wr.bind_mw.bind_info.mr = bmr;
	wr.bind_mw.bind_info.addr = (uintptr_t)bbuf + off;
	wr.bind_mw.bind_info.length = len;
	wr.bind_mw.bind_info.mw_access_flags = access;
	return ibv_post_send(qb, &wr, &bad);
}

static void rdma(const char *name, enum ibv_wr_opcode op, uint32_t rkey,
		 uint64_t off, uint32_t len)
{
	struct ibv_sge sge = { .addr = (uintptr_t)abuf, .length = len,
			       .lkey = amr->lkey };
	struct ibv_send_wr wr = {
		.wr_id = 2, .opcode = op, .send_flags = IBV_SEND_SIGNALED,
		.sg_list = &sge, .num_sge = 1,
	}, *bad;
	struct ibv_wc wc;
	int i;

	for (i = 0; i < (int)len; i++)
		abuf[i] = op == IBV_WR_RDMA_WRITE ? (unsigned char)(i * 7 + 1) : 0;
	for (i = 0; i < SZ; i++)
		if (op != IBV_WR_RDMA_WRITE)
			bbuf[i] = (unsigned char)(i * 13 + 5);
	if (op == IBV_WR_RDMA_WRITE)
		memset(bbuf, 0, SZ);
	wr.wr.rdma.remote_addr = (uintptr_t)bbuf + off;
	wr.wr.rdma.rkey = rkey;
	if (ibv_post_send(qa, &wr, &bad))
		die("ibv_post_send rdma");
	poll1(&wc);
	if (wc.status) {
		report(name, &wc, -1);
		return;
	}
	report(name, &wc, op == IBV_WR_RDMA_WRITE ?
	       !memcmp(abuf, bbuf + off, len) :
	       !memcmp(abuf, bbuf + off, len));
}

int main(int argc, char **argv)
{
	struct ibv_mw *mw1, *mw2;
	struct ibv_mw_bind b = {};
	struct ibv_wc wc;
	uint32_t k;
	int gidx;

	if (argc != 3) {
		fprintf(stderr, "usage: mw DEVICE GID_INDEX\n");
		return 2;
	}
	gidx = atoi(argv[2]);
	setbuf(stdout, NULL);
	setup(argv[1], gidx);

	/* Type 2 bind, then remote write/read through it. */
	mw2 = ibv_alloc_mw(pd, IBV_MW_TYPE_2);
	if (!mw2)
		die("ibv_alloc_mw type 2");
	k = ibv_inc_rkey(mw2->rkey);
	if (post_bind2(mw2, k, 1024, 1024, IBV_ACCESS_REMOTE_WRITE |
		       IBV_ACCESS_REMOTE_READ))
		die("ibv_post_send bind");
	poll1(&wc);
	report("bind type2", &wc, -1);
	/* The provider names the window by mw->rkey: the app keeps it. */
	if (!wc.status)
		mw2->rkey = k;
	rdma("write via mw2", IBV_WR_RDMA_WRITE, k, 1024, 512);
	rdma("read via mw2", IBV_WR_RDMA_READ, k, 1536, 512);
	rdma("write past mw2", IBV_WR_RDMA_WRITE, k, 1800, 512);
	reset(gidx);
	rdma("write via mr rkey without remote access", IBV_WR_RDMA_WRITE,
	     bmr->rkey, 0, 16);
	reset(gidx);

	/* Local invalidate, then access through it fails. */
	{
		struct ibv_send_wr wr = {
			.wr_id = 3, .opcode = IBV_WR_LOCAL_INV,
			.send_flags = IBV_SEND_SIGNALED,
		}, *bad;

		wr.invalidate_rkey = k;
		if (ibv_post_send(qb, &wr, &bad))
			die("ibv_post_send local inv");
		poll1(&wc);
		report("local inv mw2", &wc, -1);
	}
	rdma("write via invalidated mw2", IBV_WR_RDMA_WRITE, k, 1024, 16);
	reset(gidx);

	/* Bind past the MR: MW bind error. */
	if (post_bind2(mw2, ibv_inc_rkey(k), 3072, 2048,
		       IBV_ACCESS_REMOTE_WRITE))
		die("ibv_post_send bind");
	poll1(&wc);
	report("bind type2 past mr", &wc, -1);
	reset(gidx);

	/* Type 1 through ibv_bind_mw. */
	mw1 = ibv_alloc_mw(pd, IBV_MW_TYPE_1);
	if (!mw1)
		die("ibv_alloc_mw type 1");
	b.wr_id = 4;
	b.send_flags = IBV_SEND_SIGNALED;
	b.bind_info.mr = bmr;
	b.bind_info.addr = (uintptr_t)bbuf;
	b.bind_info.length = 2048;
	b.bind_info.mw_access_flags = IBV_ACCESS_REMOTE_WRITE |
				      IBV_ACCESS_REMOTE_READ;
	if (ibv_bind_mw(qb, mw1, &b))
		die("ibv_bind_mw");
	poll1(&wc);
	report("bind type1", &wc, -1);
	rdma("write via mw1", IBV_WR_RDMA_WRITE, mw1->rkey, 100, 900);
	rdma("read via mw1", IBV_WR_RDMA_READ, mw1->rkey, 0, 2048);

	/* Dealloc of the bound type 2 window (rebound first). */
	if (post_bind2(mw2, ibv_inc_rkey(k), 0, 64, IBV_ACCESS_REMOTE_READ))
		die("ibv_post_send bind");
	poll1(&wc);
	report("rebind type2", &wc, -1);
	k = ibv_inc_rkey(k);
	if (!wc.status)
		mw2->rkey = k;
	if (ibv_dealloc_mw(mw2))
		die("ibv_dealloc_mw bound type 2");
	printf("dealloc bound type2: ok\n");
	rdma("read via deallocated mw2", IBV_WR_RDMA_READ, k, 0, 64);
	reset(gidx);
	if (ibv_dealloc_mw(mw1))
		die("ibv_dealloc_mw type 1");
	printf("done\n");
	return 0;
}
