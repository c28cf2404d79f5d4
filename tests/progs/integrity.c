// SPDX-License-Identifier: GPL-2.0
/*
 * integrity: byte-exact checks of the RC and UD data path, through
 * unmodified libibverbs and rdma-core's rxe provider.
 *
 * usage: integrity [--rc-only] [--only GROUPS] [--window N] [--timeout S]
 *                  CLIENT_DEV SERVER_DEV GID_INDEX
 *
 * One process runs both ends: a client context on CLIENT_DEV and a server
 * context on SERVER_DEV (the same device is fine), QPs connected to each
 * other directly (QPN, PSN and GID exchanged in memory; a global AV with
 * sgid_index GID_INDEX, dgid the peer's GID at GID_INDEX, hop limit 1,
 * port 1, path MTU the ports' active MTU). Sizes are 0, 1, MTU-1, MTU,
 * MTU+1 and 1 MiB; every message is a PRNG pattern seeded per check.
 * Receive buffers start as the complement of what must arrive, with guard
 * bytes around them; the checks are, in groups:
 *
 *   send   RC SEND and SEND_WITH_IMM, one SGE and 4 uneven SGEs in 4 MRs
 *          on both sides: data, byte_len, IBV_WC_WITH_IMM and imm_data,
 *          guard bytes. Inline sends for 0, 1 and max_inline_data bytes,
 *          the source overwritten as soon as ibv_post_send() returned.
 *   write  RDMA WRITE and WRITE_WITH_IMM: the target range and its guard
 *          bytes; the receiver gets IBV_WC_RECV_RDMA_WITH_IMM with the imm
 *          and byte_len, its receive buffer untouched.
 *   read   RDMA READ into one SGE and into 4 uneven SGEs; byte_len.
 *   ud     UD SEND (and with imm) up to the MTU, 1 and 4 receive SGEs: the
 *          40-byte GRH area first (IPv4: 20 zero bytes and the IPv4 header
 *          with both addresses; IPv6: the header with both GIDs),
 *          byte_len = 40 + size, IBV_WC_GRH, src_qp. Skipped by --rc-only.
 *   atomic 4 threads, each with its own QP to its own server QP, all on one
 *          8-byte counter: N fetch-and-add of 1 (--window in flight each):
 *          the old values are exactly 0..4N-1 and the counter ends at 4N;
 *          then compare-and-swap increments in a retry loop: the old
 *          values of the successful swaps are exactly 0..S-1 and the
 *          counter ends at S, the number of successful swaps.
 *   error  RDMA WRITE with a wrong rkey (1 and 3 packets) and READ past
 *          the end of an MR:
 *          IBV_WC_REM_ACCESS_ERR, the QP in ERR, later WRs (posted before
 *          and after) and posted receives flushed, target memory
 *          untouched; a SEND longer than the posted receive:
 *          IBV_WC_REM_INV_REQ_ERR at the requester, IBV_WC_LOC_LEN_ERR at
 *          the receiver, nothing written past the receive buffer; a peer
 *          QP destroyed, reset or in ERR: with timeout 5 (4.096 us << 5 =
 *          131 us) and retry_cnt 2, IBV_WC_RETRY_EXC_ERR within 5 s.
 *   sqd    4 RDMA WRITEs of 256 KiB posted, the QP moved to SQD with
 *          en_sqd_async_notify, 2 more WRITEs posted: IBV_EVENT_SQ_DRAINED
 *          for the QP comes; by then the first k WRITEs (those begun)
 *          completed in order and nothing else did, the other targets
 *          are untouched, the QP is in SQD and takes an SQD -> SQD modify;
 *          after SQD -> RTS the other WRITEs complete, every target is
 *          checked byte for byte. The same on an idle QP (drained at
 *          once). A SEND held by RNR NAKs (no receive posted) keeps the
 *          SQ draining: no event for 300 ms; receives posted, it
 *          completes, then SQ_DRAINED; the SEND posted in SQD waits for
 *          RTS.
 *
 * --only takes group names (e.g. "read,atomic"). One line per check, "ok"
 * or "FAIL" with the first difference (offset, expected and got byte);
 * exits 1 if any check failed, 2 on bad usage. A completion that does not
 * come within --timeout seconds (10) fails its check.
 */
#define _GNU_SOURCE
#include <endian.h>
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <infiniband/verbs.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PORT		1
#define NSGE		4		/* entries of the multi-SGE lists */
#define MAX_MSG		(1 << 20)
#define GUARD		64		/* guard bytes on each side of a range */
#define MR_LEN		(MAX_MSG + 4 * 4096)
#define GUARD_BYTE	0xa5
#define RECV_SLACK	37		/* receive lists are this much longer */
#define GRH_LEN		40
#define QP_WR		64
#define CQE		256
#define INLINE_WANT	256
#define UD_QKEY		0x11111111
#define RD_ATOMIC	16
#define ACK_TIMEOUT	14		/* 4.096 us << 14 = 67 ms */
#define RETRY_CNT	7
#define CLI_PSN		0xfffc00	/* 1 MiB messages wrap the 24-bit PSN */
#define SRV_PSN		0x123456
#define NTHREADS	4
#define ACCESS_ALL	(IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE | \
			 IBV_ACCESS_REMOTE_READ | IBV_ACCESS_REMOTE_ATOMIC)

/* One end's device: context, PD, NSGE registered buffers, GID, MTU. */
struct side {
	const char *dev;
	struct ibv_context *ctx;
	struct ibv_pd *pd;
	struct ibv_mr *mr[NSGE];
	uint8_t *buf[NSGE];
	union ibv_gid gid;
	enum ibv_mtu mtu;
};

/* A QP with its own send and receive CQs. */
struct end {
	struct ibv_cq *scq, *rcq;
	struct ibv_qp *qp;
};

/* Two RC QPs connected to each other: client end, server end. */
struct pair {
	struct end c, s;
	uint32_t max_inline;
};

struct ud {
	struct end c, s;
	struct ibv_ah *ah;		/* client -> server */
};

struct sgl {
	int n;
	struct ibv_sge sge[NSGE];
};

/* One check: its name and the first thing found wrong. */
struct chk {
	char name[160];
	char why[480];
	double t0;
};

static struct {
	int rc_only;
	const char *only;
	int window;
	int faa_n, cas_n;
	double timeout;
	int gid_index;
} opt = { .window = 8, .faa_n = 500, .cas_n = 100, .timeout = 10 };

static const char *const groups = "send,write,read,ud,atomic,error,sqd";

static int want(const char *group)
{
	return !opt.only || strstr(opt.only, group);
}

static struct side cli, srv;
static uint32_t mtu_bytes;
static int nchecks, nfailed;
static uint8_t msg[MAX_MSG + GRH_LEN], got[MAX_MSG + GRH_LEN];
static const unsigned int send_w[NSGE] = { 3, 1, 5, 2 };
static const unsigned int recv_w[NSGE] = { 1, 4, 2, 3 };

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void __attribute__((format(printf, 2, 3)))
chk_start(struct chk *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->name, sizeof(c->name), fmt, ap);
	va_end(ap);
	c->why[0] = 0;
	c->t0 = now();
}

/* Record what is wrong; only the first reason is kept. */
static void __attribute__((format(printf, 2, 3)))
chk_bad(struct chk *c, const char *fmt, ...)
{
	va_list ap;

	if (c->why[0])
		return;
	va_start(ap, fmt);
	vsnprintf(c->why, sizeof(c->why), fmt, ap);
	va_end(ap);
	if (!c->why[0])
		snprintf(c->why, sizeof(c->why), "failed");
}

/* The check's verdict; a check that took a second or more says how long. */
static int chk_end(struct chk *c)
{
	double t = now() - c->t0;
	char took[32] = "";

	if (t >= 1)
		snprintf(took, sizeof(took), " [%.1f s]", t);
	nchecks++;
	if (!c->why[0]) {
		printf("ok   %s%s\n", c->name, took);
		return 0;
	}
	nfailed++;
	printf("FAIL %s: %s%s\n", c->name, c->why, took);
	return -1;
}

/* A verb's failure: an errno value (> 0), or -1 or -errno with errno. */
static int verr(int ret)
{
	return ret > 0 ? ret : ret < -1 ? -ret : errno;
}

/* ---- patterns, SGE lists, guard bytes ---- */

static uint32_t seed_of(int kind, size_t size, int variant)
{
	return (uint32_t)kind * 1000003u + (uint32_t)size * 7919u +
	       (uint32_t)variant * 131u + 1;
}

/* n bytes of xorshift32 output, seeded. */
static void pattern(uint8_t *p, size_t n, uint32_t seed)
{
	uint32_t x = seed * 2654435761u ^ 0x9e3779b9u;
	size_t i;

	if (!x)
		x = 1;
	for (i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		p[i] = x >> 24;
	}
}

/*
 * An SGE list on @s: @nsge entries (entry i in MR i, at an odd offset)
 * covering @len bytes split by weights @w, plus @slack on the last one.
 * A single-entry list for 0 bytes and no slack has no entry at all.
 */
