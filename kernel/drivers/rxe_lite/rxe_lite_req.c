// SPDX-License-Identifier: GPL-2.0
/*
 * rxe_lite requester: turns the send queue ring into packets.
 *
 * The requester runs only from the QP's task (rxe_lite_task.c): inline
 * in the doorbell syscall (POST_SEND), or from the driver's workqueue
 * when the completer, the timer or a budget that ran out asks for it.
 * The timer only schedules the task; the timeout itself (resend, retry
 * count, RNR wait) is handled at the start of each run, so nothing of the
 * QP runs outside the task and the packet receive path, both of which
 * destroy_qp drains.
 *
 * Each WQE is read from the ring once, checked, and kept in the shadow
 * array (struct rxe_lite_swqe) with its PSN range; its data (SGE list or
 * inline bytes) is read from the ring slot when a packet is built, which
 * the slot's ownership allows: userspace may not reuse a slot before the
 * consumer index passed it. One packet is built per locked step and sent
 * with no lock held. RC packets stay "in flight" until the completer sees
 * their ACK or response; the retransmission timer and NAKs rewind the
 * requester to the oldest incomplete WQE (go-back-N).
 */
#include <linux/jiffies.h>
#include <linux/slab.h>

#include "rxe_lite.h"

/* ibv_send_flags */
#define RXE_LITE_SEND_SIGNALED	BIT(1)
#define RXE_LITE_SEND_SOLICITED	BIT(2)
#define RXE_LITE_SEND_INLINE	BIT(3)

/*
 * Packets sent and not yet acknowledged, at most. Small enough that a
 * burst (and its retransmission) fits the receive backlog of a slow host.
 */
#define RXE_LITE_MAX_INFLIGHT	128
/*
 * A long read asks for this many responses at a time: the peer sends a
 * request's responses in one burst, which must fit the window too.
 */
#define RXE_LITE_READ_CHUNK	RXE_LITE_MAX_INFLIGHT
/* Long messages ask for an ACK every 64 packets, to move the window. */
#define RXE_LITE_ACK_EVERY_MASK	63
#define RXE_LITE_MAX_MSG	SZ_8M
/*
 * Packets one run of the task sends at most: more goes on from the
 * workqueue, so a big send yields instead of filling a syscall.
 */
#define RXE_LITE_REQ_BUDGET	256

static struct rxe_send_wqe *rxe_lite_sq_slot(struct rxe_lite_qp *rqp, u32 i)
{
	return rxe_lite_queue_slot(&rqp->sq, i);
}

static u32 rxe_lite_npkts(const struct rxe_lite_qp *rqp, u32 len)
{
	return len ? DIV_ROUND_UP(len, rqp->mtu) : 1;
}

/*
 * The address of UD work request's AH, checked to be of the QP's PD.
 * The AH cannot go away meanwhile: the doorbell holds the file's object
 * lock for read, DESTROY_AH needs it for write.
 */
static int rxe_lite_ud_av(struct rxe_lite_qp *rqp, u32 ah_num,
			  struct lite_ah_attr *av)
{
	struct rxe_lite_dev *rxe = rqp->rxe;
	struct rxe_lite_ah *rah;
	int ret = -EINVAL;

	xa_lock_bh(&rxe->ahs);
	rah = xa_load(&rxe->ahs, ah_num);
	if (rah && rah->ah.pd == rqp->qp.pd) {
		*av = rah->ah.attr;
		ret = 0;
	}
	xa_unlock_bh(&rxe->ahs);
	return ret;
}

static bool rxe_lite_local_op(const struct rxe_lite_swqe *w)
{
	return w->opcode == IB_UVERBS_WR_BIND_MW ||
	       w->opcode == IB_UVERBS_WR_LOCAL_INV;
}

/*
 * Execute the local operation WQE in SQ slot @idx (no packet: it is done
 * when the requester reaches it, after the WQEs before it were sent, as
 * in Linux's rxe). 0 or an RXE_LITE_WC_* status.
 */
