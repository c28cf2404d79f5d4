// SPDX-License-Identifier: GPL-2.0
/*
 * abi_fuzz: a seeded, reproducible fuzzer of the uverbs write() ABI.
 *
 *   abi_fuzz [-c CHILD] [-v] DEVNODE SEED NPROCS COUNT
 *
 * The parent forks NPROCS children and prints a summary table at the end;
 * it exits 0 only if every child did. Child i draws every decision from its
 * own xorshift64* generator seeded with SEED*1000+i, opens DEVNODE, sends a
 * valid GET_CONTEXT and then writes its share of COUNT command buffers:
 *
 *   45%  a valid-looking template of a command of <rdma/ib_user_verbs.h>
 *        (the rxe driver's response sizes included), with handles from a
 *        pool of those this child's creates returned, of the wrong type,
 *        small or random;
 *   40%  such a template with 1-3 mutations: bit flips, a random field,
 *        wrong in_words/out_words/provider words, truncated, extended with
 *        zero or random bytes, the command word changed, the response at
 *        NULL/unmapped/kernel/read-only memory or running into a hole, the
 *        write buffer itself ending in (or being) unmapped memory;
 *   15%  random bytes with a random command number, or a known one.
 *
 * Now and then a child also mmap()s an fd at a random offset (touches the
 * first byte and unmaps it), closes every fd but stdio and the device fd
 * (async fds, comp channels, whatever else the kernel gave it), or closes
 * the device fd and reopens it, sending GET_CONTEXT at once or after a few
 * fuzzed commands (which then find no context). REG_MR/REREG_MR buffers are
 * clamped, whatever produced them: start NULL or inside the child's own
 * fixed arena, length at most 4 MiB; the guest's RAM is never pinned.
 *
 * A write() must return exactly its count or fail with an allowed errno
 * (allowed_errno()), and a failed one must not leave a new fd behind; a
 * child must not die of a signal. On a failure the child prints the seed,
 * child index, iteration and a hex dump of the buffer and exits 1; if it
 * dies of a signal the parent prints the same from shared memory.
 *
 * Reproducing: all buffers live at fixed addresses (MAP_FIXED_NOREPLACE)
 * and the generator draws the same number of values whatever the kernel
 * answers, so a seed always gives the same decisions; only handle and fd
 * values come from the kernel's answers (same kernel => same bytes).
 * Re-run with the same DEVNODE SEED NPROCS COUNT, or `-c I` to run only
 * child I (the same buffers, alone); `-v` prints every write.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <rdma/ib_user_verbs.h>
#include <rdma/rdma_user_rxe.h>

#define EXT		IB_USER_VERBS_CMD_FLAG_EXTENDED
#define CMD(x)		IB_USER_VERBS_CMD_##x
#define XCMD(x)		(EXT | IB_USER_VERBS_EX_CMD_##x)
#define RSZ(x)		sizeof(struct x)
#define MAXBUF		4096			/* largest buffer we generate */
#define NERRNO		256			/* errno slots; [0] = success */
#define POOL		16			/* handles remembered per type */
#define NFD		16			/* kernel fds remembered */
#define FD_SWEEP_AT	512			/* close all fds once this many */
#define MAX_MR_LEN	(4UL << 20)		/* REG_MR never pins more */
#define KERNEL_ADDR	0xffff888000000000ULL	/* the direct map */
#define SENTINEL	0x5eb7e1e15eb7e1e1ULL	/* response not written */

/*
 * The child's fixed arena. Holes are unmapped, so a pointer into one is
 * "unmapped" and a buffer ending at one runs into unmapped memory.
 */
#define PAGE		4096UL
#define ARENA_BASE	0x3f0000000000UL
#define CMD_OFF		0			/* 2 pages: write() buffers */
#define HOLE1_OFF	(2 * PAGE)
#define RESP_OFF	(3 * PAGE)		/* 2 pages: responses */
#define RESP_SIZE	(2 * PAGE)
#define HOLE2_OFF	(5 * PAGE)
#define RO_OFF		(6 * PAGE)		/* 1 read-only page */
#define HOLE3_OFF	(7 * PAGE)
#define MR_OFF		(8 * PAGE)		/* memory REG_MR may name */
#define MR_SIZE		(6UL << 20)
#define ARENA_SIZE	(MR_OFF + MR_SIZE)

static uint64_t arena = ARENA_BASE;		/* where it really is */
#define AT(off)		(arena + (off))
#define RESP		AT(RESP_OFF)

/* ---- the generator ------------------------------------------------- */

struct rng {
	uint64_t s;
};

static uint64_t splitmix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static void rng_seed(struct rng *r, uint64_t seed)
{
	r->s = splitmix64(seed) ?: 1;
}

/* xorshift64* */
static uint64_t rng_next(struct rng *r)
{
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * 0x2545f4914f6cdd1dULL;
}

/* ---- per-child state and the stats shared with the parent ---------- */

enum kind { K_PD, K_AH, K_MR, K_MW, K_CQ, K_QP, K_SRQ, NKIND, K_FD = NKIND, K_NONE };

enum where {		/* where the write() buffer is */
	W_CMD,		/* the command area */
	W_TAIL_HOLE,	/* its last bytes are unmapped */
	W_NULL,
	W_KERNEL,
};

struct msg {
	uint8_t b[MAXBUF];
	size_t len;		/* bytes we generated */
	size_t tail;		/* unmapped bytes after them (W_TAIL_HOLE) */
	size_t count;		/* write() count: len + tail */
	enum where where;
	int tmpl;		/* template index, -1 for random */
	char mode;		/* 'v'alid, 'm'utated, 'r'andom */
};

#define NTMPL_MAX 40

struct stats {
	long iter;			/* iteration running now */
	long res[NERRNO];		/* write(): [0] = ok, [e] = errno e */
	long mmap_res[NERRNO];		/* mmap(): the same */
	long valid_sent[NTMPL_MAX];	/* unmutated templates */
	long valid_ok[NTMPL_MAX];
	long sweeps, reopens, touch_faults;
	struct msg last;		/* the buffer being written */
};

struct child {
	int idx;
	uint64_t seed;
	long n;
	bool verbose;
	struct rng rng;
	int devfd, asyncfd;
	bool have_ctx;			/* devfd has a user context */
	unsigned ctx_pending;		/* writes before our GET_CONTEXT */
	int free_fd;			/* the fd the kernel would give next */
	uint32_t pool[NKIND][POOL];
	unsigned npool[NKIND], next[NKIND];
	int fds[NFD];			/* comp channels */
	unsigned nfds, nextfd;
	struct stats *st;
};

/* For the failure message. */
static const char *g_dev;
static unsigned long long g_seed;
static unsigned g_nprocs;
static unsigned long g_count;

static uint32_t rnd(struct child *c, uint64_t n)
{
	return n ? (uint32_t)((rng_next(&c->rng) >> 16) % n) : 0;
}

static bool chance(struct child *c, unsigned pct)
{
	return rnd(c, 100) < pct;
}

static const uint64_t interesting[] = {
	0, 1, 2, 3, 4, 7, 8, 0x10, 0x7f, 0x80, 0xff, 0x100, 0xfff, 0x1000,
	0x7fff, 0x8000, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xfffffffe,
	0xffffffff, 0x100000000ULL, 0x7fffffffffffffffULL,
	0x8000000000000000ULL, 0xffffffffffffffffULL,
};
#define NINTERESTING (sizeof(interesting) / sizeof(interesting[0]))

/* 0..max-1 mostly, an interesting value sometimes. Two draws. */
static uint32_t num(struct child *c, uint32_t max)
{
	uint32_t pick = rnd(c, 10), v = rnd(c, max);

	return pick ? v : (uint32_t)interesting[v % NINTERESTING];
}

/* ---- handle and fd pools ------------------------------------------- */

/*
 * A handle of @kind: from the pool mostly, else another type's, small or
 * random. Always two draws, so the sequence of decisions does not depend
 * on what the kernel answered.
 */
