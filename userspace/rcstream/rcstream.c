// SPDX-License-Identifier: GPL-2.0
/*
 * rcstream: a verified, exactly-once message stream over an RC QP that
 * survives its RDMA device going away and coming back.
 *
 * usage: rcstream -d DEV [-g GIDIDX] [-i IBPORT] [-p TCPPORT]
 *                 [-n COUNT | -t SECS] [-s SIZE] [-w WINDOW] [-R SECS]
 *                 [-r REPORT_FILE] [-T TIMELINE_FILE] [-v] [SERVER_HOST]
 *
 * Without SERVER_HOST it is the server: it listens on TCPPORT (18515) and
 * receives; with it, the client, which connects and sends. Like
 * ibv_rc_pingpong, a TCP connection carries the setup (LID, QPN, PSN, GID)
 * and both sides use the same -s and -w.
 *
 * Messages (RC SEND, SIZE payload bytes behind a 32-byte header): the
 * client's DATA messages carry a 64-bit sequence number, the length and a
 * checksum (FNV-1a) of seq, length and payload; the payload is a PRNG
 * pattern seeded by the seq, so the server checks every byte. The server
 * accepts only seq == expect (its last in-order seq + 1): a higher seq is
 * a gap (lost), a lower one a duplicate, a bad length, checksum or byte is
 * corrupt. After each batch of completions it sends an ACK message on the
 * same QP: {expect, running checksum of everything received}; the client
 * checks the running checksum and keeps at most WINDOW messages unacked.
 *
 * Outages: an IBV_EVENT_DEVICE_FATAL, an IBV_EVENT_PORT_ERR of its port
 * (the netdev went down: the device stays, but the connection would fail
 * once RC retries run out), an error completion (WR_FLUSH_ERR, ...), a
 * verb failing (ENODEV), or the TCP connection closing (the peer saw an
 * outage first) ends the session. Both sides tear everything down
 * (revive's rv_teardown), close the TCP connection (the server keeps its
 * listening socket), wait for the device (rv_open_device: backoff, -R
 * deadline, 30 s) and its port (rv_wait_port: ACTIVE, GID set), rebuild,
 * and meet again over TCP. In the HELLO of that handshake the server
 * states expect and its running checksum, the client its highest seq
 * sent; the client checks the checksum over what it had sent and resumes
 * from expect: what was in flight is sent again, nothing is lost or
 * delivered twice. A READY exchange then starts the traffic.
 * stdout: "rcstream: server|client connected" once the first session is
 * live, then one line per outage when it is over:
 *   outage N: cause=CAUSE downtime=MS ms resent=K
 * At the end (the client sends DONE over TCP once COUNT messages, or all
 * sent until SECS passed, are acknowledged; the server answers DONE_ACK
 * with its counts) both print
 *   rcstream: sent=N received=N lost=0 duplicated=0 corrupt=0 outages=K
 *             max_downtime=MS ms resent=R elapsed=MS ms
 * and exit 0 only if nothing was lost, duplicated or corrupt and the run
 * completed; 1 otherwise, 2 on bad usage.
 *
 * -r writes "outage n=.. cause=.. start_ms=.. at_ms=.. downtime_ms=..
 * resent=.." lines as they happen (start_ms: since the first connection;
 * at_ms: CLOCK_MONOTONIC, when the outage was noticed) and a final
 * "summary ..." line; -T a CSV timeline "t_ms,msgs,wall_ms": per 100 ms
 * since the first connection, the messages the server received in order
 * (server) or that were acknowledged (client); wall_ms is the bucket's
 * start in CLOCK_REALTIME ms, to line up with other logs.
 * -v reports each outage's detection on stderr. SIGUSR1 makes the client
 * end its run early, as if -n or -t were over: it sends nothing new, and
 * finishes (DONE) once what it sent is acknowledged.
 */
#define _GNU_SOURCE
#include <endian.h>
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "revive.h"

#define DEF_TCP_PORT	18515
#define DEF_COUNT	10000
#define DEF_SIZE	64
#define DEF_WINDOW	32
#define MAX_WINDOW	256
#define MAX_SIZE	(1u << 20)
#define DEF_RECOVER_S	30
#define TICK_MS		100	/* timeline interval */
#define IDLE_POLL_MS	100	/* longest sleep in poll() */
#define POST_BATCH	32	/* WRs per ibv_post_send() */
#define CQ_BATCH	32	/* WCs per ibv_poll_cq() */
#define BYE_WAIT_MS	5000	/* server: wait for the client to close */
#define SLOT_ALIGN	64

#define RCS_MAGIC	0x52435354u	/* "RCST" */
#define FNV32_INIT	0x811c9dc5u
#define FNV32_PRIME	0x01000193u
#define FNV64_INIT	0xcbf29ce484222325ull
#define FNV64_PRIME	0x00000100000001b3ull

/* wr_id: kind in the high half, buffer slot in the low half. */
#define WR_SEND		(1ull << 32)
#define WR_RECV		(2ull << 32)
#define WR_SLOT(id)	((uint32_t)(id))

enum msg_type {
	MSG_DATA = 1,
	MSG_ACK = 2,
};

/* Every RC message starts with this (little-endian). */
struct rcs_hdr {
	uint32_t magic;
	uint32_t type;		/* enum msg_type */
	uint32_t len;		/* DATA: payload bytes after the header */
	uint32_t csum;		/* DATA: FNV-1a of seq, len and payload */
	uint64_t seq;		/* DATA: sequence number; ACK: expect */
	uint64_t rsum;		/* ACK: running checksum through expect - 1 */
};

enum ctl_type {
	CTL_HELLO = 1,		/* QP address and stream state */
	CTL_READY,		/* my QP is connected, receives posted */
	CTL_DONE,		/* client: everything sent was acked */
	CTL_DONE_ACK,		/* server: my final counts */
};

/* TCP side channel messages, all of this one size (big-endian). */
struct rcs_ctl {
	uint32_t magic;
	uint32_t type;		/* enum ctl_type */
	uint64_t stream_id;	/* the client's random id of this stream */
	uint32_t qpn;
	uint32_t psn;
	uint32_t lid;
	uint32_t mtu;		/* enum ibv_mtu */
	uint32_t size;		/* payload bytes per message */
	uint32_t window;
	uint8_t gid[16];
	/* HELLO: server expect, client hi; DONE: sent; DONE_ACK: received */
	uint64_t seq;
	uint64_t acked;		/* HELLO (client): acknowledged so far */
	uint64_t rsum;		/* running checksum through seq - 1 */
	uint64_t lost;		/* DONE_ACK: the server's counts */
	uint64_t dup;
	uint64_t corrupt;
};

struct opts {
	const char *dev;
	const char *host;	/* NULL: server */
	int gid_index;		/* -1: no GRH (LID routing) */
	int ib_port;
	int tcp_port;
	uint64_t count;		/* 0: time mode */
	unsigned int secs;
	unsigned int size;
	unsigned int window;
	unsigned int recover_s;
	const char *report;
	const char *timeline;
	bool verbose;
};

/* Application state: lives across outages. */
struct stream {
	const struct opts *o;
	bool server;
	uint64_t stream_id;

	/* buffers, registered again in every session */
	uint8_t *buf;
	size_t buf_len;
	unsigned int send_slots, send_len;
	unsigned int recv_slots, recv_len;
	uint8_t *scratch;	/* server: pattern to compare with */