static int rxe_lite_do_local_op(struct rxe_lite_qp *rqp, u32 idx,
				struct rxe_lite_swqe *w)
{
	const struct rxe_send_wqe *u = rxe_lite_sq_slot(rqp, idx);

	w->length = 0;
	if (w->opcode == IB_UVERBS_WR_LOCAL_INV)
		return rxe_lite_local_inv(rqp,
					  READ_ONCE(u->wr.ex.invalidate_rkey));
	return rxe_lite_bind_mw(rqp, READ_ONCE(u->wr.wr.mw.mw_rkey),
				READ_ONCE(u->wr.wr.mw.rkey),
				READ_ONCE(u->wr.wr.mw.mr_lkey),
				READ_ONCE(u->wr.wr.mw.addr),
				READ_ONCE(u->wr.wr.mw.length),
				READ_ONCE(u->wr.wr.mw.access));
}

/* Read and check the WQE in SQ slot @idx; 0 or an RXE_LITE_WC_* status. */
static int rxe_lite_snap(struct rxe_lite_qp *rqp, u32 idx,
			 struct rxe_lite_swqe *w)
{
	const struct rxe_send_wqe *u = rxe_lite_sq_slot(rqp, idx);
	enum lite_qp_type type = rqp->qp.qp_type;
	u64 len = 0;
	u32 i, num_sge;

	memset(w, 0, sizeof(*w));
	w->wr_id = READ_ONCE(u->wr.wr_id);
	w->opcode = READ_ONCE(u->wr.opcode);
	w->send_flags = READ_ONCE(u->wr.send_flags);
	w->imm = READ_ONCE(u->wr.ex.imm_data);
	w->state = RXE_LITE_WQE_NEW;

	if (w->send_flags & RXE_LITE_SEND_INLINE) {
		len = READ_ONCE(u->dma.length);
		if (len > rqp->max_inline)
			return RXE_LITE_WC_LOC_LEN_ERR;
	} else {
		num_sge = READ_ONCE(u->dma.num_sge);
		if (num_sge > rqp->max_send_sge)
			return RXE_LITE_WC_LOC_LEN_ERR;
		for (i = 0; i < num_sge; i++)
			len += READ_ONCE(u->dma.sge[i].length);
	}
	if (len > RXE_LITE_MAX_MSG)
		return RXE_LITE_WC_LOC_LEN_ERR;
	w->length = len;

	switch (w->opcode) {
	case IB_UVERBS_WR_SEND:
	case IB_UVERBS_WR_SEND_WITH_IMM:
		break;
	case IB_UVERBS_WR_RDMA_WRITE:
	case IB_UVERBS_WR_RDMA_WRITE_WITH_IMM:
		if (type == LITE_QPT_UD)
			return RXE_LITE_WC_LOC_QP_OP_ERR;
		w->remote_addr = READ_ONCE(u->wr.wr.rdma.remote_addr);
		w->rkey = READ_ONCE(u->wr.wr.rdma.rkey);
		break;
	case IB_UVERBS_WR_RDMA_READ:
		if (type != LITE_QPT_RC ||
		    (w->send_flags & RXE_LITE_SEND_INLINE))
			return RXE_LITE_WC_LOC_QP_OP_ERR;
		w->remote_addr = READ_ONCE(u->wr.wr.rdma.remote_addr);
		w->rkey = READ_ONCE(u->wr.wr.rdma.rkey);
		break;
	case IB_UVERBS_WR_BIND_MW:
	case IB_UVERBS_WR_LOCAL_INV:
		if (type == LITE_QPT_UD)
			return RXE_LITE_WC_LOC_QP_OP_ERR;
		return rxe_lite_do_local_op(rqp, idx, w);
	case IB_UVERBS_WR_ATOMIC_CMP_AND_SWP:
	case IB_UVERBS_WR_ATOMIC_FETCH_AND_ADD:
		if (type != LITE_QPT_RC ||
		    (w->send_flags & RXE_LITE_SEND_INLINE))
			return RXE_LITE_WC_LOC_QP_OP_ERR;
		w->remote_addr = READ_ONCE(u->wr.wr.atomic.remote_addr);
		w->compare_add = READ_ONCE(u->wr.wr.atomic.compare_add);
		w->swap = READ_ONCE(u->wr.wr.atomic.swap);
		w->rkey = READ_ONCE(u->wr.wr.atomic.rkey);
		if (w->length != sizeof(u64) || (w->remote_addr & 7))
			return RXE_LITE_WC_LOC_LEN_ERR;
		break;
	default:
		return RXE_LITE_WC_LOC_QP_OP_ERR;
	}