static uint32_t pick_handle(struct child *c, enum kind kind)
{
	uint64_t a = rng_next(&c->rng), b = rng_next(&c->rng);
	unsigned how = a % 100;
	unsigned other = (kind + 1 + b % (NKIND - 1)) % NKIND;

	if (how < 75 && c->npool[kind])
		return c->pool[kind][b % c->npool[kind]];
	if (how < 85 && c->npool[other])
		return c->pool[other][(b >> 8) % c->npool[other]];
	if (how < 95)
		return b % 32;
	return (uint32_t)b;
}

/* A comp channel fd: from the pool, -1, the async or device fd, random. */
static int32_t pick_fd(struct child *c)
{
	uint64_t a = rng_next(&c->rng), b = rng_next(&c->rng);
	unsigned how = a % 100;

	if (how < 50 && c->nfds)
		return c->fds[b % c->nfds];
	if (how < 75)
		return -1;
	if (how < 85)
		return c->asyncfd;
	if (how < 90)
		return c->devfd;
	return how < 95 ? (int32_t)(b % 64) : (int32_t)b;
}

static void pool_add(struct child *c, enum kind kind, uint32_t h)
{
	if (c->npool[kind] < POOL)
		c->pool[kind][c->npool[kind]++] = h;
	else
		c->pool[kind][c->next[kind]++ % POOL] = h;
}

static void pool_del(struct child *c, enum kind kind, uint32_t h)
{
	for (unsigned i = 0; i < c->npool[kind]; i++) {
		if (c->pool[kind][i] == h) {
			c->pool[kind][i] = c->pool[kind][--c->npool[kind]];
			return;
		}
	}
}

static void fd_add(struct child *c, int fd)
{
	if (fd <= 2 || fd == c->devfd)
		return;		/* not a new fd: never close these */
	if (c->nfds < NFD) {
		c->fds[c->nfds++] = fd;
	} else {
		unsigned slot = c->nextfd++ % NFD;

		close(c->fds[slot]);
		c->fds[slot] = fd;
	}
}

/* ---- building command buffers --------------------------------------- */

static void append(struct msg *m, const void *p, size_t len)
{
	if (!len)
		return;
	if (m->len + len > MAXBUF)
		len = MAXBUF - m->len;
	memcpy(m->b + m->len, p, len);
	m->len += len;
}

struct tmpl;
typedef void build_fn(struct child *c, struct msg *m, const struct tmpl *t);

struct tmpl {
	const char *name;
	uint32_t command;	/* with EXT for the extended ones */
	size_t resp;		/* response bytes: core + rxe's */
	size_t drv_out;		/* extended: provider response bytes */
	enum kind creates;	/* handle at the start of the response */
	enum kind destroys;	/* handle in the request at @hoff */
	size_t hoff;
	build_fn *build;
};

/* A legacy command: header, core request, driver request. */
static void legacy(struct msg *m, const struct tmpl *t, const void *req,
		   size_t req_len, const void *drv, size_t drv_len)
{
	struct ib_uverbs_cmd_hdr hdr = {
		.command = t->command,
		.in_words = (sizeof(hdr) + req_len + drv_len) / 4,
		.out_words = t->resp / 4,
	};

	append(m, &hdr, sizeof(hdr));
	append(m, req, req_len);
	append(m, drv, drv_len);
}

/* An extended command: header, extended header, core request. */
static void extended(struct msg *m, const struct tmpl *t, const void *req,
		     size_t req_len)
{
	struct ib_uverbs_cmd_hdr hdr = {
		.command = t->command,
		.in_words = req_len / 8,
		.out_words = t->resp / 8,
	};
	struct ib_uverbs_ex_cmd_hdr ex = {
		.response = t->resp || t->drv_out ? RESP : 0,
		.provider_out_words = t->drv_out / 8,
	};

	append(m, &hdr, sizeof(hdr));
	append(m, &ex, sizeof(ex));
	append(m, req, req_len);
}

/* Commands whose request is only the response address. */
static void b_resp_only(struct child *c, struct msg *m, const struct tmpl *t)
{
	uint64_t req = RESP;

	(void)c;
	legacy(m, t, &req, sizeof(req), NULL, 0);
}

/* Commands whose request is only the handle to destroy. */
static void b_handle_only(struct child *c, struct msg *m, const struct tmpl *t)
{
	uint32_t h = pick_handle(c, t->destroys);

	legacy(m, t, &h, sizeof(h), NULL, 0);
}

/* {response, handle, reserved}: DESTROY_CQ/QP/SRQ. */
static void b_destroy_resp(struct child *c, struct msg *m, const struct tmpl *t)
{
	struct ib_uverbs_destroy_cq req = {
		.response = RESP,
		.cq_handle = pick_handle(c, t->destroys),
	};

	legacy(m, t, &req, sizeof(req), NULL, 0);
}

static void b_query_port(struct child *c, struct msg *m, const struct tmpl *t)
{
	struct ib_uverbs_query_port req = {
		.response = RESP,
		.port_num = chance(c, 90) ? 1 : rnd(c, 256),
	};

	legacy(m, t, &req, sizeof(req), NULL, 0);
}

static void fill_gid(struct child *c, uint8_t gid[16])
{
	/* ::ffff:10.0.0.2, the veth peer, or anything. */
	static const uint8_t peer[16] = {
		[10] = 0xff, [11] = 0xff, [12] = 10, [15] = 2,
	};
	uint64_t r[2];

	r[0] = rng_next(&c->rng);
	r[1] = rng_next(&c->rng);
	if (chance(c, 80))
		memcpy(gid, peer, 16);
	else
		memcpy(gid, r, 16);
}

static void fill_ah_attr(struct child *c, struct ib_uverbs_ah_attr *a)
{
	fill_gid(c, a->grh.dgid);
	a->grh.flow_label = chance(c, 90) ? 0 : num(c, 1 << 20);
	a->grh.sgid_index = chance(c, 90) ? rnd(c, 2) : rnd(c, 256);
	a->grh.hop_limit = 64;
	a->grh.traffic_class = rnd(c, 4);
	a->sl = rnd(c, 8);
	a->static_rate = chance(c, 90) ? 0 : rnd(c, 256);
	a->is_global = chance(c, 90) ? 1 : rnd(c, 256);
	a->port_num = chance(c, 90) ? 1 : rnd(c, 256);
	a->dlid = chance(c, 90) ? 0 : num(c, 65536);
}

static void b_create_ah(struct child *c, struct msg *m, const struct tmpl *t)
{
	struct ib_uverbs_create_ah req = { .response = RESP };

	req.user_handle = rng_next(&c->rng);
	req.pd_handle = pick_handle(c, K_PD);
	fill_ah_attr(c, &req.attr);
	legacy(m, t, &req, sizeof(req), NULL, 0);
}

/* MR memory: the arena mostly; NULL, a hole or read-only sometimes. */
static uint64_t mr_start(struct child *c)
{
	uint64_t off = rnd(c, MR_SIZE);

	switch (rnd(c, 20)) {
	case 0:
		return 0;
	case 1:
		return AT(HOLE2_OFF);
	case 2:
		return AT(RO_OFF);
	case 3:
		return AT(HOLE3_OFF) + off % PAGE;
	case 4:
	case 5:
		return AT(MR_OFF) + off;
	default:
		return AT(MR_OFF) + (off & ~(PAGE - 1));
	}
}

static uint64_t mr_length(struct child *c)
{
	uint64_t pages = 1 + rnd(c, MAX_MR_LEN / PAGE), any = rnd(c, MAX_MR_LEN + 1);

	switch (rnd(c, 10)) {
	case 0:
		return 0;
	case 1:
		return any;
	case 2:
		return pages * PAGE;
	default:
		return 1 + any % 65536;
	}
}

/*
 * IB_ACCESS_*: LOCAL_WRITE 1, REMOTE_WRITE 2, REMOTE_READ 4, REMOTE_ATOMIC
 * 8, MW_BIND 0x10. Mostly valid (remote write/atomic need local write).
 */
static uint32_t mr_access(struct child *c)
{
	uint32_t how = rnd(c, 10), bits = rnd(c, 0x20);
	uint32_t any = (uint32_t)rng_next(&c->rng);

	return how < 7 ? bits | 1 : how < 9 ? bits : any;
}