	/* client */
	uint64_t next;		/* next seq to post */
	uint64_t hi;		/* one past the highest seq ever posted */
	uint64_t acked;		/* the server has every seq below this */
	uint64_t acked_rsum;	/* running checksum through acked - 1 */
	uint64_t target;	/* send the seqs below this */
	uint32_t *slot_csum;	/* checksum of the message in each slot */

	/* server */
	uint64_t expect;	/* next in-order seq (last received + 1) */
	uint64_t rsum;		/* running checksum through expect - 1 */
	uint64_t received;	/* in order (corrupt ones too), no duplicates */
	uint64_t lost, dup, corrupt;
	uint64_t peer_hi;	/* the client's hi, from HELLO or DONE */

	/* both */
	bool done;		/* DONE / DONE_ACK exchanged */
	bool fatal;		/* an inconsistency retrying cannot cure */
	bool rsum_bad;		/* the running checksums disagreed */
	struct rcs_ctl final;	/* client: the server's DONE_ACK */
	unsigned int outages;
	uint64_t max_down, resent;
	uint64_t t0, t_end;	/* first connection; -t end */
	uint64_t t0_wall;	/* t0 in CLOCK_REALTIME ms */
	uint32_t *tl;		/* timeline: messages per TICK_MS */
	size_t tl_len, tl_cap;
	FILE *report;
	int listen_fd;		/* server */
};

/* One open of the device and one TCP connection: rebuilt per outage. */
struct session {
	struct rv_objs o;
	struct ibv_cq *cq;
	struct ibv_qp *qp;
	struct ibv_mr *mr;
	struct ibv_port_attr port;
	union ibv_gid gid;
	uint32_t psn;
	int sock;
	unsigned int sq_out;	/* send WRs not completed yet */
	uint64_t ack_posted;	/* server: expect of the last ACK */
	uint64_t ack_idx;	/* server: ACKs posted (slot ring) */
	bool done_sent;		/* client: DONE went out */
	const char *cause;	/* why the session ended (NULL: alive) */
	char detail[128];
};

/* SIGUSR1: the client ends its run (see client_progress()). */
static volatile sig_atomic_t stop_requested;