	if (type == LITE_QPT_UD) {
		w->remote_qpn = READ_ONCE(u->wr.wr.ud.remote_qpn) &
				RXE_LITE_QPN_MASK;
		w->remote_qkey = READ_ONCE(u->wr.wr.ud.remote_qkey);
		if (w->length > rqp->mtu)
			return RXE_LITE_WC_LOC_LEN_ERR;
		if (rxe_lite_ud_av(rqp, READ_ONCE(u->wr.wr.ud.ah_num), &w->av))
			return RXE_LITE_WC_LOC_QP_OP_ERR;
	}
	return 0;
}

/* The retransmission timeout in jiffies, 0 for none. */
static unsigned long rxe_lite_retrans_timeout(const struct rxe_lite_qp *rqp)
{
	unsigned long t;

	/* Timeout 0 means "wait forever" (IBTA); the code is 4.096 us << n. */
	if (rqp->qp.qp_type != LITE_QPT_RC || !rqp->timeout)
		return 0;
	t = usecs_to_jiffies((4096ULL << min_t(u8, rqp->timeout, 31)) / 1000);
	/*
	 * The timeout is a lower bound: back off (double it) with each
	 * retry that brought no progress, so a slow peer is not flooded
	 * with retransmissions it then has to discard.
	 */
	t <<= min_t(u8, rqp->retry_cnt - rqp->retries_left, 4);
	return max_t(unsigned long, t, msecs_to_jiffies(10));
}

/*
 * A packet is in flight: make sure the timer runs; @restart (the first
 * packet after none was in flight) also restarts the clock. Caller holds
 * req_lock.
 */
void rxe_lite_arm_retrans(struct rxe_lite_qp *rqp, bool restart)
{
	unsigned long t = rxe_lite_retrans_timeout(rqp);

	if (!t)
		return;
	if (restart)
		rqp->retrans_from = jiffies;
	if (!timer_pending(&rqp->retrans_timer))
		mod_timer(&rqp->retrans_timer, rqp->retrans_from + t);
}

static bool rxe_lite_rd_atomic(const struct rxe_lite_swqe *w)
{
	return w->opcode == IB_UVERBS_WR_RDMA_READ ||
	       w->opcode == IB_UVERBS_WR_ATOMIC_CMP_AND_SWP ||
	       w->opcode == IB_UVERBS_WR_ATOMIC_FETCH_AND_ADD;
}

/*
 * May another read or atomic start? At most max_rd_atomic (and what the
 * responder can replay) may be waiting for their responses.
 */
static bool rxe_lite_rd_atomic_room(struct rxe_lite_qp *rqp)
{
	u32 limit = clamp_t(u32, rqp->max_rd_atomic, 1,
			    RXE_LITE_ATOMIC_SAVED);
	u32 i, n = 0;

	for (i = rqp->sq.index; i != rqp->sq_next;
	     i = (i + 1) & rqp->sq.index_mask)
		if (rqp->swqe[i].state != RXE_LITE_WQE_DONE &&
		    rxe_lite_rd_atomic(&rqp->swqe[i]))
			n++;
	return n < limit;
}