static void sgl_make(struct sgl *l, const struct side *s, size_t len,
		     int nsge, const unsigned int *w, size_t slack)
{
	unsigned int sum = 0;
	size_t left = len, n;
	int i;

	l->n = 0;
	if (nsge == 1 && !len && !slack)
		return;
	for (i = 0; i < nsge; i++)
		sum += w[i];
	for (i = 0; i < nsge; i++) {
		n = i == nsge - 1 ? left : len * w[i] / sum;
		left -= n;
		l->sge[i].addr = (uintptr_t)(s->buf[i] + GUARD + 1 + 2 * i);
		l->sge[i].length = n + (i == nsge - 1 ? slack : 0);
		l->sge[i].lkey = s->mr[i]->lkey;
	}
	l->n = nsge;
}

/* Copy @n bytes between @m and the list, in list order. */
static void sgl_copy(const struct sgl *l, uint8_t *m, size_t n, int to_list)
{
	size_t k;
	int i;

	for (i = 0; i < l->n && n; i++) {
		uint8_t *p = (uint8_t *)(uintptr_t)l->sge[i].addr;

		k = l->sge[i].length < n ? l->sge[i].length : n;
		if (to_list)
			memcpy(p, m, k);
		else
			memcpy(m, p, k);
		m += k;
		n -= k;
	}
}

/* Guard bytes around [p, p + n), the complement of @want inside. */
static void range_prefill(uint8_t *p, const uint8_t *want, size_t n,
			  size_t room)
{
	size_t i;

	memset(p - GUARD, GUARD_BYTE, room + 2 * GUARD);
	for (i = 0; i < n; i++)
		p[i] = ~want[i];
}

static void cmp_bytes(struct chk *c, const char *what, const uint8_t *g,
		      const uint8_t *want, size_t n)
{
	size_t i, first = n, bad = 0;

	if (!memcmp(g, want, n))
		return;
	for (i = 0; i < n; i++) {
		if (g[i] == want[i])
			continue;
		if (first == n)
			first = i;
		bad++;
	}
	chk_bad(c, "%s: first difference at offset %zu of %zu: expected 0x%02x got 0x%02x (%zu bytes differ)",
		what, first, n, want[first], g[first], bad);
}

/* [p + from, p + to) must still hold guard bytes. */
static void cmp_guard(struct chk *c, const char *what, const uint8_t *p,
		      long from, long to)
{
	long i;

	for (i = from; i < to; i++) {
		if (p[i] == GUARD_BYTE)
			continue;
		chk_bad(c, "%s: guard byte at %+ld from the start changed: expected 0x%02x got 0x%02x",
			what, i, GUARD_BYTE, p[i]);
		return;
	}
}

/* @n bytes written at @p, nothing else within @room + the guards. */
static void range_check(struct chk *c, const char *what, const uint8_t *p,
			const uint8_t *want, size_t n, size_t room)
{
	cmp_bytes(c, what, p, want, n);
	cmp_guard(c, what, p, -GUARD, 0);
	cmp_guard(c, what, p, n, room + GUARD);
}

static void sgl_prefill(const struct sgl *l, const uint8_t *want, size_t n)
{
	size_t k;
	int i;

	for (i = 0; i < l->n; i++) {
		k = l->sge[i].length < n ? l->sge[i].length : n;
		range_prefill((uint8_t *)(uintptr_t)l->sge[i].addr, want, k,
			      l->sge[i].length);
		want += k;
		n -= k;
	}
}

/* The list holds @want's @n bytes, and nothing else was written. */
static void sgl_check(struct chk *c, const char *what, const struct sgl *l,
		      const uint8_t *want, size_t n)
{
	char label[96];
	size_t k;
	int i;

	sgl_copy(l, got, n, 0);
	cmp_bytes(c, what, got, want, n);
	for (i = 0; i < l->n; i++) {
		const uint8_t *p = (uint8_t *)(uintptr_t)l->sge[i].addr;

		k = l->sge[i].length < n ? l->sge[i].length : n;
		snprintf(label, sizeof(label), "%s, sge %d", what, i);
		cmp_guard(c, label, p, -GUARD, 0);
		cmp_guard(c, label, p, k, l->sge[i].length + GUARD);
		n -= k;
	}
}

/* ---- completions and posting ---- */

/* The next completion of @cq; -1 if none came within the timeout. */
static int wait_wc(struct ibv_cq *cq, struct ibv_wc *wc)
{
	double end = now() + opt.timeout;
	struct timespec nap = { 0, 50000 };
	int n, spins = 0;

	for (;;) {
		n = ibv_poll_cq(cq, 1, wc);
		if (n)
			return n > 0 ? 0 : -1;
		if (now() > end)
			return -1;
		if (++spins > 16)
			nanosleep(&nap, NULL);
	}
}

/*
 * The next completion of @cq must have @wr_id and @status and, for a
 * success, @opcode. 0, or -1 (recorded in @c).
 */
static int expect_wc(struct chk *c, const char *what, struct ibv_cq *cq,
		     struct ibv_wc *wc, uint64_t wr_id,
		     enum ibv_wc_status status, int opcode)
{
	if (wait_wc(cq, wc)) {
		chk_bad(c, "%s: no completion within %.0f s", what,
			opt.timeout);
		return -1;
	}
	if (wc->wr_id == wr_id && wc->status == status &&
	    (status != IBV_WC_SUCCESS || (int)wc->opcode == opcode))
		return 0;
	chk_bad(c, "%s: wr_id %llu status %s (%d) opcode %d vendor_err 0x%x, want wr_id %llu status %s opcode %d",
		what, (unsigned long long)wc->wr_id,
		ibv_wc_status_str(wc->status), wc->status, wc->opcode,
		wc->vendor_err, (unsigned long long)wr_id,
		ibv_wc_status_str(status), opcode);
	return -1;
}

static int post_send1(struct chk *c, struct ibv_qp *qp,
		      struct ibv_send_wr *wr)
{
	struct ibv_send_wr *bad;
	int ret;

	errno = 0;
	ret = ibv_post_send(qp, wr, &bad);
	if (!ret)
		return 0;
	chk_bad(c, "ibv_post_send: %s", strerror(verr(ret)));
	return -1;
}

static int post_recv1(struct chk *c, struct ibv_qp *qp, uint64_t wr_id,
		      struct sgl *l)
{
	struct ibv_recv_wr wr = {
		.wr_id = wr_id, .sg_list = l->sge, .num_sge = l->n,
	};
	struct ibv_recv_wr *bad;
	int ret;

	errno = 0;
	ret = ibv_post_recv(qp, &wr, &bad);
	if (!ret)
		return 0;
	chk_bad(c, "ibv_post_recv: %s", strerror(verr(ret)));
	return -1;
}

/* A signaled work request of @opcode over list @l. */
static void wr_init(struct ibv_send_wr *wr, uint64_t wr_id,
		    enum ibv_wr_opcode opcode, struct sgl *l)
{
	memset(wr, 0, sizeof(*wr));
	wr->wr_id = wr_id;
	wr->opcode = opcode;
	wr->sg_list = l->sge;
	wr->num_sge = l->n;
	wr->send_flags = IBV_SEND_SIGNALED;
}

/* The receive completion's byte_len, WITH_IMM flag and imm_data. */
static void check_recv_wc(struct chk *c, const struct ibv_wc *wc,
			  uint32_t byte_len, int imm, uint32_t imm_val)
{
	if (wc->byte_len != byte_len)
		chk_bad(c, "receive completion: byte_len %u, want %u",
			wc->byte_len, byte_len);
	if (!!(wc->wc_flags & IBV_WC_WITH_IMM) != !!imm)
		chk_bad(c, "receive completion: wc_flags 0x%x, IBV_WC_WITH_IMM should be %s",
			wc->wc_flags, imm ? "set" : "clear");
	if (imm && be32toh(wc->imm_data) != imm_val)
		chk_bad(c, "receive completion: imm_data 0x%08x, want 0x%08x",
			be32toh(wc->imm_data), imm_val);
}

/* ---- devices, QPs ---- */