static void b_reg_mr(struct child *c, struct msg *m, const struct tmpl *t)
{
	struct ib_uverbs_reg_mr req = { .response = RESP };

	req.start = mr_start(c);
	req.length = mr_length(c);
	req.pd_handle = pick_handle(c, K_PD);
	req.access_flags = mr_access(c);
	req.hca_va = chance(c, 80) ? req.start : rng_next(&c->rng);
	legacy(m, t, &req, sizeof(req), NULL, 0);
}

static void b_rereg_mr(struct child *c, struct msg *m, const struct tmpl *t)
{
	struct ib_uverbs_rereg_mr req = { .response = RESP };

	req.mr_handle = pick_handle(c, K_MR);
	/* CHANGE_TRANSLATION 1, CHANGE_PD 2, CHANGE_ACCESS 4 */
	req.flags = chance(c, 90) ? rnd(c, 8) : num(c, 256);
	req.start = mr_start(c);
	req.length = mr_length(c);
	req.pd_handle = pick_handle(c, K_PD);
	req.access_flags = mr_access(c);
	req.hca_va = chance(c, 80) ? req.start : rng_next(&c->rng);
	legacy(m, t, &req, sizeof(req), NULL, 0);
}

static void b_alloc_mw(struct child *c, struct msg *m, const struct tmpl *t)
{
	struct ib_uverbs_alloc_mw req = { .response = RESP };

	req.pd_handle = pick_handle(c, K_PD);
	req.mw_type = chance(c, 90) ? 1 + rnd(c, 2) : rnd(c, 256);
	legacy(m, t, &req, sizeof(req), NULL, 0);
}

static uint32_t cqe(struct child *c)
{
	return chance(c, 90) ? 1 + rnd(c, 512) : num(c, 1 << 20);
}

static void b_create_cq(struct child *c, struct msg *m, const struct tmpl *t)
{
	struct ib_uverbs_create_cq req = { .response = RESP };

	req.user_handle = rng_next(&c->rng);
	req.cqe = cqe(c);
	req.comp_vector = chance(c, 90) ? 0 : num(c, 4);
	req.comp_channel = pick_fd(c);
	legacy(m, t, &req, sizeof(req), NULL, 0);
}

static void b_resize_cq(struct child *c, struct msg *m, const struct tmpl *t)
{
	struct ib_uverbs_resize_cq req = { .response = RESP };

	req.cq_handle = pick_handle(c, K_CQ);
	req.cqe = cqe(c);
	legacy(m, t, &req, sizeof(req), NULL, 0);
}

static void b_poll_cq(struct child *c, struct msg *m, const struct tmpl *t)
{
	struct ib_uverbs_poll_cq req = { .response = RESP };

	req.cq_handle = pick_handle(c, K_CQ);
	req.ne = rnd(c, 5);	/* t->resp has room for 4 */
	legacy(m, t, &req, sizeof(req), NULL, 0);
}

static void b_req_notify_cq(struct child *c, struct msg *m, const struct tmpl *t)
{
	struct ib_uverbs_req_notify_cq req;

	req.cq_handle = pick_handle(c, K_CQ);
	req.solicited_only = chance(c, 90) ? rnd(c, 2) : num(c, 256);
	legacy(m, t, &req, sizeof(req), NULL, 0);
}

/* The part CREATE_QP and EX_CREATE_QP share. */
#define FILL_QP_INIT(c, q) do {						\
	bool srq = chance(c, 20);					\
	(q)->user_handle = rng_next(&(c)->rng);				\
	(q)->pd_handle = pick_handle(c, K_PD);				\
	(q)->send_cq_handle = pick_handle(c, K_CQ);			\
	(q)->recv_cq_handle = pick_handle(c, K_CQ);			\
	(q)->srq_handle = pick_handle(c, K_SRQ);			\
	(q)->max_send_wr = chance(c, 90) ? 1 + rnd(c, 256) : num(c, 1 << 20); \
	(q)->max_recv_wr = chance(c, 90) ? 1 + rnd(c, 256) : num(c, 1 << 20); \
	(q)->max_send_sge = chance(c, 90) ? 1 + rnd(c, 4) : num(c, 1024); \
	(q)->max_recv_sge = chance(c, 90) ? 1 + rnd(c, 4) : num(c, 1024); \
	(q)->max_inline_data = chance(c, 90) ? rnd(c, 256) : num(c, 1 << 16); \
	(q)->sq_sig_all = rnd(c, 2);					\
	/* RC 2, UC 3, UD 4; or anything */				\
	(q)->qp_type = chance(c, 90) ? 2 + rnd(c, 3) : rnd(c, 256);	\
	(q)->is_srq = srq;						\
	if (!srq && chance(c, 90))					\
		(q)->srq_handle = 0;					\
} while (0)

static void b_create_qp(struct child *c, struct msg *m, const struct tmpl *t)
{
	struct ib_uverbs_create_qp req = { .response = RESP };

	FILL_QP_INIT(c, &req);
	legacy(m, t, &req, sizeof(req), NULL, 0);
}

/* IB_QP_* attribute masks of the usual transitions, and the new state. */
static const struct {
	uint32_t mask;
	uint8_t state;
} qp_steps[] = {
	{ 0x1, 0 },		/* RESET */
	{ 0x39, 1 },		/* INIT: STATE|ACCESS|PKEY|PORT */
	{ 0x71, 1 },		/* INIT (UD): STATE|PKEY|PORT|QKEY */
	{ 0x129181, 2 },	/* RTR: STATE|AV|MTU|RQ_PSN|MIN_RNR|DEST_RD|DQPN */
	{ 0x1, 2 },		/* RTR (UD) */
	{ 0x12e01, 3 },		/* RTS: STATE|TIMEOUT|RETRY|RNR|SQ_PSN|RD_ATOMIC */
	{ 0x10001, 3 },		/* RTS (UD): STATE|SQ_PSN */
	{ 0x1, 4 },		/* SQD */
	{ 0x1, 6 },		/* ERR */
};
#define NQP_STEPS (sizeof(qp_steps) / sizeof(qp_steps[0]))

static void fill_qp_dest(struct child *c, struct ib_uverbs_qp_dest *d)
{
	fill_gid(c, d->dgid);
	d->sgid_index = chance(c, 90) ? rnd(c, 2) : rnd(c, 256);
	d->hop_limit = 64;
	d->sl = rnd(c, 8);
	d->is_global = chance(c, 90) ? 1 : rnd(c, 256);
	d->port_num = chance(c, 90) ? 1 : rnd(c, 256);
}

static void fill_modify_qp(struct child *c, struct ib_uverbs_modify_qp *q)
{
	unsigned step = rnd(c, NQP_STEPS);

	q->qp_handle = pick_handle(c, K_QP);
	q->attr_mask = chance(c, 85) ? qp_steps[step].mask : rnd(c, 1 << 26);
	q->qp_state = chance(c, 90) ? qp_steps[step].state : rnd(c, 256);
	q->cur_qp_state = rnd(c, 7);
	fill_qp_dest(c, &q->dest);
	if (chance(c, 10))
		fill_qp_dest(c, &q->alt_dest);
	q->qkey = chance(c, 90) ? 0x11111111 : (uint32_t)rng_next(&c->rng);
	q->rq_psn = rnd(c, 1 << 24);
	q->sq_psn = rnd(c, 1 << 24);
	q->dest_qp_num = chance(c, 90) ? 17 + rnd(c, 64) : num(c, 1 << 24);
	q->qp_access_flags = rnd(c, 16);
	q->pkey_index = chance(c, 90) ? 0 : num(c, 65536);
	q->path_mtu = chance(c, 90) ? 1 + rnd(c, 5) : rnd(c, 256);
	q->max_rd_atomic = rnd(c, 17);
	q->max_dest_rd_atomic = rnd(c, 17);
	q->min_rnr_timer = rnd(c, 32);
	q->port_num = chance(c, 90) ? 1 : rnd(c, 256);
	q->timeout = rnd(c, 32);
	q->retry_cnt = rnd(c, 8);
	q->rnr_retry = rnd(c, 8);
}