/*
 * Where (re)sending a WQE starts or goes on: for an RC send or write, after
 * the packets the peer acknowledged (it kept its state for the message),
 * also those acknowledged while the WQE is being resent (the ACK of an
 * earlier transmission overtook the resend, or answered a probe). Its last
 * packet is always sent: the ACK it asks for completes the WQE. Reads
 * resume through resp_psn instead.
 */
static u32 rxe_lite_resume_offset(struct rxe_lite_qp *rqp,
				  const struct rxe_lite_swqe *w)
{
	u32 done;

	if (rqp->qp.qp_type != LITE_QPT_RC || rxe_lite_rd_atomic(w) ||
	    rxe_lite_psn_before(rqp->req_acked, w->first_psn))
		return 0;
	done = min((rqp->req_acked - w->first_psn) & RXE_LITE_PSN_MASK,
		   rxe_lite_npkts(rqp, w->length) - 1);
	return done * rqp->mtu;
}

/*
 * The payload of a packet: @n bytes at @off of the WQE in slot @u. For a
 * loopback packet it is named, not copied, when one SGE or the inline data
 * holds it. 0, -ENOMEM, or an RXE_LITE_WC_* status.
 */
static int rxe_lite_req_payload(struct rxe_lite_qp *rqp,
				const struct rxe_lite_swqe *w,
				struct rxe_send_wqe *u, u32 off, u32 n,
				struct rxe_lite_pkt *pkt)
{
	u32 num_sge = min_t(u32, READ_ONCE(u->dma.num_sge),
			    rqp->max_send_sge);
	struct rxe_lite_data d;
	int ret;

	if (w->send_flags & RXE_LITE_SEND_INLINE) {
		if (!pkt->skb)
			pkt->data.buf = u->dma.inline_data + off;
		else
			memcpy(pkt->data.buf, u->dma.inline_data + off, n);
		return 0;
	}
	if (!pkt->skb) {
		ret = rxe_lite_sge_ref(rqp->rxe, rqp->qp.pd, u->dma.sge,
				       num_sge, off, n, &pkt->data);
		if (ret != -E2BIG)
			return ret;
		pkt->bounce = kmalloc(n, GFP_ATOMIC);
		if (!pkt->bounce)
			return -ENOMEM;
		pkt->data.buf = pkt->bounce;
	}
	d = pkt->data;
	return rxe_lite_sge_copy(rqp->rxe, rqp->qp.pd, u->dma.sge, num_sge,
				 off, &d, n, false);
}

/*
 * Start the next packet of the WQE at sq_next in @pkt; false when there
 * is nothing to send (queue empty, window full, QP not sending). Caller
 * holds req_lock. *@err is set when the QP must go to the error state;
 * *@sent is set to the WQE's slot when this is the last packet of an
 * unreliable WQE, which completes once the packet is sent.
 */
static bool rxe_lite_req_build(struct rxe_lite_qp *rqp,
			       struct lite_ah_attr *av,
			       struct rxe_lite_pkt *pkt, bool *err, int *sent)
{
	enum lite_qp_type type = rqp->qp.qp_type;
	u32 base = type == LITE_QPT_UC ? RXE_LITE_OP_UC : RXE_LITE_OP_RC;
	u32 n, off, psn, flags = 0, dqpn = rqp->dest_qpn, mask = 0;
	struct rxe_send_wqe *u;
	struct rxe_lite_swqe *w;
	bool first, last;
	int status;
	u8 op;