static void on_sigusr1(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void perr(const char *call, int err)
{
	fprintf(stderr, "rcstream: %s: %s\n", call, strerror(err));
}

static void vlog(const struct stream *st, const char *fmt, ...)
{
	va_list ap;

	if (!st->o->verbose)
		return;
	va_start(ap, fmt);
	fprintf(stderr, "rcstream: ");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

/* The first reason wins: later ones are consequences. */
static void set_cause(struct session *s, const char *cause,
		      const char *fmt, ...)
{
	va_list ap;

	if (s->cause)
		return;
	s->cause = cause;
	va_start(ap, fmt);
	vsnprintf(s->detail, sizeof(s->detail), fmt, ap);
	va_end(ap);
}

/* ---- payload, checksums ------------------------------------------- */

static uint64_t mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/* The payload of message @seq: a xorshift64 stream seeded by seq. */
static void fill_payload(uint8_t *p, uint32_t len, uint64_t seq)
{
	uint64_t x = mix64(seq) | 1;
	uint32_t i, n;

	for (i = 0; i < len; i += 8) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		n = len - i < 8 ? len - i : 8;
		memcpy(p + i, &x, n);
	}
}

static uint32_t fnv1a32(uint32_t h, const void *data, size_t n)
{
	const uint8_t *p = data;

	while (n--) {
		h ^= *p++;
		h *= FNV32_PRIME;
	}
	return h;
}

static uint32_t msg_csum(uint64_t seq, uint32_t len, const uint8_t *payload)
{
	uint64_t le_seq = htole64(seq);
	uint32_t le_len = htole32(len);
	uint32_t h;

	h = fnv1a32(FNV32_INIT, &le_seq, sizeof(le_seq));
	h = fnv1a32(h, &le_len, sizeof(le_len));
	return fnv1a32(h, payload, len);
}

/* The running checksum: FNV-1a 64 over every message checksum, in order. */
static uint64_t rsum_add(uint64_t r, uint32_t csum)
{
	int i;

	for (i = 0; i < 4; i++) {
		r ^= (csum >> (8 * i)) & 0xff;
		r *= FNV64_PRIME;
	}
	return r;
}

/* ---- timeline ----------------------------------------------------- */

/* CLOCK_REALTIME in ms: what other tools (date +%s%3N) can line up with. */
static uint64_t wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void tl_add(struct stream *st, uint64_t msgs)
{
	size_t bin;
	uint32_t *n;

	if (!st->t0 || !msgs)
		return;
	bin = (rv_now_ms() - st->t0) / TICK_MS;
	if (bin >= st->tl_cap) {
		size_t cap = st->tl_cap ? st->tl_cap : 1024;

		while (cap <= bin)
			cap *= 2;
		n = realloc(st->tl, cap * sizeof(*n));
		if (!n)
			return;	/* the timeline is best effort */
		memset(n + st->tl_cap, 0, (cap - st->tl_cap) * sizeof(*n));
		st->tl = n;
		st->tl_cap = cap;
	}
	st->tl[bin] += msgs;
	if (bin >= st->tl_len)
		st->tl_len = bin + 1;
}

static int tl_write(const struct stream *st, uint64_t end_ms)
{
	size_t i, bins = st->tl_len;
	FILE *f;

	f = fopen(st->o->timeline, "w");
	if (!f) {
		perr(st->o->timeline, errno);
		return -1;
	}
	if (st->t0 && (end_ms - st->t0) / TICK_MS + 1 > bins)
		bins = (end_ms - st->t0) / TICK_MS + 1;
	fprintf(f, "t_ms,msgs,wall_ms\n");
	for (i = 0; i < bins; i++)
		fprintf(f, "%zu,%u,%llu\n", i * TICK_MS,
			i < st->tl_len ? st->tl[i] : 0,
			(unsigned long long)(st->t0_wall + i * TICK_MS));
	if (fclose(f)) {
		perr(st->o->timeline, errno);
		return -1;
	}
	return 0;
}

/* ---- buffers ------------------------------------------------------ */

static unsigned int round_up(unsigned int n, unsigned int a)
{
	return (n + a - 1) / a * a;
}

/*
 * Client: WINDOW send slots of DATA messages, then receive slots for
 * ACKs (the server has at most WINDOW of them in flight). Server: receive
 * slots for DATA (the client has at most WINDOW in flight), then WINDOW
 * send slots for ACKs. Allocated once; registered in every session.
 */
static int buffers_alloc(struct stream *st)
{
	unsigned int data_len, ack_len, w = st->o->window;

	data_len = round_up(sizeof(struct rcs_hdr) + st->o->size, SLOT_ALIGN);
	ack_len = round_up(sizeof(struct rcs_hdr), SLOT_ALIGN);
	st->send_slots = w;
	st->recv_slots = w + 2;
	st->send_len = st->server ? ack_len : data_len;
	st->recv_len = st->server ? data_len : ack_len;
	st->buf_len = (size_t)st->send_slots * st->send_len +
		      (size_t)st->recv_slots * st->recv_len;
	if (posix_memalign((void **)&st->buf, 4096, st->buf_len)) {
		perr("posix_memalign", ENOMEM);
		return -1;
	}
	memset(st->buf, 0, st->buf_len);
	st->slot_csum = calloc(w, sizeof(*st->slot_csum));
	st->scratch = malloc(st->o->size ? st->o->size : 1);
	if (!st->slot_csum || !st->scratch) {
		perr("malloc", ENOMEM);
		return -1;
	}
	return 0;
}

static uint8_t *send_buf(const struct stream *st, unsigned int slot)
{
	return st->buf + (size_t)slot * st->send_len;
}

static uint8_t *recv_buf(const struct stream *st, unsigned int slot)
{
	return st->buf + (size_t)st->send_slots * st->send_len +
	       (size_t)slot * st->recv_len;
}

/* ---- verbs objects of a session ----------------------------------- */

static int post_recv(struct stream *st, struct session *s, unsigned int slot)
{
	struct ibv_sge sge = {
		.addr = (uintptr_t)recv_buf(st, slot),
		.length = st->recv_len,
		.lkey = s->mr->lkey,
	};
	struct ibv_recv_wr wr = {
		.wr_id = WR_RECV | slot,
		.sg_list = &sge,
		.num_sge = 1,
	}, *bad;
	int ret;

	ret = ibv_post_recv(s->qp, &wr, &bad);
	if (ret)
		set_cause(s, rv_errno_cause(ret) ? rv_cause_str(rv_errno_cause(ret)) :
			  "POST_ERR", "ibv_post_recv: %s", strerror(ret));
	return ret;
}

static int qp_to_init(struct stream *st, struct session *s)
{
	struct ibv_qp_attr attr = {
		.qp_state = IBV_QPS_INIT,
		.pkey_index = 0,
		.port_num = st->o->ib_port,
		.qp_access_flags = 0,
	};
	int ret;

	ret = ibv_modify_qp(s->qp, &attr, IBV_QP_STATE | IBV_QP_PKEY_INDEX |
			    IBV_QP_PORT | IBV_QP_ACCESS_FLAGS);
	if (ret)
		perr("ibv_modify_qp(INIT)", ret);
	return ret;
}

static int create_qp(struct stream *st, struct session *s)
{
	struct ibv_qp_init_attr init = {
		.send_cq = s->cq,
		.recv_cq = s->cq,
		.cap = {
			.max_send_wr = st->send_slots,
			.max_recv_wr = st->recv_slots,
			.max_send_sge = 1,
			.max_recv_sge = 1,
		},
		.qp_type = IBV_QPT_RC,
	};

	s->qp = s->o.qp[0] = ibv_create_qp(s->o.pd, &init);
	if (!s->qp) {
		perr("ibv_create_qp", errno);
		return errno ? errno : EIO;
	}
	return qp_to_init(st, s);
}

/* Channel, PD, CQ, MR, QP in INIT with every receive posted. */
static int create_objects(struct stream *st, struct session *s)
{
	struct ibv_context *ctx = s->o.ctx;
	unsigned int i;
	int ret;

	s->o.channel = ibv_create_comp_channel(ctx);
	if (!s->o.channel) {
		perr("ibv_create_comp_channel", errno);
		return errno ? errno : EIO;
	}
	ret = rv_set_nonblock(s->o.channel->fd);
	if (ret) {
		perr("fcntl(channel fd, O_NONBLOCK)", ret);
		return ret;
	}
	s->o.pd = ibv_alloc_pd(ctx);
	if (!s->o.pd) {
		perr("ibv_alloc_pd", errno);
		return errno ? errno : EIO;
	}
	s->cq = s->o.cq[0] = ibv_create_cq(ctx, st->send_slots + st->recv_slots,
					   NULL, s->o.channel, 0);
	if (!s->cq) {
		perr("ibv_create_cq", errno);
		return errno ? errno : EIO;
	}
	s->mr = s->o.mr[0] = ibv_reg_mr(s->o.pd, st->buf, st->buf_len,
					IBV_ACCESS_LOCAL_WRITE);
	if (!s->mr) {
		perr("ibv_reg_mr", errno);
		return errno ? errno : EIO;
	}
	ret = create_qp(st, s);
	for (i = 0; !ret && i < st->recv_slots; i++)
		ret = post_recv(st, s, i);
	return ret;
}

static int query_address(struct stream *st, struct session *s)
{
	if (st->o->gid_index < 0)
		return 0;
	if (ibv_query_gid(s->o.ctx, st->o->ib_port, st->o->gid_index,
			  &s->gid)) {
		perr("ibv_query_gid", errno);
		return errno ? errno : EIO;
	}
	return 0;
}

/* RTR then RTS, towards the peer's HELLO. */
static int qp_connect(struct stream *st, struct session *s,
		      const struct rcs_ctl *peer)
{
	struct ibv_qp_attr attr = {
		.qp_state = IBV_QPS_RTR,
		.path_mtu = peer->mtu < s->port.active_mtu ? peer->mtu :
			    s->port.active_mtu,
		.dest_qp_num = peer->qpn,
		.rq_psn = peer->psn,
		.max_dest_rd_atomic = 1,
		.min_rnr_timer = 12,
		.ah_attr = {
			.dlid = peer->lid,
			.port_num = st->o->ib_port,
		},
	};
	int ret;

	if (st->o->gid_index >= 0) {
		attr.ah_attr.is_global = 1;
		attr.ah_attr.grh.hop_limit = 1;
		attr.ah_attr.grh.sgid_index = st->o->gid_index;
		memcpy(attr.ah_attr.grh.dgid.raw, peer->gid, 16);
	}
	ret = ibv_modify_qp(s->qp, &attr, IBV_QP_STATE | IBV_QP_AV |
			    IBV_QP_PATH_MTU | IBV_QP_DEST_QPN |
			    IBV_QP_RQ_PSN | IBV_QP_MAX_DEST_RD_ATOMIC |
			    IBV_QP_MIN_RNR_TIMER);
	if (ret) {
		perr("ibv_modify_qp(RTR)", ret);
		return ret;
	}
	memset(&attr, 0, sizeof(attr));
	attr.qp_state = IBV_QPS_RTS;
	attr.timeout = 14;
	attr.retry_cnt = 7;
	attr.rnr_retry = 7;
	attr.sq_psn = s->psn;
	attr.max_rd_atomic = 1;
	ret = ibv_modify_qp(s->qp, &attr, IBV_QP_STATE | IBV_QP_TIMEOUT |
			    IBV_QP_RETRY_CNT | IBV_QP_RNR_RETRY |
			    IBV_QP_SQ_PSN | IBV_QP_MAX_QP_RD_ATOMIC);
	if (ret)
		perr("ibv_modify_qp(RTS)", ret);
	return ret;
}

/* ---- TCP side channel --------------------------------------------- */

static void ctl_byteswap(struct rcs_ctl *c, bool to_wire)
{
#define SWAP32(f) (c->f = to_wire ? htobe32(c->f) : be32toh(c->f))
#define SWAP64(f) (c->f = to_wire ? htobe64(c->f) : be64toh(c->f))
	SWAP32(magic); SWAP32(type); SWAP64(stream_id); SWAP32(qpn);
	SWAP32(psn); SWAP32(lid); SWAP32(mtu); SWAP32(size); SWAP32(window);
	SWAP64(seq); SWAP64(acked); SWAP64(rsum); SWAP64(lost); SWAP64(dup);
	SWAP64(corrupt);
#undef SWAP32
#undef SWAP64
}

static int ctl_send(struct session *s, enum ctl_type type,
		    const struct rcs_ctl *ctl)
{
	struct rcs_ctl c = *ctl;
	ssize_t n;

	c.magic = RCS_MAGIC;
	c.type = type;
	ctl_byteswap(&c, true);
	n = send(s->sock, &c, sizeof(c), MSG_NOSIGNAL);
	if (n == (ssize_t)sizeof(c))
		return 0;
	return n < 0 ? errno : EPIPE;
}

/* Read one message from a readable socket. EPIPE: the peer closed. */
static int ctl_read(struct session *s, struct rcs_ctl *c)
{
	ssize_t n;

	n = recv(s->sock, c, sizeof(*c), MSG_WAITALL);
	if (n < 0)
		return errno;
	if (n != (ssize_t)sizeof(*c))
		return EPIPE;
	ctl_byteswap(c, false);
	return c->magic == RCS_MAGIC ? 0 : EPROTO;
}

/* Drain the async fd: ENODEV once the device is gone, else 0. */
static int async_drain(struct stream *st, struct session *s)
{
	struct rv_event ev;
	enum rv_cause c;

	for (;;) {
		switch (rv_async_check(s->o.ctx, &ev)) {
		case RV_ASYNC_NONE:
			return 0;
		case RV_ASYNC_FATAL:
			set_cause(s, "DEVICE_FATAL", "%s",
				  ev.err ? strerror(ev.err) : "async event");
			return ENODEV;
		case RV_ASYNC_PORT:
		case RV_ASYNC_OBJECT:
			vlog(st, "async event %s", ibv_event_type_str(ev.type));
			c = rv_event_cause(ev.type);
			/* Only our port going down ends the session. */
			if (c == RV_CAUSE_PORT_ERR &&
			    ev.port != st->o->ib_port)
				c = RV_CAUSE_NONE;
			if (c) {
				set_cause(s, rv_cause_str(c), "%s",
					  ibv_event_type_str(ev.type));
				return EIO;
			}
			break;
		}
	}
}

static int poll_ms(uint64_t deadline)
{
	uint64_t now = rv_now_ms();

	if (deadline == UINT64_MAX)
		return IDLE_POLL_MS;
	if (now >= deadline)
		return 0;
	return deadline - now < IDLE_POLL_MS ? deadline - now : IDLE_POLL_MS;
}

/*
 * Wait until @fd is readable, watching the device (set up phase).
 * Returns 0, ETIMEDOUT, or ENODEV/EIO when the device failed meanwhile.
 */
static int wait_readable(struct stream *st, struct session *s, int fd,
			 uint64_t deadline)
{
	struct pollfd p[2] = {
		{ .fd = fd, .events = POLLIN },
		{ .fd = s->o.ctx->async_fd, .events = POLLIN },
	};
	int n, ret;

	for (;;) {
		n = poll(p, 2, poll_ms(deadline));
		if (n < 0 && errno != EINTR) {
			perr("poll", errno);
			return errno;
		}
		if (n > 0 && p[1].revents) {
			ret = async_drain(st, s);
			if (ret)
				return ret;
		}
		if (n > 0 && p[0].revents)
			return 0;
		if (rv_now_ms() >= deadline)
			return ETIMEDOUT;
	}
}

static int ctl_recv(struct stream *st, struct session *s, struct rcs_ctl *c,
		    enum ctl_type type, uint64_t deadline)
{
	int ret;

	ret = wait_readable(st, s, s->sock, deadline);
	if (!ret)
		ret = ctl_read(s, c);
	if (!ret && c->type != type)
		ret = EPROTO;
	if (ret)
		vlog(st, "waiting for control message %d: %s", type,
		     strerror(ret));
	return ret;
}

static void tcp_tune(int fd)
{
	struct timeval tv = { .tv_sec = 5 };
	int one = 1;

	/* Best effort: latency, and no recv() blocking forever. */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

/* Listen on @port, IPv6 and IPv4 (only IPv4 if IPv6 is disabled). */
static int tcp_listen(int port)
{
	struct sockaddr_in6 sa6 = {
		.sin6_family = AF_INET6,
		.sin6_port = htons(port),
		.sin6_addr = IN6ADDR_ANY_INIT,
	};
	struct sockaddr_in sa4 = {
		.sin_family = AF_INET,
		.sin_port = htons(port),
		.sin_addr.s_addr = htonl(INADDR_ANY),
	};
	struct sockaddr *sa = (struct sockaddr *)&sa6;
	socklen_t len = sizeof(sa6);
	int fd, one = 1;

	fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 && errno == EAFNOSUPPORT) {
		fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		sa = (struct sockaddr *)&sa4;
		len = sizeof(sa4);
	}
	if (fd < 0) {
		perr("socket", errno);
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, sa, len) || listen(fd, 8)) {
		perr("bind/listen", errno);
		close(fd);
		return -1;
	}
	return fd;
}