static void __attribute__((format(printf, 1, 2), noreturn))
die(const char *fmt, ...)
{
	va_list ap;

	printf("FAIL setup: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	exit(1);
}

static struct ibv_context *open_by_name(const char *name)
{
	struct ibv_context *ctx = NULL;
	struct ibv_device **list;
	int i, n;

	list = ibv_get_device_list(&n);
	if (!list)
		die("ibv_get_device_list: %s", strerror(errno));
	for (i = 0; i < n && !ctx; i++)
		if (!strcmp(ibv_get_device_name(list[i]), name) &&
		    !(ctx = ibv_open_device(list[i])))
			die("ibv_open_device(%s): %s", name, strerror(errno));
	ibv_free_device_list(list);
	if (!ctx)
		die("%s: no such device", name);
	return ctx;
}

static void side_open(struct side *s, const char *dev)
{
	static const union ibv_gid zero;
	struct ibv_port_attr pa;
	int i;

	s->dev = dev;
	s->ctx = open_by_name(dev);
	if (ibv_query_port(s->ctx, PORT, &pa))
		die("ibv_query_port(%s): %s", dev, strerror(errno));
	if (pa.state != IBV_PORT_ACTIVE)
		die("%s port %d is not active (state %d)", dev, PORT, pa.state);
	s->mtu = pa.active_mtu;
	if (ibv_query_gid(s->ctx, PORT, opt.gid_index, &s->gid))
		die("ibv_query_gid(%s, %d): %s", dev, opt.gid_index,
		    strerror(errno));
	if (!memcmp(&s->gid, &zero, sizeof(zero)))
		die("GID %d of %s is empty", opt.gid_index, dev);
	s->pd = ibv_alloc_pd(s->ctx);
	if (!s->pd)
		die("ibv_alloc_pd(%s): %s", dev, strerror(errno));
	for (i = 0; i < NSGE; i++) {
		s->buf[i] = aligned_alloc(4096, MR_LEN);
		if (!s->buf[i])
			die("aligned_alloc: %s", strerror(errno));
		memset(s->buf[i], GUARD_BYTE, MR_LEN);
		s->mr[i] = ibv_reg_mr(s->pd, s->buf[i], MR_LEN, ACCESS_ALL);
		if (!s->mr[i])
			die("ibv_reg_mr(%s): %s", dev, strerror(errno));
	}
}

static void side_close(struct side *s)
{
	int i;

	for (i = 0; i < NSGE; i++) {
		if (ibv_dereg_mr(s->mr[i]))
			die("ibv_dereg_mr(%s)", s->dev);
		free(s->buf[i]);
	}
	if (ibv_dealloc_pd(s->pd) || ibv_close_device(s->ctx))
		die("ibv_dealloc_pd/ibv_close_device(%s)", s->dev);
}

static void end_destroy(struct end *e)
{
	if (e->qp)
		ibv_destroy_qp(e->qp);
	if (e->scq)
		ibv_destroy_cq(e->scq);
	if (e->rcq)
		ibv_destroy_cq(e->rcq);
	memset(e, 0, sizeof(*e));
}

static int end_create(struct chk *c, struct side *s, enum ibv_qp_type type,
		      struct end *e, uint32_t *max_inline)
{
	struct ibv_qp_init_attr ia;

	memset(e, 0, sizeof(*e));
	e->scq = ibv_create_cq(s->ctx, CQE, NULL, NULL, 0);
	e->rcq = ibv_create_cq(s->ctx, CQE, NULL, NULL, 0);
	if (!e->scq || !e->rcq) {
		chk_bad(c, "ibv_create_cq(%s): %s", s->dev, strerror(errno));
		return -1;
	}
	memset(&ia, 0, sizeof(ia));
	ia.send_cq = e->scq;
	ia.recv_cq = e->rcq;
	ia.qp_type = type;
	ia.cap.max_send_wr = QP_WR;
	ia.cap.max_recv_wr = QP_WR;
	ia.cap.max_send_sge = NSGE;
	ia.cap.max_recv_sge = NSGE;
	ia.cap.max_inline_data = INLINE_WANT;
	e->qp = ibv_create_qp(s->pd, &ia);
	if (!e->qp) {
		chk_bad(c, "ibv_create_qp(%s): %s", s->dev, strerror(errno));
		return -1;
	}
	if (max_inline)
		*max_inline = ia.cap.max_inline_data;
	return 0;
}

static int modify(struct chk *c, struct ibv_qp *qp, struct ibv_qp_attr *a,
		  int mask, const char *what)
{
	int ret = ibv_modify_qp(qp, a, mask);

	if (!ret)
		return 0;
	chk_bad(c, "ibv_modify_qp(%s): %s", what, strerror(verr(ret)));
	return -1;
}

/* RC QP of @e to RTS, connected to QPN @dqpn at @dgid. */
static int rc_connect(struct chk *c, struct end *e,
		      const union ibv_gid *dgid, uint32_t dqpn,
		      uint32_t psn, uint32_t dpsn, int timeout, int retry)
{
	struct ibv_qp_attr a;

	memset(&a, 0, sizeof(a));
	a.qp_state = IBV_QPS_INIT;
	a.port_num = PORT;
	a.qp_access_flags = ACCESS_ALL & ~IBV_ACCESS_LOCAL_WRITE;
	if (modify(c, e->qp, &a, IBV_QP_STATE | IBV_QP_PKEY_INDEX |
		   IBV_QP_PORT | IBV_QP_ACCESS_FLAGS, "INIT"))
		return -1;
	memset(&a, 0, sizeof(a));
	a.qp_state = IBV_QPS_RTR;
	a.path_mtu = cli.mtu < srv.mtu ? cli.mtu : srv.mtu;
	a.dest_qp_num = dqpn;
	a.rq_psn = dpsn;
	a.max_dest_rd_atomic = RD_ATOMIC;
	a.min_rnr_timer = 12;
	a.ah_attr.is_global = 1;
	a.ah_attr.grh.dgid = *dgid;
	a.ah_attr.grh.sgid_index = opt.gid_index;
	a.ah_attr.grh.hop_limit = 1;
	a.ah_attr.port_num = PORT;
	if (modify(c, e->qp, &a, IBV_QP_STATE | IBV_QP_AV | IBV_QP_PATH_MTU |
		   IBV_QP_DEST_QPN | IBV_QP_RQ_PSN |
		   IBV_QP_MAX_DEST_RD_ATOMIC | IBV_QP_MIN_RNR_TIMER, "RTR"))
		return -1;
	memset(&a, 0, sizeof(a));
	a.qp_state = IBV_QPS_RTS;
	a.timeout = timeout;
	a.retry_cnt = retry;
	a.rnr_retry = 7;
	a.sq_psn = psn;
	a.max_rd_atomic = RD_ATOMIC;
	return modify(c, e->qp, &a, IBV_QP_STATE | IBV_QP_TIMEOUT |
		      IBV_QP_RETRY_CNT | IBV_QP_RNR_RETRY | IBV_QP_SQ_PSN |
		      IBV_QP_MAX_QP_RD_ATOMIC, "RTS");
}

static void pair_destroy(struct pair *p)
{
	end_destroy(&p->c);
	end_destroy(&p->s);
}

/* Client and server RC QPs connected to each other. */
static int pair_create(struct chk *c, struct pair *p, int timeout, int retry)
{
	memset(p, 0, sizeof(*p));
	if (end_create(c, &cli, IBV_QPT_RC, &p->c, &p->max_inline) ||
	    end_create(c, &srv, IBV_QPT_RC, &p->s, NULL) ||
	    rc_connect(c, &p->c, &srv.gid, p->s.qp->qp_num, CLI_PSN,
		       SRV_PSN, timeout, retry) ||
	    rc_connect(c, &p->s, &cli.gid, p->c.qp->qp_num, SRV_PSN,
		       CLI_PSN, ACK_TIMEOUT, RETRY_CNT)) {
		pair_destroy(p);
		return -1;
	}
	return 0;
}

/* A pair for a group of checks; a failed setup is a failed check. */
static int pair_setup(struct pair *p, const char *group)
{
	struct chk c;

	chk_start(&c, "%s: RC QP pair setup", group);
	if (!pair_create(&c, p, ACK_TIMEOUT, RETRY_CNT))
		return 0;
	chk_end(&c);
	return -1;
}

/* ---- RC SEND ---- */

/*
 * One RC send of @size bytes from @nsge SGEs into @nsge SGEs. Returns -1
 * when the pair is no longer usable (an error or missing completion).
 */
static int rc_send(struct pair *p, size_t size, int nsge, int imm, int inl)
{
	uint32_t seed = seed_of(1, size, nsge * 4 + imm * 2 + inl);
	struct ibv_send_wr wr;
	struct sgl src, dst;
	struct ibv_wc wc;
	struct chk c;
	int ret = -1;

	chk_start(&c, "rc %s%s size %zu, %d sge", imm ? "send_with_imm" : "send",
		  inl ? " inline" : "", size, nsge);
	pattern(msg, size, seed);
	sgl_make(&src, &cli, size, nsge, send_w, 0);
	sgl_make(&dst, &srv, size, nsge, recv_w, RECV_SLACK);
	sgl_copy(&src, msg, size, 1);
	sgl_prefill(&dst, msg, size);
	if (post_recv1(&c, p->s.qp, seed, &dst))
		goto out;
	wr_init(&wr, seed + 1, imm ? IBV_WR_SEND_WITH_IMM : IBV_WR_SEND, &src);
	wr.imm_data = htobe32(seed);
	if (inl)
		wr.send_flags |= IBV_SEND_INLINE;
	if (post_send1(&c, p->c.qp, &wr))
		goto out;
	if (inl)	/* the provider copied it: the buffer is ours again */
		sgl_prefill(&src, msg, size);
	if (expect_wc(&c, "send completion", p->c.scq, &wc, seed + 1,
		      IBV_WC_SUCCESS, IBV_WC_SEND) ||
	    expect_wc(&c, "receive completion", p->s.rcq, &wc, seed,
		      IBV_WC_SUCCESS, IBV_WC_RECV))
		goto out;
	ret = 0;
	check_recv_wc(&c, &wc, size, imm, seed);
	if (wc.qp_num != p->s.qp->qp_num)
		chk_bad(&c, "receive completion: qp_num 0x%x, want 0x%x",
			wc.qp_num, p->s.qp->qp_num);
	sgl_check(&c, "received data", &dst, msg, size);
out:
	chk_end(&c);
	return ret;
}

#define SZ_MAX_INLINE	((size_t)-1)	/* the QP's max_inline_data */
static size_t rc_sizes[6];		/* 0, 1, MTU-1, MTU, MTU+1, 1 MiB */
static const size_t inline_sizes[3] = { 0, 1, SZ_MAX_INLINE };

/*
 * Run @fn(pair, size, nsge, variant) for each of the @nsz sizes @sz, one
 * and NSGE SGEs, and @variants variants.
 */
static void rc_group(const char *group, int variants,
		     int (*fn)(struct pair *, size_t, int, int),
		     const size_t *sz, int nsz)
{
	struct pair p;
	int s, n, v;
	size_t size;

	if (pair_setup(&p, group))
		return;
	for (v = 0; v < variants; v++)
		for (n = 1; n <= NSGE; n += NSGE - 1)
			for (s = 0; s < nsz; s++) {
				size = sz[s] == SZ_MAX_INLINE ? p.max_inline :
								sz[s];
				if (!fn(&p, size, n, v))
					continue;
				/* Start over with a fresh pair. */
				pair_destroy(&p);
				if (pair_setup(&p, group))
					return;
			}
	pair_destroy(&p);
}

static int send_variant(struct pair *p, size_t size, int nsge, int v)
{
	return rc_send(p, size, nsge, v, 0);
}

static int inline_variant(struct pair *p, size_t size, int nsge, int v)
{
	return rc_send(p, size, nsge, v, 1);
}

/* ---- RDMA WRITE, READ ---- */

static int rc_write(struct pair *p, size_t size, int nsge, int imm)
{
	uint32_t seed = seed_of(2, size, nsge * 2 + imm);
	uint8_t *dst = srv.buf[NSGE - 1] + GUARD + 3;
	struct ibv_send_wr wr;
	struct sgl src, rl;
	struct ibv_wc wc;
	struct chk c;
	int ret = -1;

	chk_start(&c, "rc %s size %zu, %d sge",
		  imm ? "rdma_write_with_imm" : "rdma_write", size, nsge);
	pattern(msg, size, seed);
	sgl_make(&src, &cli, size, nsge, send_w, 0);
	sgl_copy(&src, msg, size, 1);
	range_prefill(dst, msg, size, size);
	sgl_make(&rl, &srv, 0, 1, recv_w, 16);	/* must stay untouched */
	sgl_prefill(&rl, msg, 0);
	if (imm && post_recv1(&c, p->s.qp, seed, &rl))
		goto out;
	wr_init(&wr, seed + 1, imm ? IBV_WR_RDMA_WRITE_WITH_IMM :
		IBV_WR_RDMA_WRITE, &src);
	wr.imm_data = htobe32(seed);
	wr.wr.rdma.remote_addr = (uintptr_t)dst;
	wr.wr.rdma.rkey = srv.mr[NSGE - 1]->rkey;
	if (post_send1(&c, p->c.qp, &wr) ||
	    expect_wc(&c, "write completion", p->c.scq, &wc, seed + 1,
		      IBV_WC_SUCCESS, IBV_WC_RDMA_WRITE))
		goto out;
	if (imm) {
		if (expect_wc(&c, "receive completion", p->s.rcq, &wc, seed,
			      IBV_WC_SUCCESS, IBV_WC_RECV_RDMA_WITH_IMM))
			goto out;
		check_recv_wc(&c, &wc, size, 1, seed);
		sgl_check(&c, "receive buffer", &rl, msg, 0);
	}
	ret = 0;
	range_check(&c, "target memory", dst, msg, size, size);
out:
	chk_end(&c);
	return ret;
}

static int rc_read(struct pair *p, size_t size, int nsge, int v)
{
	uint32_t seed = seed_of(3, size, nsge);
	uint8_t *src = srv.buf[NSGE - 1] + GUARD + 5;
	struct ibv_send_wr wr;
	struct ibv_wc wc;
	struct sgl dst;
	struct chk c;
	int ret = -1;

	(void)v;
	chk_start(&c, "rc rdma_read size %zu, %d sge", size, nsge);
	pattern(msg, size, seed);
	memcpy(src, msg, size);
	sgl_make(&dst, &cli, size, nsge, recv_w, 0);
	sgl_prefill(&dst, msg, size);
	wr_init(&wr, seed, IBV_WR_RDMA_READ, &dst);
	wr.wr.rdma.remote_addr = (uintptr_t)src;
	wr.wr.rdma.rkey = srv.mr[NSGE - 1]->rkey;
	if (post_send1(&c, p->c.qp, &wr) ||
	    expect_wc(&c, "read completion", p->c.scq, &wc, seed,
		      IBV_WC_SUCCESS, IBV_WC_RDMA_READ))
		goto out;
	ret = 0;
	if (wc.byte_len != size)
		chk_bad(&c, "read completion: byte_len %u, want %zu",
			wc.byte_len, size);
	sgl_check(&c, "read data", &dst, msg, size);
out:
	chk_end(&c);
	return ret;
}

/* ---- UD ---- */

static int ud_activate(struct chk *c, struct ibv_qp *qp)
{
	struct ibv_qp_attr a;

	memset(&a, 0, sizeof(a));
	a.qp_state = IBV_QPS_INIT;
	a.port_num = PORT;
	a.qkey = UD_QKEY;
	if (modify(c, qp, &a, IBV_QP_STATE | IBV_QP_PKEY_INDEX | IBV_QP_PORT |
		   IBV_QP_QKEY, "UD INIT"))
		return -1;
	memset(&a, 0, sizeof(a));
	a.qp_state = IBV_QPS_RTR;
	if (modify(c, qp, &a, IBV_QP_STATE, "UD RTR"))
		return -1;
	a.qp_state = IBV_QPS_RTS;
	a.sq_psn = CLI_PSN;
	return modify(c, qp, &a, IBV_QP_STATE | IBV_QP_SQ_PSN, "UD RTS");
}

static void ud_destroy(struct ud *u)
{
	if (u->ah)
		ibv_destroy_ah(u->ah);
	u->ah = NULL;
	end_destroy(&u->c);
	end_destroy(&u->s);
}

static int ud_setup(struct ud *u)
{
	struct ibv_ah_attr aa;
	struct chk c;

	memset(u, 0, sizeof(*u));
	chk_start(&c, "ud: QP and AH setup");
	if (end_create(&c, &cli, IBV_QPT_UD, &u->c, NULL) ||
	    end_create(&c, &srv, IBV_QPT_UD, &u->s, NULL) ||
	    ud_activate(&c, u->c.qp) || ud_activate(&c, u->s.qp))
		goto fail;
	memset(&aa, 0, sizeof(aa));
	aa.is_global = 1;
	aa.grh.dgid = srv.gid;
	aa.grh.sgid_index = opt.gid_index;
	aa.grh.hop_limit = 1;
	aa.port_num = PORT;
	u->ah = ibv_create_ah(cli.pd, &aa);
	if (u->ah)
		return 0;
	chk_bad(&c, "ibv_create_ah: %s", strerror(errno));
fail:
	ud_destroy(u);
	chk_end(&c);
	return -1;
}

static int is_v4mapped(const union ibv_gid *g)
{
	static const uint8_t pfx[12] = { [10] = 0xff, [11] = 0xff };

	return !memcmp(g->raw, pfx, sizeof(pfx));
}

/*
 * The GRH area of a UD receive: for IPv4, 20 zero bytes and the IPv4
 * header; for IPv6, the IPv6 header. Source client, destination server.
 */
static void check_grh(struct chk *c, const uint8_t *grh)
{
	static const uint8_t zero[20];

	if (is_v4mapped(&cli.gid)) {
		if (memcmp(grh, zero, sizeof(zero)) || grh[20] != 0x45 ||
		    grh[29] != 17)
			chk_bad(c, "GRH area: not 20 zero bytes and an IPv4/UDP header (bytes 0, 20, 29: 0x%02x 0x%02x 0x%02x)",
				grh[0], grh[20], grh[29]);
		else if (memcmp(grh + 32, cli.gid.raw + 12, 4) ||
			 memcmp(grh + 36, srv.gid.raw + 12, 4))
			chk_bad(c, "GRH area: IPv4 addresses %d.%d.%d.%d -> %d.%d.%d.%d, want the client's and the server's GID",
				grh[32], grh[33], grh[34], grh[35], grh[36],
				grh[37], grh[38], grh[39]);
		return;
	}
	if (grh[0] >> 4 != 6 || grh[6] != 17)
		chk_bad(c, "GRH area: not an IPv6/UDP header (bytes 0, 6: 0x%02x 0x%02x)",
			grh[0], grh[6]);
	else if (memcmp(grh + 8, cli.gid.raw, 16) ||
		 memcmp(grh + 24, srv.gid.raw, 16))
		chk_bad(c, "GRH area: source/destination are not the client's and the server's GID");
}

static int ud_send(struct ud *u, size_t size, int nsge, int imm)
{
	uint32_t seed = seed_of(4, size, nsge * 2 + imm);
	uint8_t *payload = msg + GRH_LEN;
	struct ibv_send_wr wr;
	struct sgl src, dst;
	struct ibv_wc wc;
	struct chk c;
	int ret = -1;

	chk_start(&c, "ud %s size %zu, %d sge", imm ? "send_with_imm" : "send",
		  size, nsge);
	memset(msg, 0, GRH_LEN);	/* prefilled as 0xff, checked apart */
	pattern(payload, size, seed);
	sgl_make(&src, &cli, size, nsge, send_w, 0);
	sgl_make(&dst, &srv, GRH_LEN + size, nsge, recv_w, RECV_SLACK);
	sgl_copy(&src, payload, size, 1);
	sgl_prefill(&dst, msg, GRH_LEN + size);
	if (post_recv1(&c, u->s.qp, seed, &dst))
		goto out;
	wr_init(&wr, seed + 1, imm ? IBV_WR_SEND_WITH_IMM : IBV_WR_SEND, &src);
	wr.imm_data = htobe32(seed);
	wr.wr.ud.ah = u->ah;
	wr.wr.ud.remote_qpn = u->s.qp->qp_num;
	wr.wr.ud.remote_qkey = UD_QKEY;
	if (post_send1(&c, u->c.qp, &wr) ||
	    expect_wc(&c, "send completion", u->c.scq, &wc, seed + 1,
		      IBV_WC_SUCCESS, IBV_WC_SEND) ||
	    expect_wc(&c, "receive completion", u->s.rcq, &wc, seed,
		      IBV_WC_SUCCESS, IBV_WC_RECV))
		goto out;
	ret = 0;
	check_recv_wc(&c, &wc, GRH_LEN + size, imm, seed);
	if (!(wc.wc_flags & IBV_WC_GRH))
		chk_bad(&c, "receive completion: IBV_WC_GRH not set (wc_flags 0x%x)",
			wc.wc_flags);
	if (wc.src_qp != u->c.qp->qp_num)
		chk_bad(&c, "receive completion: src_qp 0x%x, want 0x%x",
			wc.src_qp, u->c.qp->qp_num);
	sgl_copy(&dst, got, GRH_LEN, 0);
	check_grh(&c, got);
	/* The GRH bytes were checked above; compare them with themselves. */
	memcpy(msg, got, GRH_LEN);
	sgl_check(&c, "received data", &dst, msg, GRH_LEN + size);
out:
	chk_end(&c);
	return ret;
}

static void ud_group(void)
{
	size_t ud_sizes[4] = { 0, 1, mtu_bytes - 1, mtu_bytes };
	int s, n, imm;
	struct ud u;

	if (ud_setup(&u))
		return;
	for (imm = 0; imm < 2; imm++)
		for (n = 1; n <= NSGE; n += NSGE - 1)
			for (s = 0; s < 4; s++) {
				if (!ud_send(&u, ud_sizes[s], n, imm))
					continue;
				ud_destroy(&u);
				if (ud_setup(&u))
					return;
			}
	ud_destroy(&u);
}

/* ---- atomics ---- */

struct athread {
	pthread_t tid;
	int idx;
	struct pair p;
	uint64_t *res;		/* result slots, in the client's results MR */
	uint64_t *won;		/* CAS: old values of the successful swaps */
	long tries;
	char err[256];
};

static struct {
	uint64_t *page;		/* server memory; the counter is page[3] */
	uint64_t *res;		/* client memory, faa_n slots per thread */
	struct ibv_mr *cmr, *rmr;
	int cas;		/* which phase the threads run */
	pthread_barrier_t go;
	struct athread t[NTHREADS];
} at;

static int atomic_post(struct athread *t, uint64_t wr_id, uint64_t *slot,
		       uint64_t compare_add, uint64_t swap)
{
	struct ibv_sge sge = {
		.addr = (uintptr_t)slot, .length = 8, .lkey = at.rmr->lkey,
	};
	struct ibv_send_wr wr = {
		.wr_id = wr_id, .sg_list = &sge, .num_sge = 1,
		.opcode = at.cas ? IBV_WR_ATOMIC_CMP_AND_SWP :
				   IBV_WR_ATOMIC_FETCH_AND_ADD,
		.send_flags = IBV_SEND_SIGNALED,
	};
	struct ibv_send_wr *bad;
	int ret;

	wr.wr.atomic.remote_addr = (uintptr_t)&at.page[3];
	wr.wr.atomic.rkey = at.cmr->rkey;
	wr.wr.atomic.compare_add = compare_add;
	wr.wr.atomic.swap = swap;
	errno = 0;
	ret = ibv_post_send(t->p.c.qp, &wr, &bad);
	if (ret)
		snprintf(t->err, sizeof(t->err), "ibv_post_send: %s",
			 strerror(verr(ret)));
	return ret ? -1 : 0;
}

static int atomic_wait(struct athread *t, uint64_t wr_id)
{
	int opcode = at.cas ? IBV_WC_COMP_SWAP : IBV_WC_FETCH_ADD;
	struct ibv_wc wc;

	if (wait_wc(t->p.c.scq, &wc)) {
		snprintf(t->err, sizeof(t->err),
			 "no completion for wr %llu within %.0f s",
			 (unsigned long long)wr_id, opt.timeout);
		return -1;
	}
	if (wc.wr_id == wr_id && wc.status == IBV_WC_SUCCESS &&
	    (int)wc.opcode == opcode && wc.byte_len == 8)
		return 0;
	snprintf(t->err, sizeof(t->err),
		 "completion wr_id %llu status %s (%d) opcode %d byte_len %u, want wr_id %llu success opcode %d byte_len 8",
		 (unsigned long long)wc.wr_id, ibv_wc_status_str(wc.status),
		 wc.status, wc.opcode, wc.byte_len, (unsigned long long)wr_id,
		 opcode);
	return -1;
}

/* faa_n fetch-and-adds of 1, up to --window in flight. */
static void faa_run(struct athread *t)
{
	long posted = 0, done = 0;

	while (done < opt.faa_n) {
		while (posted < opt.faa_n && posted - done < opt.window) {
			if (atomic_post(t, posted, &t->res[posted], 1, 0))
				return;
			posted++;
		}
		if (atomic_wait(t, done))
			return;
		done++;
	}
}

/* cas_n successful compare-and-swap increments, retrying on a miss. */
static void cas_run(struct athread *t)
{
	uint64_t guess = 0, old;
	long won = 0;

	while (won < opt.cas_n) {
		if (++t->tries > 1000L * opt.cas_n) {
			snprintf(t->err, sizeof(t->err),
				 "%ld tries for %ld swaps", t->tries, won);
			return;
		}
		if (atomic_post(t, t->tries, &t->res[0], guess, guess + 1) ||
		    atomic_wait(t, t->tries))
			return;
		old = t->res[0];
		if (old == guess)
			t->won[won++] = old;
		guess = old == guess ? guess + 1 : old;
	}
}

static void *athread_main(void *arg)
{
	struct athread *t = arg;

	pthread_barrier_wait(&at.go);
	if (at.cas)
		cas_run(t);
	else
		faa_run(t);
	return NULL;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* @v (@n values, sorted here) must be exactly 0..n-1. */
static void check_perm(struct chk *c, uint64_t *v, long n)
{
	long i;

	qsort(v, n, sizeof(*v), cmp_u64);
	for (i = 0; i < n; i++) {
		if (v[i] == (uint64_t)i)
			continue;
		if (i && v[i] == v[i - 1])
			chk_bad(c, "old value %llu returned twice",
				(unsigned long long)v[i]);
		else
			chk_bad(c, "old value %ld never returned (got %llu instead)",
				i, (unsigned long long)v[i]);
		return;
	}
}

/*
 * Run one phase in all threads, each on a fresh QP pair (a failed phase
 * leaves its QPs in ERR); their errors go to @c.
 */
static void atomic_phase(struct chk *c, int cas)
{
	int i;

	for (i = 0; i < NTHREADS; i++)
		if (pair_create(c, &at.t[i].p, ACK_TIMEOUT, RETRY_CNT))
			goto out;
	at.cas = cas;
	at.page[3] = 0;
	memset(at.res, 0xff, (size_t)NTHREADS * opt.faa_n * 8);
	pthread_barrier_init(&at.go, NULL, NTHREADS);
	for (i = 0; i < NTHREADS; i++) {
		at.t[i].err[0] = 0;
		at.t[i].tries = 0;
		if (pthread_create(&at.t[i].tid, NULL, athread_main, &at.t[i]))
			die("pthread_create");
	}
	for (i = 0; i < NTHREADS; i++) {
		pthread_join(at.t[i].tid, NULL);
		if (at.t[i].err[0])
			chk_bad(c, "requester %d: %s", i, at.t[i].err);
	}
	pthread_barrier_destroy(&at.go);
out:
	for (i = 0; i < NTHREADS; i++)
		pair_destroy(&at.t[i].p);
}

static void faa_check(void)
{
	long n = (long)NTHREADS * opt.faa_n;
	uint64_t *v = malloc(n * sizeof(*v));
	struct chk c;

	chk_start(&c, "atomic fetch_add: %d requesters x %d on one counter, %d in flight each",
		  NTHREADS, opt.faa_n, opt.window);
	if (!v)
		die("malloc");
	atomic_phase(&c, 0);
	memcpy(v, at.res, n * sizeof(*v));
	check_perm(&c, v, n);
	if (at.page[3] != (uint64_t)n)
		chk_bad(&c, "counter %llu, want %ld",
			(unsigned long long)at.page[3], n);
	free(v);
	chk_end(&c);
}

static void cas_check(void)
{
	long n = (long)NTHREADS * opt.cas_n, tries = 0, i;
	uint64_t *v = malloc(n * sizeof(*v));
	struct chk c;

	if (!v)
		die("malloc");
	chk_start(&c, "atomic cmp_swap");	/* named after the run */
	atomic_phase(&c, 1);
	for (i = 0; i < NTHREADS; i++) {
		memcpy(v + i * opt.cas_n, at.t[i].won, opt.cas_n * sizeof(*v));
		tries += at.t[i].tries;
	}
	snprintf(c.name, sizeof(c.name),
		 "atomic cmp_swap: %d requesters x %d increments on one counter (%ld tries)",
		 NTHREADS, opt.cas_n, tries);
	check_perm(&c, v, n);
	if (at.page[3] != (uint64_t)n)
		chk_bad(&c, "counter %llu, want %ld successful swaps",
			(unsigned long long)at.page[3], n);
	free(v);
	chk_end(&c);
}

static int atomic_setup(struct chk *c)
{
	size_t rlen = (size_t)NTHREADS * opt.faa_n * 8;
	int i;

	at.page = aligned_alloc(4096, 4096);
	at.res = aligned_alloc(4096, (rlen + 4095) & ~4095UL);
	if (!at.page || !at.res)
		die("aligned_alloc");
	at.cmr = ibv_reg_mr(srv.pd, at.page, 4096, ACCESS_ALL);
	at.rmr = ibv_reg_mr(cli.pd, at.res, rlen, ACCESS_ALL);
	if (!at.cmr || !at.rmr) {
		chk_bad(c, "ibv_reg_mr: %s", strerror(errno));
		return -1;
	}
	for (i = 0; i < NTHREADS; i++) {
		at.t[i].idx = i;
		at.t[i].res = at.res + (size_t)i * opt.faa_n;
		at.t[i].won = calloc(opt.cas_n, sizeof(uint64_t));
		if (!at.t[i].won)
			die("calloc");
	}
	return 0;
}

static void atomic_teardown(void)
{
	int i;

	for (i = 0; i < NTHREADS; i++)
		free(at.t[i].won);
	if (at.cmr)
		ibv_dereg_mr(at.cmr);
	if (at.rmr)
		ibv_dereg_mr(at.rmr);
	free(at.page);
	free(at.res);
	memset(&at, 0, sizeof(at));
}

static void atomic_group(void)
{
	struct chk c;

	chk_start(&c, "atomic: setup of the counter and result MRs");
	if (atomic_setup(&c)) {
		chk_end(&c);
	} else {
		faa_check();
		cas_check();
	}
	atomic_teardown();
}

/* ---- error completions ---- */

static void expect_qp_err(struct chk *c, struct ibv_qp *qp)
{
	struct ibv_qp_init_attr ia;
	struct ibv_qp_attr a;
	int ret;

	ret = ibv_query_qp(qp, &a, IBV_QP_STATE, &ia);
	if (ret)
		chk_bad(c, "ibv_query_qp: %s", strerror(verr(ret)));
	else if (a.qp_state != IBV_QPS_ERR)
		chk_bad(c, "QP state %d after the error, want IBV_QPS_ERR (%d)",
			a.qp_state, IBV_QPS_ERR);
}

/*
 * After @wr (posted with a receive on the client QP and a SEND behind
 * it) failed with @status: the SEND and the receive flush, the QP is in
 * ERR, and a SEND posted now flushes too.
 */
static void expect_flushed(struct chk *c, struct pair *p)
{
	struct ibv_send_wr wr;
	struct ibv_wc wc;
	struct sgl none = { 0 };

	expect_wc(c, "the WR posted behind it", p->c.scq, &wc, 2,
		  IBV_WC_WR_FLUSH_ERR, -1);
	expect_wc(c, "the posted receive", p->c.rcq, &wc, 3,
		  IBV_WC_WR_FLUSH_ERR, -1);
	expect_qp_err(c, p->c.qp);
	wr_init(&wr, 4, IBV_WR_SEND, &none);
	if (!post_send1(c, p->c.qp, &wr))
		expect_wc(c, "a WR posted after the error", p->c.scq, &wc, 4,
			  IBV_WC_WR_FLUSH_ERR, -1);
}

/*
 * Post @first on the client QP with a receive (wr_id 3) before it and a
 * SEND (wr_id 2) behind it; @first (wr_id 1) must fail with @status.
 */
static void fail_first(struct chk *c, struct pair *p, struct ibv_send_wr *first,
		       enum ibv_wc_status status)
{
	struct sgl none = { 0 }, rl;
	struct ibv_send_wr second;
	struct ibv_wc wc;

	sgl_make(&rl, &cli, 0, 1, recv_w, 64);
	if (post_recv1(c, p->c.qp, 3, &rl))
		return;
	wr_init(&second, 2, IBV_WR_SEND, &none);
	first->wr_id = 1;
	first->next = &second;
	if (post_send1(c, p->c.qp, first) ||
	    expect_wc(c, "the bad WR", p->c.scq, &wc, 1, status, -1))
		return;
	expect_flushed(c, p);
}

/* An RDMA WRITE of @size bytes (1 or more packets) with a wrong rkey. */
static void err_bad_rkey(size_t size)
{
	uint8_t *dst = srv.buf[1] + GUARD;
	struct ibv_send_wr wr;
	struct sgl src;
	struct pair p;
	struct chk c;

	chk_start(&c, "error: rdma_write of %zu bytes with a wrong rkey -> IBV_WC_REM_ACCESS_ERR, QP in ERR, rest flushed",
		  size);
	if (pair_create(&c, &p, ACK_TIMEOUT, RETRY_CNT))
		goto out;
	pattern(msg, size, 77);
	sgl_make(&src, &cli, size, 1, send_w, 0);
	sgl_copy(&src, msg, size, 1);
	range_prefill(dst, msg, 0, size);
	wr_init(&wr, 1, IBV_WR_RDMA_WRITE, &src);
	wr.wr.rdma.remote_addr = (uintptr_t)dst;
	wr.wr.rdma.rkey = srv.mr[1]->rkey ^ 0x80;	/* another key tag */
	fail_first(&c, &p, &wr, IBV_WC_REM_ACCESS_ERR);
	range_check(&c, "target memory", dst, msg, 0, size);
	pair_destroy(&p);
out:
	chk_end(&c);
}

static void err_read_beyond(void)
{
	uint8_t *end = srv.buf[1] + MR_LEN;
	struct ibv_send_wr wr;
	struct sgl dst;
	struct pair p;
	struct chk c;

	chk_start(&c, "error: rdma_read of 16 bytes at 8 before the MR's end -> IBV_WC_REM_ACCESS_ERR, QP in ERR, rest flushed");
	if (pair_create(&c, &p, ACK_TIMEOUT, RETRY_CNT))
		goto out;
	sgl_make(&dst, &cli, 16, 1, recv_w, 0);
	sgl_prefill(&dst, msg, 0);
	wr_init(&wr, 1, IBV_WR_RDMA_READ, &dst);
	wr.wr.rdma.remote_addr = (uintptr_t)(end - 8);
	wr.wr.rdma.rkey = srv.mr[1]->rkey;
	fail_first(&c, &p, &wr, IBV_WC_REM_ACCESS_ERR);
	sgl_check(&c, "local buffer", &dst, msg, 0);
	pair_destroy(&p);
out:
	chk_end(&c);
}

/* A 3-packet SEND into a receive of MTU+10 bytes: the second overflows. */
static void err_send_too_long(void)
{
	size_t rlen = mtu_bytes + 10, slen = 2 * mtu_bytes + 1;
	struct ibv_send_wr wr;
	struct sgl src, dst;
	struct ibv_wc wc;
	struct pair p;
	struct chk c;

	chk_start(&c, "error: send of %zu bytes into a %zu-byte receive -> IBV_WC_REM_INV_REQ_ERR / IBV_WC_LOC_LEN_ERR",
		  slen, rlen);
	if (pair_create(&c, &p, ACK_TIMEOUT, RETRY_CNT))
		goto out;
	pattern(msg, slen, 78);
	sgl_make(&src, &cli, slen, 1, send_w, 0);
	sgl_copy(&src, msg, slen, 1);
	sgl_make(&dst, &srv, rlen, 1, recv_w, 0);
	sgl_prefill(&dst, msg, rlen);
	if (!post_recv1(&c, p.s.qp, 5, &dst)) {
		wr_init(&wr, 0, IBV_WR_SEND, &src);
		fail_first(&c, &p, &wr, IBV_WC_REM_INV_REQ_ERR);
		expect_wc(&c, "the receive", p.s.rcq, &wc, 5,
			  IBV_WC_LOC_LEN_ERR, -1);
		/* Whatever landed inside, nothing past the receive buffer. */
		cmp_guard(&c, "receive buffer",
			  (uint8_t *)(uintptr_t)dst.sge[0].addr, rlen,
			  rlen + GUARD);
	}
	pair_destroy(&p);
out:
	chk_end(&c);
}

/*
 * The peer QP goes away (0), to RESET (1) or to ERR (2) before a send.
 * Timeout 5 is 4.096 us << 5 = 131 us (drivers may round it up; rxe_lite
 * waits 10 ms at least): 3 expirations must end in a few seconds at most.
 */
static void err_retry_exc(int how)
{
	static const char *const hows[] = { "destroyed", "reset", "in ERR" };
	struct sgl src, none = { 0 };
	struct ibv_send_wr wr, wr2;
	struct ibv_qp_attr a;
	struct ibv_wc wc;
	struct pair p;
	struct chk c;
	double t0, t;

	chk_start(&c, "error: peer QP %s, timeout 5, retry_cnt 2 -> IBV_WC_RETRY_EXC_ERR",
		  hows[how]);
	if (pair_create(&c, &p, 5, 2))
		goto out;
	memset(&a, 0, sizeof(a));
	a.qp_state = how == 1 ? IBV_QPS_RESET : IBV_QPS_ERR;
	if (how == 0) {
		ibv_destroy_qp(p.s.qp);
		p.s.qp = NULL;
	} else if (modify(&c, p.s.qp, &a, IBV_QP_STATE, hows[how])) {
		goto destroy;
	}
	sgl_make(&src, &cli, 64, 1, send_w, 0);
	wr_init(&wr, 1, IBV_WR_SEND, &src);
	wr_init(&wr2, 2, IBV_WR_SEND, &none);
	wr.next = &wr2;
	t0 = now();
	if (post_send1(&c, p.c.qp, &wr) ||
	    expect_wc(&c, "the send", p.c.scq, &wc, 1, IBV_WC_RETRY_EXC_ERR, -1))
		goto destroy;
	t = now() - t0;
	snprintf(c.name + strlen(c.name), sizeof(c.name) - strlen(c.name),
		 " after %.2f s", t);
	if (t > 5)
		chk_bad(&c, "after %.2f s, want 3 timeouts of 131 us (at most 5 s)",
			t);
	expect_wc(&c, "the WR behind it", p.c.scq, &wc, 2,
		  IBV_WC_WR_FLUSH_ERR, -1);
	expect_qp_err(&c, p.c.qp);
destroy:
	pair_destroy(&p);
out:
	chk_end(&c);
}

static void error_group(void)
{
	err_bad_rkey(64);
	err_bad_rkey(2 * mtu_bytes + 1);
	err_read_beyond();
	err_send_too_long();
	err_retry_exc(0);
	err_retry_exc(1);
	err_retry_exc(2);
}

/* ---- SQD ---- */

#define SQD_SIZE	(256 << 10)
#define SQD_BEFORE	4		/* WRITEs posted before SQD */
#define SQD_ALL		6		/* ... and 2 posted in SQD */

/*
 * The next QP event on @ctx's async fd must be @type for @qp (port and
 * GID events, which are the device's, are passed over). 0 or -1.
 */
static int expect_qp_event(struct chk *c, struct ibv_context *ctx,
			   struct ibv_qp *qp, enum ibv_event_type type)
{
	struct pollfd pfd = { .fd = ctx->async_fd, .events = POLLIN };
	double end = now() + opt.timeout;
	struct ibv_async_event ev;
	int n;

	for (;;) {
		n = poll(&pfd, 1, (int)((end - now()) * 1000) + 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			chk_bad(c, "no %s event within %.0f s%s",
				ibv_event_type_str(type), opt.timeout,
				n < 0 ? " (poll failed)" : "");
			return -1;
		}
		if (ibv_get_async_event(ctx, &ev)) {
			chk_bad(c, "ibv_get_async_event: %s", strerror(errno));
			return -1;
		}
		ibv_ack_async_event(&ev);
		switch (ev.event_type) {
		case IBV_EVENT_PORT_ACTIVE:
		case IBV_EVENT_PORT_ERR:
		case IBV_EVENT_GID_CHANGE:
			continue;
		default:
			break;
		}
		if (ev.event_type == type && ev.element.qp == qp)
			return 0;
		chk_bad(c, "async event %s (%d), want %s for the client QP",
			ibv_event_type_str(ev.event_type), ev.event_type,
			ibv_event_type_str(type));
		return -1;
	}
}

/* WRITE @i of the SQD check: its source, its target, its pattern. */
static uint8_t *sqd_src(int i)
{
	return cli.buf[i % NSGE] + GUARD + i / NSGE * (SQD_SIZE + 2 * GUARD);
}

static uint8_t *sqd_dst(int i)
{
	return srv.buf[i % NSGE] + GUARD + i / NSGE * (SQD_SIZE + 2 * GUARD);
}

static void sqd_prepare(int i, struct ibv_send_wr *wr, struct ibv_sge *sge)
{
	pattern(msg, SQD_SIZE, seed_of(9, SQD_SIZE, i));
	memcpy(sqd_src(i), msg, SQD_SIZE);
	range_prefill(sqd_dst(i), msg, SQD_SIZE, SQD_SIZE);
	sge->addr = (uintptr_t)sqd_src(i);
	sge->length = SQD_SIZE;
	sge->lkey = cli.mr[i % NSGE]->lkey;
	memset(wr, 0, sizeof(*wr));
	wr->wr_id = i + 1;
	wr->opcode = IBV_WR_RDMA_WRITE;
	wr->sg_list = sge;
	wr->num_sge = 1;
	wr->send_flags = IBV_SEND_SIGNALED;
	wr->wr.rdma.remote_addr = (uintptr_t)sqd_dst(i);
	wr->wr.rdma.rkey = srv.mr[i % NSGE]->rkey;
}

/* WRITE @i landed (@done) or its target is untouched (!@done). */
static void sqd_target(struct chk *c, int i, int done)
{
	char what[64];
	size_t k;

	pattern(msg, SQD_SIZE, seed_of(9, SQD_SIZE, i));
	/* Untouched: still the complement range_prefill() put there. */
	for (k = 0; !done && k < SQD_SIZE; k++)
		msg[k] = ~msg[k];
	snprintf(what, sizeof(what), "write %d target (%s)", i + 1,
		 done ? "written" : "untouched");
	range_check(c, what, sqd_dst(i), msg, SQD_SIZE, SQD_SIZE);
}

/*
 * Drain the SQ with @before WRITEs posted (0: an idle QP), post the rest
 * in SQD, check the drained state, resume and check everything.
 */
static void sqd_check(int before)
{
	struct ibv_send_wr wr[SQD_ALL];
	struct ibv_sge sge[SQD_ALL];
	struct ibv_qp_init_attr ia;
	struct ibv_qp_attr a;
	struct ibv_wc wc;
	struct pair p;
	struct chk c;
	int i, k, ret;

	chk_start(&c, "sqd: %d rdma_writes of %d KiB posted, SQD -> IBV_EVENT_SQ_DRAINED, %d posted in SQD wait for RTS",
		  before, SQD_SIZE >> 10, SQD_ALL - before);
	if (pair_create(&c, &p, ACK_TIMEOUT, RETRY_CNT))
		goto out;
	for (i = 0; i < SQD_ALL; i++) {
		sqd_prepare(i, &wr[i], &sge[i]);
		if (i && i != before)
			wr[i - 1].next = &wr[i];
	}
	if (before && post_send1(&c, p.c.qp, &wr[0]))
		goto destroy;
	memset(&a, 0, sizeof(a));
	a.qp_state = IBV_QPS_SQD;
	a.en_sqd_async_notify = 1;
	if (modify(&c, p.c.qp, &a, IBV_QP_STATE | IBV_QP_EN_SQD_ASYNC_NOTIFY,
		   "RTS -> SQD") ||
	    post_send1(&c, p.c.qp, &wr[before]) ||
	    expect_qp_event(&c, cli.ctx, p.c.qp, IBV_EVENT_SQ_DRAINED))
		goto destroy;

	/* Drained: the completions of what began are all there already. */
	for (k = 0; k < SQD_ALL; k++) {
		ret = ibv_poll_cq(p.c.scq, 1, &wc);
		if (ret <= 0)
			break;
		if (wc.wr_id != (uint64_t)k + 1 || wc.status != IBV_WC_SUCCESS) {
			chk_bad(&c, "completion %d when drained: wr_id %llu status %s, want wr_id %d success",
				k + 1, (unsigned long long)wc.wr_id,
				ibv_wc_status_str(wc.status), k + 1);
			goto destroy;
		}
	}
	snprintf(c.name + strlen(c.name), sizeof(c.name) - strlen(c.name),
		 " (%d done when drained)", k);
	if (k > before)
		chk_bad(&c, "%d WRITEs completed in SQD, only %d were posted before it",
			k, before);
	usleep(100 * 1000);
	if (ibv_poll_cq(p.c.scq, 1, &wc) > 0)
		chk_bad(&c, "wr_id %llu completed after SQ_DRAINED, in SQD",
			(unsigned long long)wc.wr_id);
	for (i = 0; i < SQD_ALL; i++)
		sqd_target(&c, i, i < k);
	ret = ibv_query_qp(p.c.qp, &a, IBV_QP_STATE, &ia);
	if (ret)
		chk_bad(&c, "ibv_query_qp: %s", strerror(verr(ret)));
	else if (a.qp_state != IBV_QPS_SQD)
		chk_bad(&c, "QP state %d when drained, want IBV_QPS_SQD (%d)",
			a.qp_state, IBV_QPS_SQD);

	/* A drained QP's attributes may change; then it sends again. */
	memset(&a, 0, sizeof(a));
	a.qp_state = IBV_QPS_SQD;
	a.timeout = ACK_TIMEOUT - 1;
	if (modify(&c, p.c.qp, &a, IBV_QP_STATE | IBV_QP_TIMEOUT,
		   "SQD -> SQD, new timeout"))
		goto destroy;
	a.qp_state = IBV_QPS_RTS;
	if (modify(&c, p.c.qp, &a, IBV_QP_STATE, "SQD -> RTS"))
		goto destroy;
	for (i = k; i < SQD_ALL; i++)
		if (expect_wc(&c, "a WRITE after RTS", p.c.scq, &wc, i + 1,
			      IBV_WC_SUCCESS, IBV_WC_RDMA_WRITE))
			goto destroy;
	for (i = 0; i < SQD_ALL; i++)
		sqd_target(&c, i, 1);
destroy:
	pair_destroy(&p);
out:
	chk_end(&c);
}

/*
 * A SEND begun in RTS and held by RNR NAKs (no receive posted) keeps the
 * SQ draining: no SQ_DRAINED while it waits; once receives are posted it
 * completes and SQ_DRAINED comes; the SEND posted in SQD waits for RTS.
 */
static void sqd_rnr_check(void)
{
	struct pollfd pfd = { .fd = cli.ctx->async_fd, .events = POLLIN };
	struct sgl src[2], dst[2];
	struct ibv_send_wr wr[2];
	struct ibv_qp_attr a;
	struct ibv_wc wc;
	struct pair p;
	struct chk c;
	int i;

	chk_start(&c, "sqd: a send held by RNR NAKs keeps the SQ draining; SQ_DRAINED once it completes, the send posted in SQD waits for RTS");
	if (pair_create(&c, &p, ACK_TIMEOUT, RETRY_CNT))
		goto out;
	for (i = 0; i < 2; i++) {
		pattern(msg, 64, seed_of(10, 64, i));
		sgl_make(&src[i], &cli, 64, 1, send_w, 0);
		src[i].sge[0].addr += i * 1024;
		sgl_copy(&src[i], msg, 64, 1);
		sgl_make(&dst[i], &srv, 64, 1, recv_w, 0);
		dst[i].sge[0].addr += i * 1024;
		sgl_prefill(&dst[i], msg, 64);
		wr_init(&wr[i], i + 1, IBV_WR_SEND, &src[i]);
	}
	memset(&a, 0, sizeof(a));
	a.qp_state = IBV_QPS_SQD;
	a.en_sqd_async_notify = 1;
	if (post_send1(&c, p.c.qp, &wr[0]) ||
	    modify(&c, p.c.qp, &a, IBV_QP_STATE | IBV_QP_EN_SQD_ASYNC_NOTIFY,
		   "RTS -> SQD") ||
	    post_send1(&c, p.c.qp, &wr[1]))
		goto destroy;
	if (poll(&pfd, 1, 300) != 0) {
		chk_bad(&c, "an async event (or poll error) while the first send is held by RNR NAKs");
		goto destroy;
	}
	if (ibv_poll_cq(p.c.scq, 1, &wc) != 0) {
		chk_bad(&c, "a send completion while no receive was posted");
		goto destroy;
	}
	if (post_recv1(&c, p.s.qp, 1, &dst[0]) ||
	    post_recv1(&c, p.s.qp, 2, &dst[1]) ||
	    expect_qp_event(&c, cli.ctx, p.c.qp, IBV_EVENT_SQ_DRAINED) ||
	    expect_wc(&c, "the first send", p.c.scq, &wc, 1, IBV_WC_SUCCESS,
		      IBV_WC_SEND) ||
	    expect_wc(&c, "its receive", p.s.rcq, &wc, 1, IBV_WC_SUCCESS,
		      IBV_WC_RECV))
		goto destroy;
	usleep(100 * 1000);
	if (ibv_poll_cq(p.c.scq, 1, &wc) != 0 ||
	    ibv_poll_cq(p.s.rcq, 1, &wc) != 0) {
		chk_bad(&c, "the send posted in SQD completed before RTS");
		goto destroy;
	}
	a.qp_state = IBV_QPS_RTS;
	if (modify(&c, p.c.qp, &a, IBV_QP_STATE, "SQD -> RTS") ||
	    expect_wc(&c, "the second send", p.c.scq, &wc, 2, IBV_WC_SUCCESS,
		      IBV_WC_SEND) ||
	    expect_wc(&c, "its receive", p.s.rcq, &wc, 2, IBV_WC_SUCCESS,
		      IBV_WC_RECV))
		goto destroy;
	for (i = 0; i < 2; i++) {
		pattern(msg, 64, seed_of(10, 64, i));
		sgl_check(&c, i ? "second receive" : "first receive", &dst[i],
			  msg, 64);
	}
destroy:
	pair_destroy(&p);
out:
	chk_end(&c);
}

static void sqd_group(void)
{
	sqd_check(SQD_BEFORE);
	sqd_check(0);
	sqd_rnr_check();
}

/* ---- main ---- */

static void usage(const char *prog)
{
	fprintf(stderr, "usage: %s [--rc-only] [--only GROUPS] [--window N] [--timeout S] CLIENT_DEV SERVER_DEV GID_INDEX\n"
		"groups: %s\n", prog, groups);
	exit(2);
}

static long parse(const char *s, const char *prog, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 0);
	if (errno || end == s || *end || v < min || v > max)
		usage(prog);
	return v;
}

static void parse_args(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "rc-only", no_argument, NULL, 'r' },
		{ "only", required_argument, NULL, 'o' },
		{ "window", required_argument, NULL, 'w' },
		{ "timeout", required_argument, NULL, 't' },
		{ 0 }
	};
	int ch;

	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (ch) {
		case 'r':
			opt.rc_only = 1;
			break;
		case 'o':
			opt.only = optarg;
			break;
		case 'w':
			opt.window = parse(optarg, argv[0], 1, QP_WR);
			break;
		case 't':
			opt.timeout = parse(optarg, argv[0], 1, 3600);
			break;
		default:
			usage(argv[0]);
		}
	}
	if (argc - optind != 3)
		usage(argv[0]);
	opt.gid_index = parse(argv[optind + 2], argv[0], 0, 255);
}