	if (!rxe_lite_qp_sending(rqp) || rqp->rnr_wait)
		return false;
again:
	if (rqp->sq_next == rqp->sq_snap) {
		/* In SQD only the WQEs already begun are sent. */
		if (rqp->sqd ||
		    rqp->sq_snap == rxe_lite_queue_user_index(&rqp->sq, true))
			return false;
		w = &rqp->swqe[rqp->sq_snap];
		status = rxe_lite_snap(rqp, rqp->sq_snap, w);
		w->first_psn = rqp->req_psn;
		n = w->opcode == IB_UVERBS_WR_ATOMIC_CMP_AND_SWP ||
		    w->opcode == IB_UVERBS_WR_ATOMIC_FETCH_AND_ADD ? 1 :
		    rxe_lite_local_op(w) ? 0 :
		    rxe_lite_npkts(rqp, w->length);
		w->last_psn = (w->first_psn + n - 1) & RXE_LITE_PSN_MASK;
		w->resp_psn = w->first_psn;
		w->read_asked = w->first_psn;
		rqp->req_psn = (rqp->req_psn + n) & RXE_LITE_PSN_MASK;
		rqp->sq_snap = (rqp->sq_snap + 1) & rqp->sq.index_mask;
		if (status) {
			w->state = RXE_LITE_WQE_DONE;
			w->status = status;
			*err = true;
			return false;
		}
		if (rxe_lite_local_op(w)) {
			/* Done: complete it in order, go on with the next. */
			w->state = RXE_LITE_WQE_DONE;
			rqp->sq_next = rqp->sq_snap;
			rxe_lite_comp_advance(rqp);
			goto again;
		}
	}
	w = &rqp->swqe[rqp->sq_next];
	u = rxe_lite_sq_slot(rqp, rqp->sq_next);
	if (w->state == RXE_LITE_WQE_NEW) {
		if (rxe_lite_rd_atomic(w) && !rxe_lite_rd_atomic_room(rqp))
			return false;
		w->sent = rxe_lite_resume_offset(rqp, w);
		w->read_end = w->resp_psn;	/* none asked for yet */
		w->state = RXE_LITE_WQE_SENDING;
	} else {
		w->sent = max(w->sent, rxe_lite_resume_offset(rqp, w));
	}
	off = w->sent;
	psn = (w->first_psn + off / rqp->mtu) & RXE_LITE_PSN_MASK;
	if (w->opcode == IB_UVERBS_WR_RDMA_READ) {
		/* The next part is asked for once the last one arrived. */
		if (w->state == RXE_LITE_WQE_SENDING &&
		    w->resp_psn != w->read_end)
			return false;
		psn = w->resp_psn;
	}
	/*
	 * The window: packets sent and not acknowledged. A resent read or
	 * atomic may be before req_acked (executed, response lost).
	 */
	if (type == LITE_QPT_RC &&
	    !rxe_lite_psn_before(psn, rqp->req_acked) &&
	    ((psn - rqp->req_acked) & RXE_LITE_PSN_MASK) >=
	    (rqp->retrans_probe ? 1 : RXE_LITE_MAX_INFLIGHT))
		return false;

