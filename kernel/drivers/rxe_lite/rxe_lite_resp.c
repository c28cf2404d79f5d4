// SPDX-License-Identifier: GPL-2.0
/*
 * rxe_lite responder: request packets arriving for a QP.
 *
 * RC: packets are taken in PSN order. A duplicate (PSN before the one
 * expected) is answered without being executed again, except reads,
 * which are idempotent and answered again, and atomics, whose saved
 * result is sent again; a packet from the future gets one sequence NAK.
 * A SEND needs a receive WQE (the QP's RQ or its SRQ), else an RNR NAK
 * tells the requester to retry after min_rnr_timer. RDMA WRITE, READ and
 * atomics need the QP's remote access flags and an rkey of an MR of the
 * QP's PD that allows them over the whole range, else a remote access
 * NAK. ACKs go out for packets that ask for one (AckReq, set on the last
 * packet of each message).
 * UD: the Q_Key must match; the receive gets the 40-byte GRH area first.
 *
 * Everything runs under resp_lock; the ACKs and read responses built are
 * sent after it is dropped.
 */
#include <linux/highmem.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <net/ipv6.h>

#include "rxe_lite.h"

/* Atomics of all devices are serialised, as on a single HCA. */
static DEFINE_SPINLOCK(rxe_lite_atomic_lock);

/*
 * The reply a request calls for, decided under resp_lock and sent after
 * it (one per request): an ACK/NAK, an atomic ACK, or read responses.
 */
struct rxe_lite_resp_out {
	u8 op;				/* RXE_LITE_OP_*, 0 for none */
	u8 syndrome;			/* ACK */
	bool err;			/* move the QP to the error state */
	u32 psn;			/* (first) PSN */
	u32 msn;
	u64 orig;			/* atomic ACK */
	struct rxe_lite_mr *mr;		/* read: a reference, or NULL */
	u64 va;
	u32 len;
};

static void rxe_lite_resp_reply(struct rxe_lite_qp *rqp,
				struct rxe_lite_resp_out *out, u8 op, u32 psn)
{
	WARN_ON_ONCE(out->op);
	out->op = op;
	out->psn = psn;
	out->msn = rqp->resp_msn;
}

static void rxe_lite_resp_ack(struct rxe_lite_qp *rqp,
			      struct rxe_lite_resp_out *out, u8 syndrome,
			      u32 psn)
{
	rxe_lite_resp_reply(rqp, out, RXE_LITE_OP_ACK, psn);
	out->syndrome = syndrome;
}

/* No receive WQE: the requester is to retry after our min_rnr_timer. */
static void rxe_lite_resp_rnr(struct rxe_lite_qp *rqp,
			      struct rxe_lite_resp_out *out)
{
	rxe_lite_count(RXE_LITE_CNT_RNR_NAK_SENT);
	rxe_lite_resp_ack(rqp, out, RXE_LITE_AETH_RNR_NAK |
			  (rqp->min_rnr_timer & 0x1f), rqp->resp_epsn);
}

static void rxe_lite_resp_nak(struct rxe_lite_qp *rqp,
			      struct rxe_lite_resp_out *out, u8 code)
{
	if (code == RXE_LITE_NAK_PSN_SEQ)
		rxe_lite_count(RXE_LITE_CNT_SEQ_NAK_SENT);
	rxe_lite_resp_ack(rqp, out, RXE_LITE_AETH_NAK | code,
			  rqp->resp_epsn);
	if (code != RXE_LITE_NAK_PSN_SEQ)
		out->err = true;
}

/*
 * Take the next WQE of receive ring @q into resp_* and consume it; false
 * if none is posted. Caller holds resp_lock and, for an SRQ, its lock.
 */
static bool rxe_lite_take_from(struct rxe_lite_qp *rqp,
			       struct rxe_lite_queue *q, u32 max_sge)
{
	u32 prod = rxe_lite_queue_user_index(q, true), i;
	const struct rxe_recv_wqe *u;