static void b_modify_qp(struct child *c, struct msg *m, const struct tmpl *t)
{
	struct ib_uverbs_modify_qp req = {};

	fill_modify_qp(c, &req);
	legacy(m, t, &req, sizeof(req), NULL, 0);
}

static void b_query_qp(struct child *c, struct msg *m, const struct tmpl *t)
{
	struct ib_uverbs_query_qp req = { .response = RESP };

	req.qp_handle = pick_handle(c, K_QP);
	req.attr_mask = chance(c, 80) ? rnd(c, 1 << 21) : (uint32_t)rng_next(&c->rng);
	legacy(m, t, &req, sizeof(req), NULL, 0);
}

/* POST_SEND/POST_RECV/POST_SRQ_RECV with no work request. */
static void b_post(struct child *c, struct msg *m, const struct tmpl *t)
{
	struct ib_uverbs_post_send req = {
		.response = RESP,
		.qp_handle = pick_handle(c, t->command == CMD(POST_SRQ_RECV) ?
					    K_SRQ : K_QP),
		.wqe_size = t->command == IB_USER_VERBS_CMD_POST_SEND ?
			    sizeof(struct ib_uverbs_send_wr) :
			    sizeof(struct ib_uverbs_recv_wr),
	};

	legacy(m, t, &req, sizeof(req), NULL, 0);
}

static void b_create_srq(struct child *c, struct msg *m, const struct tmpl *t)
{
	struct ib_uverbs_create_srq req = { .response = RESP };

	req.user_handle = rng_next(&c->rng);
	req.pd_handle = pick_handle(c, K_PD);
	req.max_wr = chance(c, 90) ? 1 + rnd(c, 256) : num(c, 1 << 20);
	req.max_sge = chance(c, 90) ? 1 + rnd(c, 4) : num(c, 1024);
	req.srq_limit = chance(c, 80) ? 0 : num(c, 256);
	legacy(m, t, &req, sizeof(req), NULL, 0);
}

static void b_modify_srq(struct child *c, struct msg *m, const struct tmpl *t)
{
	struct ib_uverbs_modify_srq req;
	/* rxe takes where to write the new queue's mmap info. */
	struct rxe_modify_srq_cmd drv = { .mmap_info_addr = RESP + 1024 };

	req.srq_handle = pick_handle(c, K_SRQ);
	/* IB_SRQ_MAX_WR 1, IB_SRQ_LIMIT 2 */
	req.attr_mask = chance(c, 90) ? rnd(c, 4) : num(c, 256);
	req.max_wr = chance(c, 90) ? 1 + rnd(c, 512) : num(c, 1 << 20);
	req.srq_limit = chance(c, 80) ? rnd(c, 16) : num(c, 1 << 20);
	legacy(m, t, &req, sizeof(req), &drv, chance(c, 50) ? sizeof(drv) : 0);
}

static void b_query_srq(struct child *c, struct msg *m, const struct tmpl *t)
{
	struct ib_uverbs_query_srq req = {
		.response = RESP,
		.srq_handle = pick_handle(c, K_SRQ),
	};

	legacy(m, t, &req, sizeof(req), NULL, 0);
}

static void b_ex_query_device(struct child *c, struct msg *m, const struct tmpl *t)
{
	struct ib_uverbs_ex_query_device req = {};
	struct tmpl shorter = *t;

	/* Any prefix of the response is fine. */
	if (chance(c, 30))
		shorter.resp = 8 * rnd(c, t->resp / 8 + 1);
	extended(m, &shorter, &req, sizeof(req));
}

static void b_ex_create_cq(struct child *c, struct msg *m, const struct tmpl *t)
{
	struct ib_uverbs_ex_create_cq req = {};

	req.user_handle = rng_next(&c->rng);
	req.cqe = cqe(c);
	req.comp_vector = chance(c, 90) ? 0 : num(c, 4);
	req.comp_channel = pick_fd(c);
	req.flags = chance(c, 90) ? 0 : rnd(c, 4);
	extended(m, t, &req, sizeof(req));
}

static void b_ex_create_qp(struct child *c, struct msg *m, const struct tmpl *t)
{
	struct ib_uverbs_ex_create_qp req = {};

	FILL_QP_INIT(c, &req);
	if (chance(c, 10))
		req.create_flags = 1u << rnd(c, 32);
	extended(m, t, &req, sizeof(req));
}

static void b_ex_modify_qp(struct child *c, struct msg *m, const struct tmpl *t)
{
	struct ib_uverbs_ex_modify_qp req = {};

	fill_modify_qp(c, &req.base);
	if (chance(c, 10))
		req.rate_limit = num(c, 1 << 20);
	extended(m, t, &req, sizeof(req));
}

static const struct tmpl tmpls[] = {
	{ "GET_CONTEXT", CMD(GET_CONTEXT), RSZ(ib_uverbs_get_context_resp), 0,
	  K_FD, K_NONE, 0, b_resp_only },
	{ "QUERY_DEVICE", CMD(QUERY_DEVICE), RSZ(ib_uverbs_query_device_resp), 0,
	  K_NONE, K_NONE, 0, b_resp_only },
	{ "QUERY_PORT", CMD(QUERY_PORT), RSZ(ib_uverbs_query_port_resp), 0,
	  K_NONE, K_NONE, 0, b_query_port },
	{ "ALLOC_PD", CMD(ALLOC_PD), RSZ(ib_uverbs_alloc_pd_resp), 0,
	  K_PD, K_NONE, 0, b_resp_only },
	{ "DEALLOC_PD", CMD(DEALLOC_PD), 0, 0, K_NONE, K_PD, 8, b_handle_only },
	{ "CREATE_AH", CMD(CREATE_AH),
	  RSZ(ib_uverbs_create_ah_resp) + RSZ(rxe_create_ah_resp), 0,
	  K_AH, K_NONE, 0, b_create_ah },
	{ "DESTROY_AH", CMD(DESTROY_AH), 0, 0, K_NONE, K_AH, 8, b_handle_only },
	{ "REG_MR", CMD(REG_MR), RSZ(ib_uverbs_reg_mr_resp), 0,
	  K_MR, K_NONE, 0, b_reg_mr },
	{ "REREG_MR", CMD(REREG_MR), RSZ(ib_uverbs_rereg_mr_resp), 0,
	  K_NONE, K_NONE, 0, b_rereg_mr },
	{ "DEREG_MR", CMD(DEREG_MR), 0, 0, K_NONE, K_MR, 8, b_handle_only },
	{ "ALLOC_MW", CMD(ALLOC_MW), RSZ(ib_uverbs_alloc_mw_resp), 0,
	  K_MW, K_NONE, 0, b_alloc_mw },
	{ "DEALLOC_MW", CMD(DEALLOC_MW), 0, 0, K_NONE, K_MW, 8, b_handle_only },
	{ "CREATE_COMP_CHANNEL", CMD(CREATE_COMP_CHANNEL),
	  RSZ(ib_uverbs_create_comp_channel_resp), 0, K_FD, K_NONE, 0, b_resp_only },
	{ "CREATE_CQ", CMD(CREATE_CQ),
	  RSZ(ib_uverbs_create_cq_resp) + RSZ(rxe_create_cq_resp), 0,
	  K_CQ, K_NONE, 0, b_create_cq },
	{ "RESIZE_CQ", CMD(RESIZE_CQ),
	  RSZ(ib_uverbs_resize_cq_resp) + RSZ(rxe_resize_cq_resp), 0,
	  K_NONE, K_NONE, 0, b_resize_cq },
	{ "DESTROY_CQ", CMD(DESTROY_CQ), RSZ(ib_uverbs_destroy_cq_resp), 0,
	  K_NONE, K_CQ, 16, b_destroy_resp },
	{ "POLL_CQ", CMD(POLL_CQ),
	  RSZ(ib_uverbs_poll_cq_resp) + 4 * RSZ(ib_uverbs_wc), 0,
	  K_NONE, K_NONE, 0, b_poll_cq },
	{ "REQ_NOTIFY_CQ", CMD(REQ_NOTIFY_CQ), 0, 0, K_NONE, K_NONE, 0,
	  b_req_notify_cq },
	{ "CREATE_QP", CMD(CREATE_QP),
	  RSZ(ib_uverbs_create_qp_resp) + RSZ(rxe_create_qp_resp), 0,
	  K_QP, K_NONE, 0, b_create_qp },
	{ "QUERY_QP", CMD(QUERY_QP), RSZ(ib_uverbs_query_qp_resp), 0,
	  K_NONE, K_NONE, 0, b_query_qp },
	{ "MODIFY_QP", CMD(MODIFY_QP), 0, 0, K_NONE, K_NONE, 0, b_modify_qp },
	{ "DESTROY_QP", CMD(DESTROY_QP), RSZ(ib_uverbs_destroy_qp_resp), 0,
	  K_NONE, K_QP, 16, b_destroy_resp },
	{ "POST_SEND", CMD(POST_SEND), RSZ(ib_uverbs_post_send_resp), 0,
	  K_NONE, K_NONE, 0, b_post },
	{ "POST_RECV", CMD(POST_RECV), RSZ(ib_uverbs_post_recv_resp), 0,
	  K_NONE, K_NONE, 0, b_post },
	{ "POST_SRQ_RECV", CMD(POST_SRQ_RECV), RSZ(ib_uverbs_post_srq_recv_resp), 0,
	  K_NONE, K_NONE, 0, b_post },
	{ "CREATE_SRQ", CMD(CREATE_SRQ),
	  RSZ(ib_uverbs_create_srq_resp) + RSZ(rxe_create_srq_resp), 0,
	  K_SRQ, K_NONE, 0, b_create_srq },
	{ "MODIFY_SRQ", CMD(MODIFY_SRQ), 0, 0, K_NONE, K_NONE, 0, b_modify_srq },
	{ "QUERY_SRQ", CMD(QUERY_SRQ), RSZ(ib_uverbs_query_srq_resp), 0,
	  K_NONE, K_NONE, 0, b_query_srq },
	{ "DESTROY_SRQ", CMD(DESTROY_SRQ), RSZ(ib_uverbs_destroy_srq_resp), 0,
	  K_NONE, K_SRQ, 16, b_destroy_resp },
	{ "EX_QUERY_DEVICE", XCMD(QUERY_DEVICE), RSZ(ib_uverbs_ex_query_device_resp),
	  0, K_NONE, K_NONE, 0, b_ex_query_device },
	{ "EX_CREATE_CQ", XCMD(CREATE_CQ), RSZ(ib_uverbs_ex_create_cq_resp),
	  RSZ(rxe_create_cq_resp), K_CQ, K_NONE, 0, b_ex_create_cq },
	{ "EX_CREATE_QP", XCMD(CREATE_QP), RSZ(ib_uverbs_ex_create_qp_resp),
	  RSZ(rxe_create_qp_resp), K_QP, K_NONE, 0, b_ex_create_qp },
	{ "EX_MODIFY_QP", XCMD(MODIFY_QP), RSZ(ib_uverbs_ex_modify_qp_resp), 0,
	  K_NONE, K_NONE, 0, b_ex_modify_qp },
};
#define NTMPL ((int)(sizeof(tmpls) / sizeof(tmpls[0])))
_Static_assert(sizeof(tmpls) / sizeof(tmpls[0]) <= NTMPL_MAX, "NTMPL_MAX");