	n = min(rqp->mtu, w->length - off);
	first = !off;
	last = off + n == w->length;
	switch (w->opcode) {
	case IB_UVERBS_WR_SEND:
	case IB_UVERBS_WR_SEND_WITH_IMM:
		if (type == LITE_QPT_UD) {
			op = RXE_LITE_OP_UD | RXE_LITE_OP_SEND_ONLY;
			dqpn = w->remote_qpn;
			*av = w->av;
		} else {
			op = first && last ? RXE_LITE_OP_SEND_ONLY :
			     first ? RXE_LITE_OP_SEND_FIRST :
			     last ? RXE_LITE_OP_SEND_LAST :
				    RXE_LITE_OP_SEND_MIDDLE;
			op |= base;
		}
		if (last && w->opcode == IB_UVERBS_WR_SEND_WITH_IMM)
			op++;		/* ..._IMM follows each LAST/ONLY */
		break;
	case IB_UVERBS_WR_RDMA_WRITE:
	case IB_UVERBS_WR_RDMA_WRITE_WITH_IMM:
		op = first && last ? RXE_LITE_OP_WRITE_ONLY :
		     first ? RXE_LITE_OP_WRITE_FIRST :
		     last ? RXE_LITE_OP_WRITE_LAST : RXE_LITE_OP_WRITE_MIDDLE;
		op |= base;
		if (last && w->opcode == IB_UVERBS_WR_RDMA_WRITE_WITH_IMM)
			op++;
		break;
	case IB_UVERBS_WR_RDMA_READ:
		op = RXE_LITE_OP_READ_REQ;
		n = 0;
		/*
		 * Again the rest of what was asked for, or the next part:
		 * up to RXE_LITE_READ_CHUNK responses, to the end at most.
		 */
		if (rxe_lite_psn_before(psn, w->read_asked)) {
			w->read_end = w->read_asked;
		} else {
			w->read_end = (w->last_psn + 1) & RXE_LITE_PSN_MASK;
			if (((w->read_end - psn) & RXE_LITE_PSN_MASK) >
			    RXE_LITE_READ_CHUNK)
				w->read_end = (psn + RXE_LITE_READ_CHUNK) &
					      RXE_LITE_PSN_MASK;
			w->read_asked = w->read_end;
		}
		last = w->read_end == ((w->last_psn + 1) & RXE_LITE_PSN_MASK);
		break;
	default:
		op = w->opcode == IB_UVERBS_WR_ATOMIC_CMP_AND_SWP ?
		     RXE_LITE_OP_CMP_SWAP : RXE_LITE_OP_FETCH_ADD;
		n = 0;
		last = true;
		break;
	}
	if (type != LITE_QPT_UD)
		*av = rqp->av;
	/*
	 * ACKs on the last packet, along the way for long messages, and for
	 * a probe (a duplicate is answered only when it asks).
	 */
	if (type == LITE_QPT_RC &&
	    (last || rqp->retrans_probe ||
	     ((psn - w->first_psn) & RXE_LITE_ACK_EVERY_MASK) ==
	     RXE_LITE_ACK_EVERY_MASK))
		flags |= RXE_LITE_BTH_ACKREQ;
	if (last && (w->send_flags & RXE_LITE_SEND_SOLICITED) &&
	    (rxe_lite_opinfo[op].mask & (RXE_LITE_M_SEND | RXE_LITE_M_IMM)))
		flags |= RXE_LITE_BTH_SE;

	if (rxe_lite_pkt_init(rqp, av, op, n, dqpn, psn, flags, NULL, pkt))
		return false;		/* retried by the timer or next doorbell */
	mask = pkt->mask;
	if (mask & RXE_LITE_M_RETH) {
		struct rxe_lite_reth *reth = rxe_lite_pkt_hdr(pkt,
							      RXE_LITE_M_RETH);
		/*
		 * A read resumes after the responses that arrived, and asks
		 * for those up to read_end.
		 */
		u32 done = 0, len = w->length;

		if (op == RXE_LITE_OP_READ_REQ) {
			done = ((psn - w->first_psn) & RXE_LITE_PSN_MASK) *
			       rqp->mtu;
			len = min(w->length - done,
				  ((w->read_end - psn) & RXE_LITE_PSN_MASK) *
				  rqp->mtu);
		}
		reth->va = cpu_to_be64(w->remote_addr + done);
		reth->rkey = cpu_to_be32(w->rkey);
		reth->len = cpu_to_be32(len);
	}
	if (mask & RXE_LITE_M_ATMETH) {
		struct rxe_lite_atmeth *a = rxe_lite_pkt_hdr(pkt,
							     RXE_LITE_M_ATMETH);

		a->va = cpu_to_be64(w->remote_addr);
		a->rkey = cpu_to_be32(w->rkey);
		if (op == RXE_LITE_OP_CMP_SWAP) {
			a->swap_add = cpu_to_be64(w->swap);
			a->comp = cpu_to_be64(w->compare_add);
		} else {
			a->swap_add = cpu_to_be64(w->compare_add);
		}
	}
	if (mask & RXE_LITE_M_DETH) {
		struct rxe_lite_deth *d = rxe_lite_pkt_hdr(pkt,
							   RXE_LITE_M_DETH);
		/* A Q_Key with the high bit set means "use the QP's". */
		u32 qkey = w->remote_qkey & 0x80000000 ? rqp->qkey :
			   w->remote_qkey;

		d->qkey = cpu_to_be32(qkey);
		d->sqp = cpu_to_be32(rqp->qp.qp_num);
	}
	if (mask & RXE_LITE_M_IMM)
		((struct rxe_lite_immdt *)rxe_lite_pkt_hdr(pkt,
				RXE_LITE_M_IMM))->imm = w->imm;
	status = n ? rxe_lite_req_payload(rqp, w, u, off, n, pkt) : 0;
	if (status) {
		rxe_lite_pkt_release(pkt);
		if (status < 0)
			return false;	/* no memory: retried like above */
		w->state = RXE_LITE_WQE_DONE;
		w->status = status;
		*err = true;
		return false;
	}