static int tcp_accept(struct stream *st, struct session *s, uint64_t deadline)
{
	int ret;

	ret = wait_readable(st, s, st->listen_fd, deadline);
	if (ret)
		return ret;
	s->sock = accept4(st->listen_fd, NULL, NULL, SOCK_CLOEXEC);
	if (s->sock < 0) {
		perr("accept", errno);
		return errno;
	}
	tcp_tune(s->sock);
	return 0;
}

static int connect_once(const char *host, int port)
{
	struct addrinfo hints = {
		.ai_family = AF_UNSPEC,
		.ai_socktype = SOCK_STREAM,
	}, *res, *ai;
	char service[16];
	int fd = -1, ret;

	snprintf(service, sizeof(service), "%d", port);
	ret = getaddrinfo(host, service, &hints, &res);
	if (ret) {
		fprintf(stderr, "rcstream: getaddrinfo %s: %s\n", host,
			gai_strerror(ret));
		errno = EHOSTUNREACH;
		return -1;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
			    ai->ai_protocol);
		if (fd < 0)
			continue;
		tcp_tune(fd);	/* SO_SNDTIMEO bounds connect() too */
		if (!connect(fd, ai->ai_addr, ai->ai_addrlen))
			break;
		ret = errno;
		close(fd);
		fd = -1;
		errno = ret;
	}
	freeaddrinfo(res);
	return fd;
}

/* Connect to the server, retrying with a backoff until @deadline. */
static int tcp_connect(struct stream *st, struct session *s, uint64_t deadline)
{
	struct rv_backoff b;

	rv_backoff_init(&b, RV_BACKOFF_MIN_MS, RV_BACKOFF_MAX_MS);
	for (;;) {
		s->sock = connect_once(st->o->host, st->o->tcp_port);
		if (s->sock >= 0)
			return 0;
		if (async_drain(st, s))
			return ENODEV;
		if (rv_backoff_wait(&b, deadline)) {
			perr("connect", errno);
			return ETIMEDOUT;
		}
	}
}

/* ---- handshake ---------------------------------------------------- */

static void hello_fill(struct stream *st, struct session *s,
		       struct rcs_ctl *c)
{
	memset(c, 0, sizeof(*c));
	c->stream_id = st->stream_id;
	c->qpn = s->qp->qp_num;
	c->psn = s->psn;
	c->lid = s->port.lid;
	c->mtu = s->port.active_mtu;
	c->size = st->o->size;
	c->window = st->o->window;
	memcpy(c->gid, s->gid.raw, 16);
	if (st->server) {
		c->seq = st->expect;
		c->rsum = st->rsum;
	} else {
		c->seq = st->hi;
		c->acked = st->acked;
		c->rsum = st->acked_rsum;
	}
}