static int tmpl_of(uint32_t command)
{
	for (int i = 0; i < NTMPL; i++)
		if (tmpls[i].command == command)
			return i;
	return -1;
}

/* ---- mutations ------------------------------------------------------ */

static uint64_t get(const struct msg *m, size_t off, size_t width)
{
	uint64_t v = 0;

	if (off + width <= m->len)
		memcpy(&v, m->b + off, width);	/* little endian */
	return v;
}

static void put(struct msg *m, size_t off, size_t width, uint64_t v)
{
	if (off + width <= m->len)
		memcpy(m->b + off, &v, width);
}

static bool is_ext(const struct msg *m)
{
	return get(m, 0, 4) & EXT;
}

/* Make in_words agree with the length again (when it can). */
static void fix_in_words(struct msg *m)
{
	if (!is_ext(m))
		put(m, 4, 2, m->len / 4);
	else if (m->len >= 24)
		put(m, 4, 2, (m->len - 24) / 8 - get(m, 16, 2));
}

static void mu_bitflip(struct child *c, struct msg *m)
{
	for (unsigned k = 1 + rnd(c, 8); k; k--) {
		size_t bit = rnd(c, m->len * 8);

		if (m->len)
			m->b[bit / 8] ^= 1 << (bit % 8);
	}
}

static uint64_t any_value(struct child *c)
{
	uint64_t r = rng_next(&c->rng);

	switch (rnd(c, 5)) {
	case 0:
	case 1:
		return interesting[r % NINTERESTING];
	case 2:
		return r % 33;
	default:
		return r;
	}
}

static void mu_field(struct child *c, struct msg *m)
{
	static const size_t widths[] = { 1, 2, 4, 4, 8, 8 };
	size_t w = widths[rnd(c, 6)];
	size_t off = m->len >= w ? rnd(c, m->len / w) * w : 0;

	put(m, off, w, any_value(c));
}

static uint16_t words(struct child *c, uint16_t now)
{
	switch (rnd(c, 4)) {
	case 0:
		return now + 1 + rnd(c, 4);
	case 1:
		return now - 1 - rnd(c, 4);
	case 2:
		return rnd(c, 65536);
	default:
		return rnd(c, 4);
	}
}

static void mu_in_words(struct child *c, struct msg *m)
{
	put(m, 4, 2, words(c, get(m, 4, 2)));
}

static void mu_out_words(struct child *c, struct msg *m)
{
	put(m, 6, 2, words(c, get(m, 6, 2)));
}

static void mu_truncate(struct child *c, struct msg *m)
{
	bool fix = chance(c, 50);

	m->len = rnd(c, m->len);
	if (fix)
		fix_in_words(m);
}

static void mu_extend(struct child *c, struct msg *m)
{
	bool zero = chance(c, 50), fix = chance(c, 70);
	size_t add = chance(c, 80) ? 8 * (1 + rnd(c, 16)) : 1 + rnd(c, 64);

	while (add-- && m->len < MAXBUF)
		m->b[m->len++] = zero ? 0 : rng_next(&c->rng);
	if (fix)
		fix_in_words(m);
}

/* Extended: provider words (with that much driver data, sometimes). */
static void mu_provider_words(struct child *c, struct msg *m)
{
	uint16_t in = chance(c, 70) ? rnd(c, 4) : rnd(c, 65536);
	uint16_t out = chance(c, 70) ? rnd(c, 8) : rnd(c, 65536);
	bool data = chance(c, 60), zero = chance(c, 50);
	bool set_in = chance(c, 50), set_out = chance(c, 50);

	if (set_in)
		put(m, 16, 2, in);
	if (set_out)
		put(m, 18, 2, out);
	if (set_in && data && in < 64) {
		for (unsigned i = 0; i < 8u * in && m->len < MAXBUF; i++)
			m->b[m->len++] = zero ? 0 : rng_next(&c->rng);
	}
}

/* The response address, at offset 8 in legacy and extended commands. */
static void mu_response(struct child *c, struct msg *m)
{
	static const uint64_t fixed[] = {
		0, KERNEL_ADDR, KERNEL_ADDR + 0x1000000, 0xffffffffffffffc0ULL,
		0x800000000000ULL, 8,
	};
	uint32_t r = rnd(c, 64);
	uint64_t v;

	switch (rnd(c, 9)) {
	case 0:
		v = fixed[r % 6];
		break;
	case 1:
		v = AT(HOLE1_OFF) + r;
		break;
	case 2:
		v = AT(HOLE2_OFF - 8 * (r % 8));	/* runs into the hole */
		break;
	case 3:
		v = AT(RO_OFF) + r;
		break;
	case 4:
		v = RESP + 1 + r % 7;			/* misaligned */
		break;
	case 5:
		v = AT(CMD_OFF);			/* over the request */
		break;
	case 6:
		v = AT(HOLE3_OFF - 4);
		break;
	case 7:
		v = rng_next(&c->rng);
		break;
	default:
		v = 0;
		break;
	}
	put(m, 8, 8, v);
}