	w->sent = off + n;
	if (last) {
		if (w->opcode == IB_UVERBS_WR_RDMA_READ ||
		    (mask & RXE_LITE_M_ATOMIC))
			w->sent = w->length;
		/*
		 * Waits for its ACK or response; an unreliable WQE instead
		 * completes once this packet is sent, which is when a
		 * loopback receiver has copied the data it names.
		 */
		w->state = RXE_LITE_WQE_SENT;
		if (type != LITE_QPT_RC)
			*sent = rqp->sq_next;
		rqp->sq_next = (rqp->sq_next + 1) & rqp->sq.index_mask;
	}
	rxe_lite_arm_retrans(rqp, psn == rqp->req_acked);
	return true;
}

/* An unreliable WQE's last packet was sent: complete it. */
static void rxe_lite_req_sent(struct rxe_lite_qp *rqp, u32 slot)
{
	struct rxe_lite_swqe *w = &rqp->swqe[slot];

	spin_lock_bh(&rqp->req_lock);
	/* Unless a flush completed it meanwhile. */
	if (w->state == RXE_LITE_WQE_SENT)
		w->state = RXE_LITE_WQE_DONE;
	rxe_lite_comp_advance(rqp);
	spin_unlock_bh(&rqp->req_lock);
}

/*
 * Build and send packets until there is nothing more to send, or the
 * budget ran out (true: more to send).
 */
static bool rxe_lite_req_process(struct rxe_lite_qp *rqp)
{
	struct rxe_lite_pkt pkt;
	struct lite_ah_attr av;
	bool err, built;
	unsigned int n;
	int sent;

	for (n = 0; n < RXE_LITE_REQ_BUDGET; n++) {
		err = false;
		sent = -1;
		spin_lock_bh(&rqp->req_lock);
		if (READ_ONCE(rqp->qp.state) == LITE_QPS_ERR)
			rxe_lite_req_flush(rqp);
		built = rxe_lite_req_build(rqp, &av, &pkt, &err, &sent);
		spin_unlock_bh(&rqp->req_lock);
		if (err)
			rxe_lite_qp_error(rqp);
		if (!built)
			return false;
		rxe_lite_send(rqp, &av, &pkt);
		if (sent >= 0)
			rxe_lite_req_sent(rqp, sent);
	}
	return true;
}

/*
 * The timer's part of a run: end an RNR wait whose time came, and handle
 * a retransmission timeout (resend from the oldest unacknowledged packet,
 * or fail it when the retries ran out); else keep the timer armed while
 * something is in flight.
 */