/* Both sides must agree on sizes; the server follows one stream only. */
static int hello_check(struct stream *st, const struct rcs_ctl *p)
{
	if (p->size != st->o->size || p->window != st->o->window) {
		fprintf(stderr, "rcstream: peer uses -s %u -w %u, this side -s %u -w %u\n",
			p->size, p->window, st->o->size, st->o->window);
		st->fatal = true;
		return EINVAL;
	}
	if (!st->server)
		return 0;
	if (!st->stream_id)
		st->stream_id = p->stream_id;
	if (p->stream_id != st->stream_id) {
		fprintf(stderr, "rcstream: a different client (stream %llx, not %llx) connected\n",
			(unsigned long long)p->stream_id,
			(unsigned long long)st->stream_id);
		st->fatal = true;
		return EINVAL;
	}
	return 0;
}

/*
 * Client: the server has every seq below p->seq. Account the ones it got
 * since the last ACK, check its running checksum over them, and resume
 * from there: [p->seq, hi) was in flight and is sent again.
 */
static uint64_t resume_client(struct stream *st, const struct rcs_ctl *p)
{
	uint64_t from = st->acked;

	if (p->seq < st->acked || p->seq > st->hi) {
		fprintf(stderr, "rcstream: server has %llu messages, but %llu were acknowledged and %llu sent\n",
			(unsigned long long)p->seq,
			(unsigned long long)st->acked,
			(unsigned long long)st->hi);
		st->fatal = true;
		return 0;
	}
	for (; st->acked < p->seq; st->acked++)
		st->acked_rsum = rsum_add(st->acked_rsum,
					  st->slot_csum[st->acked % st->o->window]);
	tl_add(st, st->acked - from);
	if (st->acked_rsum != p->rsum) {
		fprintf(stderr, "rcstream: running checksum mismatch at %llu: server %016llx, client %016llx\n",
			(unsigned long long)st->acked,
			(unsigned long long)p->rsum,
			(unsigned long long)st->acked_rsum);
		st->rsum_bad = true;
	}
	st->next = st->acked;
	return st->hi - st->acked;
}

/* Server: what the client will send again. */
static uint64_t resume_server(struct stream *st, const struct rcs_ctl *p)
{
	if (p->seq < st->expect || p->acked > st->expect) {
		fprintf(stderr, "rcstream: client sent %llu and had %llu acked, server has %llu\n",
			(unsigned long long)p->seq,
			(unsigned long long)p->acked,
			(unsigned long long)st->expect);
		st->fatal = true;
		return 0;
	}
	st->peer_hi = p->seq;
	return p->seq - st->expect;
}

/*
 * HELLO both ways, connect the QP, READY both ways. Returns 0 and in
 * *resent what the client sends again, or an errno.
 */
static int handshake(struct stream *st, struct session *s, uint64_t deadline,
		     uint64_t *resent)
{
	struct rcs_ctl mine, peer;
	int ret;

	hello_fill(st, s, &mine);
	ret = ctl_send(s, CTL_HELLO, &mine);
	if (!ret)
		ret = ctl_recv(st, s, &peer, CTL_HELLO, deadline);
	if (!ret)
		ret = hello_check(st, &peer);
	if (ret)
		return ret;
	*resent = st->server ? resume_server(st, &peer) :
		  resume_client(st, &peer);
	if (st->fatal)
		return EPROTO;
	ret = qp_connect(st, s, &peer);
	if (!ret)
		ret = ctl_send(s, CTL_READY, &mine);
	if (!ret)
		ret = ctl_recv(st, s, &peer, CTL_READY, deadline);
	return ret;
}

/* ---- session set up and teardown ---------------------------------- */

static void session_close(struct session *s)
{
	if (rv_teardown(&s->o))
		fprintf(stderr, "rcstream: teardown had failures (see above)\n");
	if (s->sock >= 0)
		close(s->sock);
	memset(s, 0, sizeof(*s));
	s->sock = -1;
}

/* One attempt to get from nothing to a live session. */
static int session_try(struct stream *st, struct session *s, uint64_t deadline,
		       uint64_t *resent)
{
	int ret;

	ret = rv_open_device(st->o->dev, deadline, &s->o.ctx);
	if (!ret)
		ret = rv_wait_port(s->o.ctx, st->o->ib_port, st->o->gid_index,
				   deadline, &s->port);
	if (!ret)
		ret = query_address(st, s);
	if (!ret)
		ret = create_objects(st, s);
	if (ret)
		return ret;
	s->psn = lrand48() & 0xffffff;
	ret = st->server ? tcp_accept(st, s, deadline) :
			   tcp_connect(st, s, deadline);
	if (!ret)
		ret = handshake(st, s, deadline, resent);
	if (ret)
		return ret;
	s->ack_posted = st->expect;	/* the HELLO told the client */
	return ibv_req_notify_cq(s->cq, 0);
}

/*
 * Open the device and meet the peer, retrying from scratch after any
 * failure (the device may go away again meanwhile, the peer may close)
 * until @deadline. Returns 0 when the session is live.
 */
static int session_open(struct stream *st, struct session *s,
			uint64_t deadline, uint64_t *resent)
{
	struct rv_backoff b;
	int ret;

	rv_backoff_init(&b, RV_BACKOFF_MIN_MS, RV_BACKOFF_MAX_MS);
	for (;;) {
		*resent = 0;
		ret = session_try(st, s, deadline, resent);
		if (!ret)
			return 0;
		vlog(st, "session set up failed: %s; starting over",
		     strerror(ret));
		session_close(s);
		if (st->fatal)
			return ret;
		if (rv_backoff_wait(&b, deadline))
			return ETIMEDOUT;
	}
}

/* ---- the data path ------------------------------------------------ */

/* Server: check one DATA message; advance expect. */
static void verify_data(struct stream *st, const uint8_t *msg, uint32_t len)
{
	struct rcs_hdr h;
	const uint8_t *payload = msg + sizeof(h);
	bool ok;

	memcpy(&h, msg, sizeof(h));
	if (len != sizeof(h) + st->o->size || le32toh(h.magic) != RCS_MAGIC ||
	    le32toh(h.type) != MSG_DATA || le32toh(h.len) != st->o->size) {
		st->corrupt++;
		fprintf(stderr, "rcstream: corrupt message: byte_len %u, header %08x/%u/%u\n",
			len, le32toh(h.magic), le32toh(h.type), le32toh(h.len));
		return;
	}
	h.seq = le64toh(h.seq);
	h.csum = le32toh(h.csum);
	if (h.seq < st->expect) {
		st->dup++;
		fprintf(stderr, "rcstream: duplicate: seq %llu, expected %llu\n",
			(unsigned long long)h.seq,
			(unsigned long long)st->expect);
		return;
	}
	if (h.seq > st->expect) {
		st->lost += h.seq - st->expect;
		fprintf(stderr, "rcstream: gap: seq %llu, expected %llu\n",
			(unsigned long long)h.seq,
			(unsigned long long)st->expect);
	}
	fill_payload(st->scratch, st->o->size, h.seq);
	ok = msg_csum(h.seq, st->o->size, payload) == h.csum &&
	     !memcmp(payload, st->scratch, st->o->size);
	if (!ok) {
		st->corrupt++;
		fprintf(stderr, "rcstream: corrupt payload: seq %llu\n",
			(unsigned long long)h.seq);
	}
	st->rsum = rsum_add(st->rsum, h.csum);
	st->expect = h.seq + 1;
	st->received++;
	tl_add(st, 1);
}