static void mu_command(struct child *c, struct msg *m)
{
	uint32_t cmd = get(m, 0, 4), r = rnd(c, 256);

	switch (rnd(c, 5)) {
	case 0:
		cmd ^= EXT;
		break;
	case 1:
		cmd = (cmd & EXT) | r;
		break;
	case 2:
		cmd |= 0x100u << (r % 23);
		break;
	case 3:
		cmd = tmpls[r % NTMPL].command;
		break;
	default:
		cmd = r;
		break;
	}
	put(m, 0, 4, cmd);
}

/* Where the write() buffer is: running into a hole, NULL, the kernel. */
static void mu_where(struct child *c, struct msg *m)
{
	size_t tail = 1 + rnd(c, 64);

	switch (rnd(c, 6)) {
	case 0:
		m->where = W_NULL;
		break;
	case 1:
		m->where = W_KERNEL;
		break;
	default:
		m->where = W_TAIL_HOLE;
		m->tail = tail;
		break;
	}
}

typedef void mutation_fn(struct child *c, struct msg *m);

static mutation_fn *const mutations[] = {
	mu_bitflip, mu_bitflip, mu_field, mu_field, mu_field, mu_in_words,
	mu_out_words, mu_truncate, mu_extend, mu_extend, mu_provider_words,
	mu_response, mu_response, mu_command, mu_where,
};
#define NMUTATIONS (sizeof(mutations) / sizeof(mutations[0]))

/* ---- the three generators ------------------------------------------- */

static void gen_valid(struct child *c, struct msg *m)
{
	m->tmpl = rnd(c, NTMPL);
	tmpls[m->tmpl].build(c, m, &tmpls[m->tmpl]);
	m->mode = 'v';
}

static void gen_mutated(struct child *c, struct msg *m)
{
	gen_valid(c, m);
	for (unsigned k = 1 + rnd(c, 3); k; k--)
		mutations[rnd(c, NMUTATIONS)](c, m);
	m->mode = 'm';
}

static void gen_random(struct child *c, struct msg *m)
{
	uint32_t cmd, how = rnd(c, 4), r = rnd(c, 256);
	uint64_t rr = rng_next(&c->rng);
	bool fix = chance(c, 60), resp = chance(c, 50);

	switch (rnd(c, 10)) {
	case 0:
		m->len = rnd(c, 8);
		break;
	case 1:
		m->len = rnd(c, MAXBUF + 1);
		break;
	case 2: case 3: case 4: case 5:
		m->len = 8 + rnd(c, 57);
		break;
	default:
		m->len = rnd(c, 513);
		break;
	}
	for (size_t i = 0; i < m->len; i += 8) {
		uint64_t v = rng_next(&c->rng);

		memcpy(m->b + i, &v, m->len - i < 8 ? m->len - i : 8);
	}
	cmd = how == 0 ? (uint32_t)rr : how == 1 ? r :
	      how == 2 ? EXT | r : tmpls[r % NTMPL].command;
	put(m, 0, 4, cmd);
	put(m, 6, 2, rnd(c, 64));		/* out_words */
	if (is_ext(m))
		put(m, 16, 4, rnd(c, 4) | (uint32_t)rnd(c, 4) << 16);
	if (fix)
		fix_in_words(m);
	if (resp)
		put(m, 8, 8, RESP);
	m->tmpl = -1;
	m->mode = 'r';
}

/*
 * REG_MR and REREG_MR pin the memory they name. Whatever produced the
 * buffer, keep the start NULL or in the child's own arena (its holes
 * included) and the length at most MAX_MR_LEN.
 */
static void clamp_mr(struct msg *m)
{
	uint32_t cmd = get(m, 0, 4);
	size_t start_off, len_off;
	uint64_t start, len;

	if (cmd & EXT)
		return;		/* no extended REG_MR in the ABI */
	switch (cmd & IB_USER_VERBS_CMD_COMMAND_MASK) {
	case IB_USER_VERBS_CMD_REG_MR:
		start_off = 8 + offsetof(struct ib_uverbs_reg_mr, start);
		len_off = 8 + offsetof(struct ib_uverbs_reg_mr, length);
		break;
	case IB_USER_VERBS_CMD_REREG_MR:
		start_off = 8 + offsetof(struct ib_uverbs_rereg_mr, start);
		len_off = 8 + offsetof(struct ib_uverbs_rereg_mr, length);
		break;
	default:
		return;
	}
	start = get(m, start_off, 8);
	if (start && (start < arena || start >= arena + ARENA_SIZE))
		put(m, start_off, 8, AT(MR_OFF) + start % MR_SIZE);
	len = get(m, len_off, 8);
	if (len > MAX_MR_LEN)
		put(m, len_off, 8, len % (MAX_MR_LEN + 1));
	/* A field cut by the end of the buffer: zero what there is of it. */
	if (m->len > start_off && m->len < start_off + 8)
		memset(m->b + start_off, 0, m->len - start_off);
	if (m->len > len_off && m->len < len_off + 8)
		memset(m->b + len_off, 0, m->len - len_off);
}

static void generate(struct child *c, struct msg *m)
{
	unsigned mode = rnd(c, 100);

	m->len = 0;
	m->tail = 0;
	m->where = W_CMD;
	if (mode < 45)
		gen_valid(c, m);
	else if (mode < 85)
		gen_mutated(c, m);
	else
		gen_random(c, m);
	clamp_mr(m);
	m->count = m->len + m->tail;
}

/* ---- outcomes ------------------------------------------------------- */

static bool allowed_errno(int e)
{
	switch (e) {
	case EINVAL: case EFAULT: case ENOSPC: case EOPNOTSUPP: case ENOMEM:
	case EBUSY: case ENOENT: case EPERM: case EACCES: case EBADF:
	case ENODEV: case EAGAIN: case E2BIG: case ERANGE: case EOVERFLOW:
		return true;
	default:
		return false;
	}
}

static bool allowed_mmap_errno(int e)
{
	switch (e) {
	case EINVAL: case ENODEV: case ENOMEM: case EACCES: case EPERM:
	case EAGAIN: case EOVERFLOW: case ENXIO: case EFAULT: case EBADF:
		return true;
	default:
		return false;
	}
}

static const char *errname(int e)
{
	const char *n = e ? strerrorname_np(e) : "ok";
	static char buf[16];

	if (n)
		return n;
	snprintf(buf, sizeof(buf), "errno %d", e);
	return buf;
}

static const char *where_name(enum where w)
{
	static const char *const names[] = {
		"command area", "ends in unmapped memory", "NULL", "kernel address",
	};
	return names[w];
}

/* For -v: a hash of the bytes, to compare two runs. */
static uint64_t fnv1a(const uint8_t *b, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	while (len--)
		h = (h ^ *b++) * 0x100000001b3ULL;
	return h;
}

static void hexdump(FILE *f, const uint8_t *b, size_t len)
{
	for (size_t i = 0; i < len; i += 16) {
		fprintf(f, "  %04zx:", i);
		for (size_t j = i; j < i + 16 && j < len; j++)
			fprintf(f, "%s%02x", j % 4 ? "" : " ", b[j]);
		fputc('\n', f);
	}
}

static void dump_msg(FILE *f, int idx, long iter, const struct msg *m)
{
	fprintf(f, "abi_fuzz: seed %llu child %d (seed %llu) iteration %ld: "
		"%s %s, command 0x%08x, %zu bytes, write count %zu, buffer %s\n",
		g_seed, idx, g_seed * 1000 + idx, iter,
		m->mode == 'v' ? "valid" : m->mode == 'm' ? "mutated" : "random",
		m->tmpl >= 0 ? tmpls[m->tmpl].name : "bytes",
		(unsigned)get(m, 0, 4), m->len, m->count, where_name(m->where));
	hexdump(f, m->b, m->len);
	fprintf(f, "abi_fuzz: reproduce: abi_fuzz -c %d %s %llu %u %lu\n",
		idx, g_dev, g_seed, g_nprocs, g_count);
}