static void rxe_lite_req_timeouts(struct rxe_lite_qp *rqp)
{
	unsigned long timeout;
	bool err = false;

	spin_lock_bh(&rqp->req_lock);
	if (rqp->rnr_wait) {
		if (time_before(jiffies, rqp->rnr_until)) {
			mod_timer(&rqp->retrans_timer, rqp->rnr_until);
			goto out;
		}
		rqp->rnr_wait = false;
		rqp->retrans_from = jiffies;	/* the wait was no timeout */
	}
	timeout = rxe_lite_retrans_timeout(rqp);
	/* Something was sent and is not acknowledged yet. */
	if (!timeout || !rxe_lite_qp_sending(rqp) ||
	    rqp->sq.index == rqp->sq_snap ||
	    rqp->swqe[rqp->sq.index].state == RXE_LITE_WQE_NEW)
		goto out;
	if (time_before(jiffies, rqp->retrans_from + timeout)) {
		/* Not yet (the clock restarted since the timer was armed). */
		rxe_lite_arm_retrans(rqp, false);
	} else if (!rqp->retries_left) {
		rqp->swqe[rqp->sq.index].state = RXE_LITE_WQE_DONE;
		rqp->swqe[rqp->sq.index].status = RXE_LITE_WC_RETRY_EXC_ERR;
		err = true;
	} else {
		rqp->retries_left--;
		rqp->retrans_from = jiffies;
		rxe_lite_count(RXE_LITE_CNT_RETRANS);
		rxe_lite_req_rewind(rqp);
		rqp->retrans_probe = true;
	}
out:
	spin_unlock_bh(&rqp->req_lock);
	if (err)
		rxe_lite_qp_error(rqp);
}

/* The QP task's run: timeouts first, then what there is to send. */
bool rxe_lite_req_task(struct rxe_lite_task *t)
{
	struct rxe_lite_qp *rqp = container_of(t, struct rxe_lite_qp, task);

	rxe_lite_req_timeouts(rqp);
	return rxe_lite_req_process(rqp);
}

/*
 * Go back to the oldest incomplete WQE and send everything from there
 * again, with the PSNs each WQE got when it was first read: a send or
 * write from its first unacknowledged packet, a read from its first
 * missing response. Caller holds req_lock.
 */
void rxe_lite_req_rewind(struct rxe_lite_qp *rqp)
{
	u32 i;

	for (i = rqp->sq.index; i != rqp->sq_snap;
	     i = (i + 1) & rqp->sq.index_mask)
		if (rqp->swqe[i].state != RXE_LITE_WQE_DONE)
			rqp->swqe[i].state = RXE_LITE_WQE_NEW;
	/* req_acked is where the first of them resumes. */
	/* req_psn stays: it is the PSN of the next WQE not yet read. */
	rqp->sq_next = rqp->sq.index;
}

/* The timer (softirq) only wakes the task, which does the work. */
void rxe_lite_retrans_timer(struct timer_list *t)
{
	struct rxe_lite_qp *rqp = from_timer(rqp, t, retrans_timer);

	rxe_lite_task_sched(&rqp->task);
}

/*
 * The QP is in the error state: every WQE not yet completed completes
 * with a flush error, in order. Caller holds req_lock.
 */
void rxe_lite_req_flush(struct rxe_lite_qp *rqp)
{
	u32 prod = rxe_lite_queue_user_index(&rqp->sq, true);
	struct rxe_lite_swqe *w;
	u32 i;

	for (i = rqp->sq.index; i != rqp->sq_snap;
	     i = (i + 1) & rqp->sq.index_mask) {
		w = &rqp->swqe[i];
		if (w->state != RXE_LITE_WQE_DONE) {
			w->state = RXE_LITE_WQE_DONE;
			w->status = RXE_LITE_WC_WR_FLUSH_ERR;
		}
	}
	for (; i != prod; i = (i + 1) & rqp->sq.index_mask) {
		const struct rxe_send_wqe *u = rxe_lite_sq_slot(rqp, i);

		w = &rqp->swqe[i];
		memset(w, 0, sizeof(*w));
		w->wr_id = READ_ONCE(u->wr.wr_id);
		w->opcode = READ_ONCE(u->wr.opcode);
		w->state = RXE_LITE_WQE_DONE;
		w->status = RXE_LITE_WC_WR_FLUSH_ERR;
	}
	rqp->sq_snap = prod;
	rqp->sq_next = prod;
	rxe_lite_comp_advance(rqp);
}