	if (prod == q->index)
		return false;
	u = rxe_lite_queue_slot(q, q->index);
	rqp->resp_wr_id = READ_ONCE(u->wr_id);
	rqp->resp_num_sge = min3(READ_ONCE(u->dma.num_sge), max_sge,
				 (u32)RXE_LITE_MAX_SGE);
	for (i = 0; i < rqp->resp_num_sge; i++)
		rqp->resp_sge[i] = u->dma.sge[i];
	rqp->resp_offset = 0;
	rqp->resp_wqe_valid = true;
	q->index = (q->index + 1) & q->index_mask;
	/* The slot is read: the provider may reuse it. */
	smp_store_release(&q->buf->consumer_index, q->index);
	return true;
}

/*
 * Take the next receive WQE of the QP's RQ or SRQ into resp_*; false if
 * none is posted. An SRQ that falls below its limit raises
 * SRQ_LIMIT_REACHED once (the limit is then disarmed). Caller holds
 * resp_lock.
 */
static bool rxe_lite_take_recv(struct rxe_lite_qp *rqp)
{
	struct lite_srq *srq = rqp->qp.srq;
	struct rxe_lite_srq *rsrq;
	bool taken, limit = false;
	u32 limit_wr;

	if (!srq)
		return rxe_lite_take_from(rqp, &rqp->rq,
					  rqp->max_recv_sge);

	rsrq = container_of(srq, struct rxe_lite_srq, srq);
	spin_lock_bh(&rsrq->lock);
	taken = rxe_lite_take_from(rqp, &rsrq->queue, srq->attr.max_sge);
	limit_wr = READ_ONCE(srq->attr.srq_limit);
	if (taken && limit_wr &&
	    rxe_lite_queue_count(&rsrq->queue,
				 rxe_lite_queue_user_index(&rsrq->queue, true),
				 rsrq->queue.index) < limit_wr) {
		WRITE_ONCE(srq->attr.srq_limit, 0);
		limit = true;
	}
	spin_unlock_bh(&rsrq->lock);
	if (limit)
		lite_srq_event(srq, LITE_EVENT_SRQ_LIMIT_REACHED);
	return taken;
}

/* Complete the receive WQE being filled. */
static void rxe_lite_recv_done(struct rxe_lite_qp *rqp, int status,
			       u8 opcode, u32 byte_len, u32 flags, __be32 imm,
			       u32 src_qp, bool solicited)
{
	struct ib_uverbs_wc wc = {
		.wr_id = rqp->resp_wr_id,
		.status = status,
		.opcode = opcode,
		.byte_len = byte_len,
		.ex.imm_data = imm,
		.qp_num = rqp->qp.qp_num,
		.src_qp = src_qp,
		.wc_flags = flags,
	};

	rqp->resp_wqe_valid = false;
	rxe_lite_cq_post(rqp->qp.recv_cq, &wc, solicited);
}

static __be32 rxe_lite_pkt_imm(const struct rxe_lite_pkt *pkt)
{
	if (!(pkt->mask & RXE_LITE_M_IMM))
		return 0;
	const struct rxe_lite_immdt *immdt =
		rxe_lite_pkt_hdr(pkt, RXE_LITE_M_IMM);

	return immdt->imm;
}

static void rxe_lite_resp_send(struct rxe_lite_qp *rqp,
			       struct rxe_lite_pkt *pkt,
			       struct rxe_lite_resp_out *out)
{
	struct rxe_lite_data d;
	int status;