int main(int argc, char **argv)
{
	double t0 = now();

	parse_args(argc, argv);
	setvbuf(stdout, NULL, _IOLBF, 0);
	side_open(&cli, argv[optind]);
	side_open(&srv, argv[optind + 1]);
	mtu_bytes = 128u << (cli.mtu < srv.mtu ? cli.mtu : srv.mtu);
	rc_sizes[0] = 0;
	rc_sizes[1] = 1;
	rc_sizes[2] = mtu_bytes - 1;
	rc_sizes[3] = mtu_bytes;
	rc_sizes[4] = mtu_bytes + 1;
	rc_sizes[5] = MAX_MSG;
	printf("integrity: client %s, server %s, GID %d, path MTU %u%s\n",
	       cli.dev, srv.dev, opt.gid_index, mtu_bytes,
	       opt.rc_only ? ", RC only" : "");

	if (want("send")) {
		rc_group("send", 2, send_variant, rc_sizes, 6);
		rc_group("send inline", 2, inline_variant, inline_sizes, 3);
	}
	if (want("write"))
		rc_group("write", 2, rc_write, rc_sizes, 6);
	if (want("read"))
		rc_group("read", 1, rc_read, rc_sizes, 6);
	if (want("ud") && !opt.rc_only)
		ud_group();
	if (want("atomic"))
		atomic_group();
	if (want("error"))
		error_group();
	if (want("sqd"))
		sqd_group();

	side_close(&cli);
	side_close(&srv);
	printf("integrity: %s -> %s: %d checks, %d failed (%.1f s)\n", cli.dev,
	       srv.dev, nchecks, nfailed, now() - t0);
	return nfailed ? 1 : 0;
}