/* Client: an ACK moves acked forward; check its running checksum. */
static void take_ack(struct stream *st, const uint8_t *msg, uint32_t len)
{
	uint64_t from = st->acked, upto;
	struct rcs_hdr h;

	memcpy(&h, msg, sizeof(h));
	upto = le64toh(h.seq);
	if (len != sizeof(h) || le32toh(h.magic) != RCS_MAGIC ||
	    le32toh(h.type) != MSG_ACK || upto < st->acked ||
	    upto > st->next) {
		fprintf(stderr, "rcstream: bad ACK: len %u type %u upto %llu (acked %llu, next %llu)\n",
			len, le32toh(h.type), (unsigned long long)upto,
			(unsigned long long)st->acked,
			(unsigned long long)st->next);
		st->fatal = true;
		return;
	}
	for (; st->acked < upto; st->acked++)
		st->acked_rsum = rsum_add(st->acked_rsum,
					  st->slot_csum[st->acked % st->o->window]);
	if (st->acked_rsum != le64toh(h.rsum) && !st->rsum_bad) {
		fprintf(stderr, "rcstream: running checksum mismatch at %llu\n",
			(unsigned long long)upto);
		st->rsum_bad = true;
	}
	tl_add(st, st->acked - from);
}

static void handle_wc(struct stream *st, struct session *s,
		      const struct ibv_wc *wc)
{
	unsigned int slot = WR_SLOT(wc->wr_id);
	enum rv_cause c = rv_wc_cause(wc);

	if (wc->wr_id & WR_SEND)
		s->sq_out--;
	if (c) {
		set_cause(s, rv_cause_str(c), "completion %s (wr_id %llx)",
			  ibv_wc_status_str(wc->status),
			  (unsigned long long)wc->wr_id);
		return;
	}
	if (!(wc->wr_id & WR_RECV))
		return;
	if (st->server)
		verify_data(st, recv_buf(st, slot), wc->byte_len);
	else
		take_ack(st, recv_buf(st, slot), wc->byte_len);
	/* Re-post at once: the peer may send as soon as it sees an ACK. */
	if (!s->cause)
		post_recv(st, s, slot);
}

/* Process every completion. Returns how many there were. */
static int poll_cq(struct stream *st, struct session *s)
{
	struct ibv_wc wc[CQ_BATCH];
	int n, i, total = 0;

	do {
		n = ibv_poll_cq(s->cq, CQ_BATCH, wc);
		if (n < 0) {
			set_cause(s, "POLL_ERR", "ibv_poll_cq: %d", n);
			return total;
		}
		for (i = 0; i < n; i++)
			handle_wc(st, s, &wc[i]);
		total += n;
	} while (n == CQ_BATCH);
	return total;
}

static void post_failed(struct session *s, const char *call, int ret)
{
	enum rv_cause c = rv_errno_cause(ret);

	set_cause(s, c ? rv_cause_str(c) : "POST_ERR", "%s: %s", call,
		  strerror(ret));
}

/* Client: the WR for message @seq, written into its slot if new. */
static void build_data(struct stream *st, struct session *s, uint64_t seq,
		       struct ibv_send_wr *wr, struct ibv_sge *sge)
{
	unsigned int slot = seq % st->o->window;
	uint8_t *m = send_buf(st, slot);
	struct rcs_hdr h = {
		.magic = htole32(RCS_MAGIC),
		.type = htole32(MSG_DATA),
		.len = htole32(st->o->size),
		.seq = htole64(seq),
	};

	/*
	 * A message sent again after an outage is still in its slot: the
	 * slot is reused only for seq + WINDOW, after seq was acked.
	 */
	if (seq >= st->hi) {
		fill_payload(m + sizeof(h), st->o->size, seq);
		st->slot_csum[slot] = msg_csum(seq, st->o->size,
					       m + sizeof(h));
		h.csum = htole32(st->slot_csum[slot]);
		memcpy(m, &h, sizeof(h));
	}
	sge->addr = (uintptr_t)m;
	sge->length = sizeof(h) + st->o->size;
	sge->lkey = s->mr->lkey;
	memset(wr, 0, sizeof(*wr));
	wr->wr_id = WR_SEND | slot;
	wr->sg_list = sge;
	wr->num_sge = 1;
	wr->opcode = IBV_WR_SEND;
	wr->send_flags = IBV_SEND_SIGNALED;
}

/*
 * Client: post what the window, the send queue and the target allow, in
 * one ibv_post_send() per batch. Returns the number of messages posted.
 */
static int post_data(struct stream *st, struct session *s)
{
	struct ibv_send_wr wr[POST_BATCH], *bad;
	struct ibv_sge sge[POST_BATCH];
	unsigned int n = 0, w = st->o->window;
	uint64_t seq = st->next;
	int ret;

	while (n < POST_BATCH && seq < st->target && seq - st->acked < w &&
	       s->sq_out + n < w) {
		build_data(st, s, seq, &wr[n], &sge[n]);
		if (n)
			wr[n - 1].next = &wr[n];
		n++;
		seq++;
	}
	if (!n)
		return 0;
	ret = ibv_post_send(s->qp, wr, &bad);
	if (ret) {
		post_failed(s, "ibv_post_send", ret);
		n = bad - wr;	/* the ones before bad_wr were posted */
	}
	st->next += n;
	if (st->next > st->hi)
		st->hi = st->next;
	s->sq_out += n;
	return n;
}

/* Server: acknowledge what arrived since the last ACK. */
static int post_ack(struct stream *st, struct session *s)
{
	unsigned int slot = s->ack_idx % st->send_slots;
	uint8_t *m = send_buf(st, slot);
	struct rcs_hdr h = {
		.magic = htole32(RCS_MAGIC),
		.type = htole32(MSG_ACK),
		.seq = htole64(st->expect),
		.rsum = htole64(st->rsum),
	};
	struct ibv_sge sge = {
		.addr = (uintptr_t)m,
		.length = sizeof(h),
		.lkey = s->mr->lkey,
	};
	struct ibv_send_wr wr = {
		.wr_id = WR_SEND | slot,
		.sg_list = &sge,
		.num_sge = 1,
		.opcode = IBV_WR_SEND,
		.send_flags = IBV_SEND_SIGNALED,
	}, *bad;
	int ret;

	if (st->expect == s->ack_posted || s->sq_out >= st->send_slots)
		return 0;
	memcpy(m, &h, sizeof(h));
	ret = ibv_post_send(s->qp, &wr, &bad);
	if (ret) {
		post_failed(s, "ibv_post_send", ret);
		return 0;
	}
	s->ack_posted = st->expect;
	s->ack_idx++;
	s->sq_out++;
	return 1;
}

/* Client: -t over? Then send nothing new. All acked? Then DONE. */
static void client_progress(struct stream *st, struct session *s)
{
	struct rcs_ctl c;
	int ret;

	if (st->target > st->hi &&
	    (stop_requested || (!st->o->count && rv_now_ms() >= st->t_end)))
		st->target = st->hi;
	if (s->done_sent || st->acked < st->target)
		return;
	memset(&c, 0, sizeof(c));
	c.stream_id = st->stream_id;
	c.seq = st->hi;
	c.rsum = st->acked_rsum;
	ret = ctl_send(s, CTL_DONE, &c);
	if (ret)
		set_cause(s, "PEER_CLOSED", "send DONE: %s", strerror(ret));
	s->done_sent = true;
}