	if (pkt->mask & RXE_LITE_M_FIRST) {
		if (!rxe_lite_take_recv(rqp)) {
			rxe_lite_resp_rnr(rqp, out);
			return;
		}
	} else if (!rqp->resp_wqe_valid) {
		rxe_lite_resp_nak(rqp, out, RXE_LITE_NAK_INVALID_REQ);
		return;
	}
	d = pkt->data;
	status = rxe_lite_sge_copy(rqp->rxe, rqp->qp.pd, rqp->resp_sge,
				   rqp->resp_num_sge, rqp->resp_offset, &d,
				   pkt->paylen, true);
	if (status) {
		rxe_lite_recv_done(rqp, status, RXE_LITE_WC_RECV, 0, 0, 0, 0,
				   false);
		rxe_lite_resp_nak(rqp, out, RXE_LITE_NAK_INVALID_REQ);
		return;
	}
	rqp->resp_offset += pkt->paylen;
	rqp->resp_epsn = (pkt->psn + 1) & RXE_LITE_PSN_MASK;
	if (pkt->mask & RXE_LITE_M_LAST) {
		rqp->resp_msn++;
		rxe_lite_recv_done(rqp, 0, RXE_LITE_WC_RECV, rqp->resp_offset,
				   pkt->mask & RXE_LITE_M_IMM ?
				   RXE_LITE_WC_WITH_IMM : 0,
				   rxe_lite_pkt_imm(pkt), rqp->dest_qpn,
				   pkt->se);
	}
	if (pkt->ackreq)
		rxe_lite_resp_ack(rqp, out, RXE_LITE_AETH_ACK |
				  RXE_LITE_AETH_NO_CREDIT, pkt->psn);
}

/* An rkey's MR (directly or through a window), checked for @access over [@va, @va + @len). */
static struct rxe_lite_mr *rxe_lite_rkey(struct rxe_lite_qp *rqp, u32 rkey,
					 u64 va, u32 len, u32 access)
{
	struct rxe_lite_mr *rmr = rxe_lite_mr_get(rqp->rxe, rkey);

	/* Not an MR's rkey: a window's, checked against the window. */
	if (!rmr)
		return rxe_lite_mw_mr_get(rqp, rkey, va, len, access);
	if (rxe_lite_mr_check(rmr, rqp->qp.pd, va, len, access)) {
		rxe_lite_mr_put(rmr);
		rmr = NULL;
	}
	return rmr;
}

static void rxe_lite_resp_write(struct rxe_lite_qp *rqp,
				struct rxe_lite_pkt *pkt,
				struct rxe_lite_resp_out *out)
{
	struct rxe_lite_data d;
	struct rxe_lite_mr *rmr;

	if (!(rqp->access & LITE_ACCESS_REMOTE_WRITE)) {
		rxe_lite_resp_nak(rqp, out, RXE_LITE_NAK_REM_ACCESS);
		return;
	}
	if (pkt->mask & RXE_LITE_M_FIRST) {
		struct rxe_lite_reth *reth = rxe_lite_pkt_hdr(pkt,
							      RXE_LITE_M_RETH);

		rqp->resp_va = be64_to_cpu(reth->va);
		rqp->resp_rkey = be32_to_cpu(reth->rkey);
		rqp->resp_len = be32_to_cpu(reth->len);
		rqp->resp_done = 0;
	}
	if ((pkt->mask & RXE_LITE_M_IMM) && !rxe_lite_take_recv(rqp)) {
		rxe_lite_resp_rnr(rqp, out);
		return;
	}
	if (rqp->resp_done + pkt->paylen > rqp->resp_len) {
		rxe_lite_resp_nak(rqp, out, RXE_LITE_NAK_INVALID_REQ);
		return;
	}
	if (pkt->paylen) {
		rmr = rxe_lite_rkey(rqp, rqp->resp_rkey,
				    rqp->resp_va + rqp->resp_done, pkt->paylen,
				    LITE_ACCESS_REMOTE_WRITE);
		if (!rmr) {
			rxe_lite_resp_nak(rqp, out, RXE_LITE_NAK_REM_ACCESS);
			return;
		}
		d = pkt->data;
		rxe_lite_data_copy(&d, rmr, rqp->resp_va + rqp->resp_done,
				   pkt->paylen, true);
		rxe_lite_mr_put(rmr);
	}
	rqp->resp_done += pkt->paylen;
	rqp->resp_epsn = (pkt->psn + 1) & RXE_LITE_PSN_MASK;
	if (pkt->mask & RXE_LITE_M_LAST) {
		rqp->resp_msn++;
		if (pkt->mask & RXE_LITE_M_IMM)
			rxe_lite_recv_done(rqp, 0,
					   RXE_LITE_WC_RECV_RDMA_WITH_IMM,
					   rqp->resp_len, RXE_LITE_WC_WITH_IMM,
					   rxe_lite_pkt_imm(pkt), rqp->dest_qpn,
					   pkt->se);
	}
	if (pkt->ackreq)
		rxe_lite_resp_ack(rqp, out, RXE_LITE_AETH_ACK |
				  RXE_LITE_AETH_NO_CREDIT, pkt->psn);
}