static void __attribute__((noreturn, format(printf, 3, 4)))
fail(struct child *c, const struct msg *m, const char *fmt, ...)
{
	char *report = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&report, &len);
	va_list ap;

	fflush(stdout);
	if (!f)
		f = stderr;
	fprintf(f, "abi_fuzz: FAIL: ");
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
	if (m)
		dump_msg(f, c->idx, c->st->iter, m);
	/* One write, so that the children's reports do not interleave. */
	if (f != stderr && !fclose(f) && write(2, report, len) < 0)
		_exit(1);
	_exit(1);
}

/* ---- fds and the device ---------------------------------------------- */

static int lowest_free_fd(struct child *c)
{
	int fd = fcntl(c->devfd, F_DUPFD, 0);

	if (fd < 0)
		fail(c, NULL, "F_DUPFD: %s", strerror(errno));
	close(fd);
	return fd;
}

/* Close every fd but stdio and the device fd. */
static void sweep_fds(struct child *c)
{
	if (c->devfd > 3)
		close_range(3, c->devfd - 1, 0);
	close_range(c->devfd >= 3 ? c->devfd + 1 : 3, ~0U, 0);
	c->nfds = 0;
	c->asyncfd = -1;
	c->free_fd = lowest_free_fd(c);
}

/* A valid GET_CONTEXT, unless a fuzzed one made a context: must work. */
static void get_context(struct child *c)
{
	struct {
		struct ib_uverbs_cmd_hdr hdr;
		struct ib_uverbs_get_context req;
	} cmd = {
		.hdr = { IB_USER_VERBS_CMD_GET_CONTEXT, sizeof(cmd) / 4,
			 sizeof(struct ib_uverbs_get_context_resp) / 4 },
		.req = { .response = RESP },
	};
	struct ib_uverbs_get_context_resp *resp = (void *)(uintptr_t)RESP;

	c->ctx_pending = 0;
	if (c->have_ctx)
		return;
	*(uint64_t *)resp = SENTINEL;
	if (write(c->devfd, &cmd, sizeof(cmd)) != (ssize_t)sizeof(cmd))
		fail(c, NULL, "iteration %ld: GET_CONTEXT: %s", c->st->iter,
		     strerror(errno));
	c->have_ctx = true;
	/* Only an fd the kernel really wrote: we close it later. */
	if (*(uint64_t *)resp != SENTINEL && resp->async_fd > 2 &&
	    (int)resp->async_fd != c->devfd)
		c->asyncfd = resp->async_fd;
	c->free_fd = lowest_free_fd(c);
}

/* open() must work; GET_CONTEXT now or after @defer writes. */
static void open_device(struct child *c, unsigned defer)
{
	c->devfd = open(g_dev, O_RDWR | O_CLOEXEC);
	if (c->devfd < 0)
		fail(c, NULL, "open %s: %s", g_dev, strerror(errno));
	c->have_ctx = false;
	c->free_fd = lowest_free_fd(c);
	if (defer)
		c->ctx_pending = defer;
	else
		get_context(c);
}

static void reopen_device(struct child *c)
{
	bool close_async = chance(c, 50);
	unsigned defer = chance(c, 30) ? 1 + rnd(c, 8) : 0;

	close(c->devfd);
	if (close_async && c->asyncfd > 2)
		close(c->asyncfd);
	c->asyncfd = -1;
	open_device(c, defer);
	c->st->reopens++;
}

static sigjmp_buf touch_jmp;
static volatile sig_atomic_t touching;

static void touch_fault(int sig)
{
	if (!touching) {	/* not ours: die of it on return */
		signal(sig, SIG_DFL);
		raise(sig);
		return;
	}
	siglongjmp(touch_jmp, sig);
}

/* Read the first byte of a mapping; a SIGBUS/SIGSEGV there is counted. */
static void touch(struct child *c, const volatile uint8_t *p)
{
	if (sigsetjmp(touch_jmp, 1)) {
		c->st->touch_faults++;
	} else {
		touching = 1;
		(void)*p;
	}
	touching = 0;
}

static void act_mmap(struct child *c)
{
	uint64_t a = rng_next(&c->rng), b = rng_next(&c->rng);
	unsigned how = rnd(c, 100), lhow = rnd(c, 4);
	int prot = chance(c, 70) ? PROT_READ | PROT_WRITE :
		   chance(c, 50) ? PROT_READ : PROT_WRITE;
	int flags = chance(c, 80) ? MAP_SHARED : MAP_PRIVATE;
	int fd = how < 85 ? c->devfd : how < 95 ? c->asyncfd :
		 c->nfds ? c->fds[a % c->nfds] : c->devfd;
	off_t off;
	size_t len;
	void *p;

	switch (a % 4) {
	case 0:
		off = 0;
		break;
	case 1:
		off = (b % 16) * PAGE;
		break;
	case 2:
		off = (b % (1 << 20)) * PAGE;
		break;
	default:
		off = (off_t)(b >> 1) & ~(off_t)(b & 1 ? 0 : PAGE - 1);
		break;
	}
	len = lhow == 0 ? PAGE : lhow == 1 ? (1 + b % 64) * PAGE :
	      lhow == 2 ? b % (64 << 20) : 1 + b % PAGE;
	p = mmap(NULL, len, prot, flags, fd, off);
	if (p == MAP_FAILED) {
		if (!allowed_mmap_errno(errno))
			fail(c, NULL, "iteration %ld: mmap(len %zu, prot %d, "
			     "flags %d, fd %d, off 0x%llx): %s", c->st->iter,
			     len, prot, flags, fd, (unsigned long long)off,
			     errname(errno));
		c->st->mmap_res[errno < NERRNO ? errno : 0]++;
		return;
	}
	c->st->mmap_res[0]++;
	if (prot & PROT_READ)
		touch(c, p);
	munmap(p, len);
}

/* mmap 0.5%, fd sweep 0.1%, reopen 0.1% of the iterations. */
static void maybe_act(struct child *c)
{
	unsigned r = rnd(c, 10000);

	if (r < 50) {
		act_mmap(c);
	} else if (r < 60) {
		sweep_fds(c);
		c->st->sweeps++;
	} else if (r < 70) {
		reopen_device(c);
	}
}

/* ---- one write ------------------------------------------------------ */

static const void *place(const struct msg *m)
{
	uint8_t *p;

	switch (m->where) {
	case W_NULL:
		return NULL;
	case W_KERNEL:
		return (const void *)(uintptr_t)KERNEL_ADDR;
	case W_TAIL_HOLE:
		p = (uint8_t *)(uintptr_t)AT(HOLE1_OFF) - m->len;
		break;
	default:
		p = (uint8_t *)(uintptr_t)AT(CMD_OFF);
		break;
	}
	memcpy(p, m->b, m->len);
	return p;
}

/* A successful command: remember what it created, forget what it destroyed. */
static void note_success(struct child *c, const struct msg *m)
{
	int t = tmpl_of(get(m, 0, 4));
	uint64_t resp_at = get(m, 8, 8);
	uint32_t h = *(uint32_t *)(uintptr_t)RESP;

	if (m->len >= 8 && get(m, 0, 4) == IB_USER_VERBS_CMD_GET_CONTEXT)
		c->have_ctx = true;	/* a fuzzed one made the context */
	if (t >= 0 && m->where == W_CMD) {
		if (tmpls[t].creates != K_NONE && resp_at == RESP &&
		    *(uint64_t *)(uintptr_t)RESP != SENTINEL) {
			if (tmpls[t].creates == K_FD)
				fd_add(c, h);
			else
				pool_add(c, tmpls[t].creates, h);
		}
		if (tmpls[t].destroys != K_NONE && m->len >= tmpls[t].hoff + 4)
			pool_del(c, tmpls[t].destroys, get(m, tmpls[t].hoff, 4));
	}
	/* It may have returned an fd we do not know about. */
	c->free_fd = lowest_free_fd(c);
	if (c->free_fd >= FD_SWEEP_AT)
		sweep_fds(c);
}