/* Server: the client is done; compare and answer with our counts. */
static void server_done(struct stream *st, struct session *s,
			const struct rcs_ctl *c)
{
	struct rcs_ctl a;
	int ret;

	st->peer_hi = c->seq;
	if (c->seq != st->received)
		fprintf(stderr, "rcstream: client sent %llu messages, %llu arrived in order\n",
			(unsigned long long)c->seq,
			(unsigned long long)st->received);
	if (c->rsum != st->rsum) {
		fprintf(stderr, "rcstream: running checksum mismatch: client %016llx, server %016llx\n",
			(unsigned long long)c->rsum,
			(unsigned long long)st->rsum);
		st->rsum_bad = true;
	}
	memset(&a, 0, sizeof(a));
	a.stream_id = st->stream_id;
	a.seq = st->received;
	a.rsum = st->rsum;
	a.lost = st->lost;
	a.dup = st->dup;
	a.corrupt = st->corrupt;
	ret = ctl_send(s, CTL_DONE_ACK, &a);
	if (ret)
		set_cause(s, "PEER_CLOSED", "send DONE_ACK: %s", strerror(ret));
	else
		st->done = true;
}

/* A message (or EOF) on the TCP connection of a live session. */
static void handle_ctl(struct stream *st, struct session *s)
{
	struct rcs_ctl c;
	int ret;

	ret = ctl_read(s, &c);
	if (ret) {
		set_cause(s, "PEER_CLOSED", "TCP: %s",
			  ret == EPIPE ? "closed" : strerror(ret));
		return;
	}
	if (st->server && c.type == CTL_DONE) {
		server_done(st, s, &c);
	} else if (!st->server && c.type == CTL_DONE_ACK) {
		st->final = c;
		st->done = true;
	} else {
		set_cause(s, "PEER_CLOSED", "TCP: unexpected message %u",
			  c.type);
	}
}

/*
 * Sleep in poll() until the TCP socket, the async fd or the completion
 * channel has something (or @timeout ms). The CQ must have been armed.
 */
static void wait_events(struct stream *st, struct session *s, int timeout)
{
	struct pollfd p[3] = {
		{ .fd = s->sock, .events = POLLIN },
		{ .fd = s->o.ctx->async_fd, .events = POLLIN },
		{ .fd = s->o.channel->fd, .events = POLLIN },
	};
	enum rv_cause c;
	int n, ret;

	n = poll(p, 3, timeout);
	if (n <= 0) {
		if (n < 0 && errno != EINTR)
			set_cause(s, "POLL_ERR", "poll: %s", strerror(errno));
		return;
	}
	if (p[1].revents)
		async_drain(st, s);
	if (p[2].revents) {
		ret = rv_channel_check(s->o.channel, NULL);
		c = rv_errno_cause(ret);
		if (ret)
			set_cause(s, c ? rv_cause_str(c) : "CHANNEL_ERR",
				  "ibv_get_cq_event: %s", strerror(ret));
	}
	if (p[0].revents)
		handle_ctl(st, s);
}

static int idle_timeout(const struct stream *st)
{
	uint64_t now = rv_now_ms();

	if (st->server || st->o->count || st->target <= st->hi)
		return IDLE_POLL_MS;
	if (now >= st->t_end)
		return 0;
	return st->t_end - now < IDLE_POLL_MS ? st->t_end - now : IDLE_POLL_MS;
}

/*
 * Arm the CQ for the next completion, then look once more: a completion
 * that came before arming raises no event.
 */
static int arm_cq(struct session *s)
{
	int ret = ibv_req_notify_cq(s->cq, 0);

	if (ret)
		post_failed(s, "ibv_req_notify_cq", ret);
	return ret;
}

/*
 * Move data until the run is done or the session fails (s->cause).
 * Busy while there is work: completions are polled, and the fds looked at
 * without sleeping every millisecond; when idle, sleep in poll().
 */
static void session_run(struct stream *st, struct session *s)
{
	uint64_t last_look = 0;
	int work;

	while (!s->cause && !st->done && !st->fatal) {
		work = poll_cq(st, s);
		if (s->cause)
			break;
		if (st->server) {
			work += post_ack(st, s);
		} else {
			client_progress(st, s);
			work += post_data(st, s);
		}
		if (work && rv_now_ms() == last_look)
			continue;
		last_look = rv_now_ms();
		if (work) {
			wait_events(st, s, 0);
			continue;
		}
		if (arm_cq(s) || poll_cq(st, s))
			continue;
		wait_events(st, s, idle_timeout(st));
	}
}

/* ---- outages ------------------------------------------------------ */

/*
 * The session failed: take in the completions still in the CQ (the rings
 * stay readable after a revoke: receives that did complete count), then
 * tear down. Returns when the outage began.
 */
static uint64_t outage_begin(struct stream *st, struct session *s)
{
	uint64_t t = rv_now_ms();

	st->outages++;
	vlog(st, "outage %u begins: cause=%s (%s)", st->outages, s->cause,
	     s->detail);
	poll_cq(st, s);
	return t;
}

static void outage_end(struct stream *st, const char *cause, uint64_t t0,
		       uint64_t resent)
{
	uint64_t down = rv_now_ms() - t0;

	if (down > st->max_down)
		st->max_down = down;
	st->resent += resent;
	printf("outage %u: cause=%s downtime=%llu ms resent=%llu\n",
	       st->outages, cause, (unsigned long long)down,
	       (unsigned long long)resent);
	if (st->report) {
		fprintf(st->report, "outage n=%u cause=%s start_ms=%llu at_ms=%llu downtime_ms=%llu resent=%llu\n",
			st->outages, cause,
			(unsigned long long)(t0 - st->t0),
			(unsigned long long)t0,
			(unsigned long long)down,
			(unsigned long long)resent);
		fflush(st->report);
	}
}

/*
 * The whole life of a run: sessions separated by outages. Returns 0 when
 * the run completed (DONE exchanged), else -1.
 */
static int run(struct stream *st)
{
	struct session s = { .sock = -1 };
	uint64_t deadline, t, resent;
	const char *cause;

	/* The server waits for its first client as long as it takes. */
	deadline = st->server ? UINT64_MAX :
		   rv_now_ms() + st->o->recover_s * 1000ull;
	if (session_open(st, &s, deadline, &resent)) {
		if (!st->fatal)
			fprintf(stderr, "rcstream: could not connect\n");
		return -1;
	}
	st->t0 = rv_now_ms();
	st->t0_wall = wall_ms();
	st->t_end = st->t0 + st->o->secs * 1000ull;
	printf("rcstream: %s connected\n", st->server ? "server" : "client");
	for (;;) {
		session_run(st, &s);
		if (st->done || st->fatal)
			break;
		cause = s.cause;
		t = outage_begin(st, &s);
		session_close(&s);
		deadline = t + st->o->recover_s * 1000ull;
		if (session_open(st, &s, deadline, &resent)) {
			fprintf(stderr, "rcstream: outage %u: no recovery within %u s\n",
				st->outages, st->o->recover_s);
			return -1;
		}
		outage_end(st, cause, t, resent);
	}
	if (st->server && st->done)	/* let the client read DONE_ACK */
		wait_readable(st, &s, s.sock, rv_now_ms() + BYE_WAIT_MS);
	session_close(&s);
	return st->done && !st->fatal ? 0 : -1;
}

/* ---- results ------------------------------------------------------ */

struct counts {
	uint64_t sent, received, lost, dup, corrupt;
};