/* A read request (new or duplicate): its responses are to be sent. */
static void rxe_lite_resp_read(struct rxe_lite_qp *rqp,
			       struct rxe_lite_pkt *pkt,
			       struct rxe_lite_resp_out *out)
{
	struct rxe_lite_reth *reth = rxe_lite_pkt_hdr(pkt, RXE_LITE_M_RETH);
	u64 va = be64_to_cpu(reth->va);
	u32 len = be32_to_cpu(reth->len);
	struct rxe_lite_mr *rmr = NULL;

	if (!(rqp->access & LITE_ACCESS_REMOTE_READ)) {
		rxe_lite_resp_nak(rqp, out, RXE_LITE_NAK_REM_ACCESS);
		return;
	}
	/* Bounded work per request, whatever the peer asks for. */
	if (len > rqp->qp.device->attrs.max_msg_sz) {
		rxe_lite_resp_nak(rqp, out, RXE_LITE_NAK_INVALID_REQ);
		return;
	}
	if (len) {
		rmr = rxe_lite_rkey(rqp, be32_to_cpu(reth->rkey), va, len,
				    LITE_ACCESS_REMOTE_READ);
		if (!rmr) {
			rxe_lite_resp_nak(rqp, out, RXE_LITE_NAK_REM_ACCESS);
			return;
		}
	}
	if (pkt->psn == rqp->resp_epsn) {
		rqp->resp_epsn = (pkt->psn + (len ? DIV_ROUND_UP(len, rqp->mtu) :
					      1)) & RXE_LITE_PSN_MASK;
		rqp->resp_msn++;
	}
	rxe_lite_resp_reply(rqp, out, RXE_LITE_OP_READ_REQ, pkt->psn);
	out->mr = rmr;
	out->va = va;
	out->len = len;
}

/*
 * Send the read responses of @out, one packet at a time, each read from
 * the MR as it is built (a loopback one names its range instead).
 */
static void rxe_lite_resp_send_read(struct rxe_lite_qp *rqp,
				    const struct lite_ah_attr *av, u32 dqpn,
				    const struct rxe_lite_pkt *req,
				    const struct rxe_lite_resp_out *out)
{
	u32 n = out->len ? DIV_ROUND_UP(out->len, rqp->mtu) : 1, i, size;
	struct rxe_lite_pkt p;
	u64 va;
	u8 op;

	for (i = 0; i < n; i++) {
		size = min(rqp->mtu, out->len - i * rqp->mtu);
		va = out->va + (u64)i * rqp->mtu;
		op = n == 1 ? RXE_LITE_OP_READ_RESP_ONLY :
		     !i ? RXE_LITE_OP_READ_RESP_FIRST :
		     i == n - 1 ? RXE_LITE_OP_READ_RESP_LAST :
				  RXE_LITE_OP_READ_RESP_MIDDLE;
		if (rxe_lite_pkt_init(rqp, av, op, size, dqpn, out->psn + i, 0,
				      req, &p))
			break;		/* the requester's timer asks again */
		if (p.mask & RXE_LITE_M_AETH)
			((struct rxe_lite_aeth *)rxe_lite_pkt_hdr(&p,
				RXE_LITE_M_AETH))->smsn =
				cpu_to_be32(RXE_LITE_AETH_NO_CREDIT << 24 |
					    (out->msn & RXE_LITE_PSN_MASK));
		if (size && p.skb) {
			rxe_lite_mr_copy(out->mr, va, p.data.buf, size, false);
		} else if (size) {
			refcount_inc(&out->mr->ref);
			p.data.mr = out->mr;
			p.data.va = va;
		}
		rxe_lite_send(rqp, av, &p);
	}
}