static void send_one(struct child *c, struct msg *m)
{
	const void *buf = place(m);
	ssize_t ret;
	int e;

	*(uint64_t *)(uintptr_t)RESP = SENTINEL;
	ret = write(c->devfd, buf, m->count);
	e = ret < 0 ? errno : 0;
	if (c->verbose)
		printf("child %d iter %ld: %c %-19s len %4zu count %4zu "
		       "fnv %016llx -> %s\n", c->idx, c->st->iter, m->mode,
		       m->tmpl >= 0 ? tmpls[m->tmpl].name : "bytes", m->len,
		       m->count, (unsigned long long)fnv1a(m->b, m->len),
		       errname(e));
	if (ret >= 0 && (size_t)ret != m->count)
		fail(c, m, "write() returned %zd, not its count %zu", ret,
		     m->count);
	if (ret < 0 && !allowed_errno(e))
		fail(c, m, "write() failed with %s (%d), not an allowed errno",
		     errname(e), e);
	c->st->res[e < NERRNO ? e : 0]++;
	if (m->mode == 'v') {
		c->st->valid_sent[m->tmpl]++;
		c->st->valid_ok[m->tmpl] += !e;
	}
	if (!e)
		note_success(c, m);
	else if (fcntl(c->free_fd, F_GETFD) >= 0)
		fail(c, m, "write() failed with %s but left fd %d open",
		     errname(e), c->free_fd);
}

/* ---- the child ------------------------------------------------------ */

static void setup_arena(struct child *c)
{
	void *p = mmap((void *)ARENA_BASE, ARENA_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);

	if (p == MAP_FAILED)
		fail(c, NULL, "mmap arena: %s", strerror(errno));
	if ((uintptr_t)p != ARENA_BASE)
		fprintf(stderr, "abi_fuzz: child %d: arena at %p, not 0x%lx: "
			"buffers will differ from other runs\n", c->idx, p,
			ARENA_BASE);
	arena = (uintptr_t)p;
	munmap((void *)(uintptr_t)AT(HOLE1_OFF), PAGE);
	munmap((void *)(uintptr_t)AT(HOLE2_OFF), PAGE);
	munmap((void *)(uintptr_t)AT(HOLE3_OFF), PAGE);
	mprotect((void *)(uintptr_t)AT(RO_OFF), PAGE, PROT_READ);
}

static void child_report(struct child *c)
{
	const struct stats *st = c->st;

	printf("child %d (seed %llu): %ld writes:", c->idx,
	       (unsigned long long)c->seed, c->n);
	for (int e = 0; e < NERRNO; e++)
		if (st->res[e])
			printf(" %s %ld", errname(e), st->res[e]);
	printf("\n");
	fflush(stdout);
}

static void __attribute__((noreturn)) child_main(struct child *c)
{
	static struct msg m;
	struct sigaction sa = { .sa_handler = touch_fault };

	setvbuf(stdout, NULL, _IOLBF, 0);	/* whole lines from each child */
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGSEGV, &sa, NULL);
	rng_seed(&c->rng, c->seed);
	setup_arena(c);
	c->st->iter = -1;
	open_device(c, 0);
	for (long i = 0; i < c->n; i++) {
		c->st->iter = i;
		if (c->ctx_pending && !--c->ctx_pending)
			get_context(c);
		maybe_act(c);
		generate(c, &m);
		c->st->last = m;
		send_one(c, &m);
	}
	sweep_fds(c);
	close(c->devfd);
	child_report(c);
	_exit(0);
}

/* ---- the parent ----------------------------------------------------- */

static void usage(void)
{
	fprintf(stderr, "usage: abi_fuzz [-c CHILD] [-v] DEVNODE SEED NPROCS COUNT\n");
	exit(2);
}

static void summary(const struct stats *st, unsigned nprocs, double secs)
{
	long res[NERRNO] = {}, mres[NERRNO] = {}, total = 0, maps = 0;
	long sent[NTMPL_MAX] = {}, ok[NTMPL_MAX] = {};
	long sweeps = 0, reopens = 0, faults = 0;

	for (unsigned i = 0; i < nprocs; i++) {
		for (int e = 0; e < NERRNO; e++) {
			res[e] += st[i].res[e];
			mres[e] += st[i].mmap_res[e];
			total += st[i].res[e];
			maps += st[i].mmap_res[e];
		}
		for (int t = 0; t < NTMPL; t++) {
			sent[t] += st[i].valid_sent[t];
			ok[t] += st[i].valid_ok[t];
		}
		sweeps += st[i].sweeps;
		reopens += st[i].reopens;
		faults += st[i].touch_faults;
	}
	printf("abi_fuzz summary: seed %llu, %u children, %.1f s\n",
	       g_seed, nprocs, secs);
	printf("  %-12s %9s %7s\n", "outcome", "writes", "share");
	for (int e = 0; e < NERRNO; e++)
		if (res[e])
			printf("  %-12s %9ld %6.2f%%\n", e ? errname(e) : "success",
			       res[e], 100.0 * res[e] / total);
	printf("  %-12s %9ld\n", "total", total);
	printf("  mmap: %ld tries:", maps);
	for (int e = 0; e < NERRNO; e++)
		if (mres[e])
			printf(" %s %ld", e ? errname(e) : "mapped", mres[e]);
	printf("; %ld touch faults; %ld fd sweeps; %ld reopens\n",
	       faults, sweeps, reopens);
	printf("  valid templates (ok/sent):");
	for (int t = 0; t < NTMPL; t++)
		printf("%s %s %ld/%ld", t % 4 ? "," : "\n   ", tmpls[t].name,
		       ok[t], sent[t]);
	printf("\n");
}

static long share(unsigned long count, unsigned nprocs, unsigned i)
{
	return count / nprocs + (i < count % nprocs);
}

int main(int argc, char **argv)
{
	struct timespec t0, t1;
	struct stats *st;
	pid_t pids[1000];
	int only = -1, opt, bad = 0;
	bool verbose = false;
	unsigned first, last;

	while ((opt = getopt(argc, argv, "c:v")) != -1) {
		if (opt == 'c')
			only = atoi(optarg);
		else if (opt == 'v')
			verbose = true;
		else
			usage();
	}
	if (argc - optind != 4)
		usage();
	g_dev = argv[optind];
	g_seed = strtoull(argv[optind + 1], NULL, 0);
	g_nprocs = strtoul(argv[optind + 2], NULL, 0);
	g_count = strtoul(argv[optind + 3], NULL, 0);
	if (!g_nprocs || g_nprocs > 1000 || only >= (int)g_nprocs)
		usage();
	first = only >= 0 ? (unsigned)only : 0;
	last = only >= 0 ? (unsigned)only : g_nprocs - 1;

	st = mmap(NULL, g_nprocs * sizeof(*st), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (st == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	printf("abi_fuzz: %s seed %llu, %u children, %lu commands%s\n", g_dev,
	       g_seed, g_nprocs, g_count, only >= 0 ? " (one child)" : "");
	fflush(stdout);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (unsigned i = first; i <= last; i++) {
		struct child c = {
			.idx = i, .seed = g_seed * 1000 + i,
			.n = share(g_count, g_nprocs, i), .verbose = verbose,
			.st = &st[i], .asyncfd = -1,
		};
		pid_t pid = fork();

		if (pid < 0) {
			perror("fork");
			return 1;
		}
		if (!pid)
			child_main(&c);
		pids[i] = pid;
	}
	for (unsigned i = first; i <= last; i++) {
		int status;

		if (waitpid(pids[i], &status, 0) < 0) {
			perror("waitpid");
			return 1;
		}
		if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
			continue;
		bad++;
		if (WIFSIGNALED(status)) {
			fprintf(stderr, "abi_fuzz: FAIL: child %u died of signal "
				"%d (%s) at iteration %ld\n", i, WTERMSIG(status),
				strsignal(WTERMSIG(status)), st[i].iter);
			if (st[i].iter >= 0)
				dump_msg(stderr, i, st[i].iter, &st[i].last);
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	summary(st, g_nprocs, (t1.tv_sec - t0.tv_sec) +
		(t1.tv_nsec - t0.tv_nsec) / 1e9);
	if (bad)
		printf("abi_fuzz: %d of %u children failed\n", bad,
		       last - first + 1);
	return bad ? 1 : 0;
}