/*
 * The counts both sides print. A completed run has the server's; an
 * incomplete one what this side knows (what it has not confirmed is not
 * counted as lost: the summary says "incomplete").
 */
static void final_counts(const struct stream *st, struct counts *c)
{
	if (st->server) {
		c->sent = st->peer_hi > st->expect ? st->peer_hi : st->expect;
		c->received = st->received;
		c->lost = st->lost;
		c->dup = st->dup;
		c->corrupt = st->corrupt;
	} else if (st->done) {
		c->sent = st->hi;
		c->received = st->final.seq;
		c->lost = st->final.lost;
		c->dup = st->final.dup;
		c->corrupt = st->final.corrupt;
	} else {
		c->sent = st->hi;
		c->received = st->acked;
		c->lost = c->dup = c->corrupt = 0;
	}
	/* Gaps seen are among the messages that never arrived. */
	if (st->done && c->sent > c->received + c->lost)
		c->lost = c->sent - c->received;
}

/* Print the summary (and write the report); returns the exit status. */
static int finish(struct stream *st, int ret)
{
	uint64_t end = rv_now_ms(), elapsed = st->t0 ? end - st->t0 : 0;
	struct counts c;
	bool ok;

	final_counts(st, &c);
	ok = !ret && !c.lost && !c.dup && !c.corrupt && !st->rsum_bad &&
	     (!st->o->count || stop_requested || c.received == st->o->count);
	printf("rcstream: sent=%llu received=%llu lost=%llu duplicated=%llu corrupt=%llu outages=%u max_downtime=%llu ms resent=%llu elapsed=%llu ms%s\n",
	       (unsigned long long)c.sent, (unsigned long long)c.received,
	       (unsigned long long)c.lost, (unsigned long long)c.dup,
	       (unsigned long long)c.corrupt, st->outages,
	       (unsigned long long)st->max_down,
	       (unsigned long long)st->resent, (unsigned long long)elapsed,
	       st->rsum_bad ? " (running checksum mismatch)" :
	       !st->done ? " (incomplete)" : "");
	if (st->report) {
		fprintf(st->report, "summary role=%s sent=%llu received=%llu lost=%llu duplicated=%llu corrupt=%llu outages=%u max_downtime_ms=%llu resent=%llu elapsed_ms=%llu ok=%d\n",
			st->server ? "server" : "client",
			(unsigned long long)c.sent,
			(unsigned long long)c.received,
			(unsigned long long)c.lost, (unsigned long long)c.dup,
			(unsigned long long)c.corrupt, st->outages,
			(unsigned long long)st->max_down,
			(unsigned long long)st->resent,
			(unsigned long long)elapsed, ok);
		if (fclose(st->report)) {
			perr(st->o->report, errno);
			ok = false;
		}
	}
	if (st->o->timeline && tl_write(st, end))
		ok = false;
	return ok ? 0 : 1;
}

/* ---- options ------------------------------------------------------ */

static void usage(const char *argv0)
{
	fprintf(stderr,
		"usage: %s -d DEV [-g GIDIDX] [-i IBPORT] [-p TCPPORT] [-n COUNT | -t SECS]\n"
		"          [-s SIZE] [-w WINDOW] [-R SECS] [-r REPORT] [-T TIMELINE] [-v]\n"
		"          [SERVER_HOST]\n"
		"  -d DEV       RDMA device (reopened by name after an outage)\n"
		"  -g GIDIDX    GID index (RoCE needs one; default -1: no GRH)\n"
		"  -i IBPORT    device port (1)\n"
		"  -p TCPPORT   TCP port of the side channel (%d)\n"
		"  -n COUNT     messages to send (client: %d; server: any)\n"
		"  -t SECS      send for SECS seconds instead\n"
		"  -s SIZE      payload bytes per message (%d)\n"
		"  -w WINDOW    unacknowledged messages at most (%d, 1..%d)\n"
		"  -R SECS      give up when an outage lasts longer (%d)\n"
		"  -r REPORT    machine-readable outage lines and summary\n"
		"  -T TIMELINE  CSV t_ms,msgs per %d ms\n"
		"  -v           report outage detection on stderr\n",
		argv0, DEF_TCP_PORT, DEF_COUNT, DEF_SIZE, DEF_WINDOW,
		MAX_WINDOW, DEF_RECOVER_S, TICK_MS);
	exit(2);
}

static unsigned long long num(const char *s, unsigned long long max,
			      const char *argv0)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || !*s || *end || v > max || *s == '-')
		usage(argv0);
	return v;
}

static void parse_opts(int argc, char **argv, struct opts *o)
{
	int c;

	*o = (struct opts) {
		.gid_index = -1, .ib_port = 1, .tcp_port = DEF_TCP_PORT,
		.size = DEF_SIZE, .window = DEF_WINDOW,
		.recover_s = DEF_RECOVER_S,
	};
	while ((c = getopt(argc, argv, "d:g:i:p:n:t:s:w:R:r:T:vh")) != -1) {
		switch (c) {
		case 'd':
			o->dev = optarg;
			break;
		case 'g':
			o->gid_index = atoi(optarg);
			break;
		case 'i':
			o->ib_port = num(optarg, 255, argv[0]);
			break;
		case 'p':
			o->tcp_port = num(optarg, 65535, argv[0]);
			break;
		case 'n':
			o->count = num(optarg, UINT64_MAX >> 1, argv[0]);
			break;
		case 't':
			o->secs = num(optarg, 1000000, argv[0]);
			break;
		case 's':
			o->size = num(optarg, MAX_SIZE, argv[0]);
			break;
		case 'w':
			o->window = num(optarg, MAX_WINDOW, argv[0]);
			break;
		case 'R':
			o->recover_s = num(optarg, 100000, argv[0]);
			break;
		case 'r':
			o->report = optarg;
			break;
		case 'T':
			o->timeline = optarg;
			break;
		case 'v':
			o->verbose = true;
			break;
		default:
			usage(argv[0]);
		}
	}
	if (optind < argc)
		o->host = argv[optind++];
	if (!o->dev || optind < argc || !o->window || !o->ib_port ||
	    (o->count && o->secs))
		usage(argv[0]);
	/* The server takes what the client sends unless told a count. */
	if (o->host && !o->count && !o->secs)
		o->count = DEF_COUNT;
}

static int stream_init(struct stream *st, const struct opts *o)
{
	memset(st, 0, sizeof(*st));
	st->o = o;
	st->server = !o->host;
	st->listen_fd = -1;
	st->rsum = st->acked_rsum = FNV64_INIT;
	st->target = o->count ? o->count : UINT64_MAX;
	srand48(rv_now_ms() ^ ((uint64_t)getpid() << 16));
	if (!st->server)
		st->stream_id = ((uint64_t)lrand48() << 32) ^ lrand48() ^
				rv_now_ms() ^ 1;
	if (buffers_alloc(st))
		return -1;
	if (o->report) {
		st->report = fopen(o->report, "w");
		if (!st->report) {
			perr(o->report, errno);
			return -1;
		}
	}
	if (st->server) {
		st->listen_fd = tcp_listen(o->tcp_port);
		if (st->listen_fd < 0)
			return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct stream st;
	struct opts o;
	int ret;

	parse_opts(argc, argv, &o);
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGUSR1, on_sigusr1);
	if (stream_init(&st, &o))
		return 1;
	ret = run(&st);
	return finish(&st, ret);
}