/* Send the reply decided for request @req, after resp_lock. */
static void rxe_lite_resp_out_send(struct rxe_lite_qp *rqp,
				   const struct lite_ah_attr *av, u32 dqpn,
				   const struct rxe_lite_pkt *req,
				   const struct rxe_lite_resp_out *out)
{
	struct rxe_lite_pkt p;

	if (out->op == RXE_LITE_OP_READ_REQ) {
		rxe_lite_resp_send_read(rqp, av, dqpn, req, out);
		if (out->mr)
			rxe_lite_mr_put(out->mr);
		return;
	}
	if (!out->op || rxe_lite_pkt_init(rqp, av, out->op, 0, dqpn, out->psn,
					  0, req, &p))
		return;
	((struct rxe_lite_aeth *)rxe_lite_pkt_hdr(&p, RXE_LITE_M_AETH))->smsn =
		cpu_to_be32((out->op == RXE_LITE_OP_ACK ? out->syndrome :
			     RXE_LITE_AETH_NO_CREDIT) << 24 |
			    (out->msn & RXE_LITE_PSN_MASK));
	if (out->op == RXE_LITE_OP_ATOMIC_ACK)
		((struct rxe_lite_atmack *)rxe_lite_pkt_hdr(&p,
			RXE_LITE_M_ATMACK))->orig = cpu_to_be64(out->orig);
	rxe_lite_send(rqp, av, &p);
}

static void rxe_lite_atomic_ack(struct rxe_lite_qp *rqp,
				struct rxe_lite_resp_out *out, u32 psn,
				u64 orig)
{
	rxe_lite_resp_reply(rqp, out, RXE_LITE_OP_ATOMIC_ACK, psn);
	out->orig = orig;
}

static void rxe_lite_resp_atomic(struct rxe_lite_qp *rqp,
				 struct rxe_lite_pkt *pkt,
				 struct rxe_lite_resp_out *out)
{
	struct rxe_lite_atmeth *a = rxe_lite_pkt_hdr(pkt, RXE_LITE_M_ATMETH);
	u64 va = be64_to_cpu(a->va), orig, *p;
	struct rxe_lite_atomic_saved *saved;
	struct rxe_lite_mr *rmr;

	if (!(rqp->access & LITE_ACCESS_REMOTE_ATOMIC)) {
		rxe_lite_resp_nak(rqp, out, RXE_LITE_NAK_REM_ACCESS);
		return;
	}
	if (va & 7) {
		rxe_lite_resp_nak(rqp, out, RXE_LITE_NAK_INVALID_REQ);
		return;
	}
	rmr = rxe_lite_rkey(rqp, be32_to_cpu(a->rkey), va, sizeof(u64),
			    LITE_ACCESS_REMOTE_ATOMIC);
	if (!rmr) {
		rxe_lite_resp_nak(rqp, out, RXE_LITE_NAK_REM_ACCESS);
		return;
	}
	p = rxe_lite_mr_map_u64(rmr, va);
	spin_lock_bh(&rxe_lite_atomic_lock);
	orig = *p;
	if (pkt->opcode == RXE_LITE_OP_CMP_SWAP) {
		if (orig == be64_to_cpu(a->comp))
			*p = be64_to_cpu(a->swap_add);
	} else {
		*p = orig + be64_to_cpu(a->swap_add);
	}
	spin_unlock_bh(&rxe_lite_atomic_lock);
	kunmap_local(p);
	rxe_lite_mr_put(rmr);

	/* Kept for a duplicate: one slot per PSN of the last few atomics. */
	saved = &rqp->resp_atomic[pkt->psn % RXE_LITE_ATOMIC_SAVED];
	saved->valid = true;
	saved->psn = pkt->psn;
	saved->orig = orig;
	rqp->resp_epsn = (pkt->psn + 1) & RXE_LITE_PSN_MASK;
	rqp->resp_msn++;
	rxe_lite_atomic_ack(rqp, out, pkt->psn, orig);
}

/* What a UD receive sees in front of the data: the packet's IP header. */
static void rxe_lite_grh(u8 *grh, const struct rxe_lite_pkt *pkt)
{
	memset(grh, 0, RXE_LITE_GRH_LEN);
	if (ipv6_addr_v4mapped((const struct in6_addr *)pkt->sgid.raw)) {
		struct iphdr *iph = (struct iphdr *)(grh + 20);

		iph->version = 4;
		iph->ihl = 5;
		iph->tot_len = htons(sizeof(*iph) + 8 + pkt->paylen);
		iph->ttl = 64;
		iph->protocol = IPPROTO_UDP;
		memcpy(&iph->saddr, &pkt->sgid.raw[12], 4);
		memcpy(&iph->daddr, &pkt->dgid.raw[12], 4);
	} else {
		struct ipv6hdr *ip6 = (struct ipv6hdr *)grh;

		ip6->version = 6;
		ip6->payload_len = htons(8 + pkt->paylen);
		ip6->nexthdr = IPPROTO_UDP;
		ip6->hop_limit = 64;
		memcpy(&ip6->saddr, pkt->sgid.raw, 16);
		memcpy(&ip6->daddr, pkt->dgid.raw, 16);
	}
}

static void rxe_lite_resp_ud(struct rxe_lite_qp *rqp,
			     struct rxe_lite_pkt *pkt)
{
	struct rxe_lite_deth *deth = rxe_lite_pkt_hdr(pkt, RXE_LITE_M_DETH);
	struct rxe_lite_data d = {};
	u8 grh[RXE_LITE_GRH_LEN];
	int status;

	if (be32_to_cpu(deth->qkey) != rqp->qkey || !rxe_lite_take_recv(rqp))
		return;		/* UD: silently dropped */
	rxe_lite_grh(grh, pkt);
	d.buf = grh;
	status = rxe_lite_sge_copy(rqp->rxe, rqp->qp.pd, rqp->resp_sge,
				   rqp->resp_num_sge, 0, &d, sizeof(grh),
				   true);
	d = pkt->data;
	if (!status)
		status = rxe_lite_sge_copy(rqp->rxe, rqp->qp.pd,
					   rqp->resp_sge, rqp->resp_num_sge,
					   sizeof(grh), &d, pkt->paylen, true);
	rxe_lite_recv_done(rqp, status, RXE_LITE_WC_RECV,
			   sizeof(grh) + pkt->paylen,
			   RXE_LITE_WC_GRH | (pkt->mask & RXE_LITE_M_IMM ?
					      RXE_LITE_WC_WITH_IMM : 0),
			   rxe_lite_pkt_imm(pkt),
			   be32_to_cpu(deth->sqp) & RXE_LITE_QPN_MASK, pkt->se);
}

/* A duplicate RC request: answer it, change nothing. */
static void rxe_lite_resp_dup(struct rxe_lite_qp *rqp,
			      struct rxe_lite_pkt *pkt,
			      struct rxe_lite_resp_out *out)
{
	rxe_lite_count(RXE_LITE_CNT_DUP);
	if (pkt->mask & RXE_LITE_M_READ) {
		rxe_lite_resp_read(rqp, pkt, out);
	} else if (pkt->mask & RXE_LITE_M_ATOMIC) {
		struct rxe_lite_atomic_saved *saved =
			&rqp->resp_atomic[pkt->psn % RXE_LITE_ATOMIC_SAVED];

		if (saved->valid && saved->psn == pkt->psn)
			rxe_lite_atomic_ack(rqp, out, pkt->psn, saved->orig);
	} else if (pkt->ackreq) {
		rxe_lite_resp_ack(rqp, out, RXE_LITE_AETH_ACK |
				  RXE_LITE_AETH_NO_CREDIT,
				  (rqp->resp_epsn - 1) & RXE_LITE_PSN_MASK);
	}
}

void rxe_lite_resp_rcv(struct rxe_lite_qp *rqp, struct rxe_lite_pkt *pkt)
{
	enum lite_qp_state state = READ_ONCE(rqp->qp.state);
	enum lite_qp_type type = rqp->qp.qp_type;
	struct rxe_lite_resp_out out = {};
	struct lite_ah_attr av;
	u8 transport = pkt->opcode & 0xe0;
	u32 dqpn;

	if (state != LITE_QPS_RTR && state != LITE_QPS_RTS &&
	    state != LITE_QPS_SQD && state != LITE_QPS_SQE)
		return;
	if ((type == LITE_QPT_RC && transport != RXE_LITE_OP_RC) ||
	    (type == LITE_QPT_UC && transport != RXE_LITE_OP_UC) ||
	    (type == LITE_QPT_UD && transport != RXE_LITE_OP_UD))
		return;

	spin_lock_bh(&rqp->resp_lock);
	if (type == LITE_QPT_UD) {
		rxe_lite_resp_ud(rqp, pkt);
		goto unlock;
	}
	if (pkt->psn != rqp->resp_epsn) {
		if (type == LITE_QPT_UC) {
			/* UC: a gap loses the message; resync on a first. */
			rqp->resp_wqe_valid = false;
			if (!(pkt->mask & RXE_LITE_M_FIRST))
				goto unlock;
		} else if (rxe_lite_psn_before(pkt->psn, rqp->resp_epsn)) {
			rxe_lite_resp_dup(rqp, pkt, &out);
			goto unlock;
		} else {
			if (!rqp->resp_nak_sent)
				rxe_lite_resp_nak(rqp, &out,
						  RXE_LITE_NAK_PSN_SEQ);
			rqp->resp_nak_sent = true;
			goto unlock;
		}
	}
	rqp->resp_nak_sent = false;
	if (type == LITE_QPT_UC)
		pkt->ackreq = false;

	if (pkt->mask & RXE_LITE_M_SEND)
		rxe_lite_resp_send(rqp, pkt, &out);
	else if (pkt->mask & RXE_LITE_M_WRITE)
		rxe_lite_resp_write(rqp, pkt, &out);
	else if (pkt->mask & RXE_LITE_M_READ)
		rxe_lite_resp_read(rqp, pkt, &out);
	else if (pkt->mask & RXE_LITE_M_ATOMIC)
		rxe_lite_resp_atomic(rqp, pkt, &out);
unlock:
	av = rqp->av;
	dqpn = rqp->dest_qpn;
	spin_unlock_bh(&rqp->resp_lock);

	rxe_lite_resp_out_send(rqp, &av, dqpn, pkt, &out);
	if (out.err)
		rxe_lite_qp_error(rqp);
}

/*
 * The QP is in the error state: every posted receive (of its own RQ, not
 * an SRQ) completes with a flush error. Caller holds resp_lock.
 */
void rxe_lite_resp_flush(struct rxe_lite_qp *rqp)
{
	if (rqp->resp_wqe_valid)
		rxe_lite_recv_done(rqp, RXE_LITE_WC_WR_FLUSH_ERR,
				   RXE_LITE_WC_RECV, 0, 0, 0, 0, false);
	if (rqp->qp.srq || !rqp->rq.buf)
		return;
	while (rxe_lite_take_recv(rqp))
		rxe_lite_recv_done(rqp, RXE_LITE_WC_WR_FLUSH_ERR,
				   RXE_LITE_WC_RECV, 0, 0, 0, 0, false);
}
