// SPDX-License-Identifier: GPL-2.0
/*
 * rxe_lite completer: ACKs, NAKs, read responses and atomic ACKs arriving
 * for the requester of an RC QP, and the completions they produce.
 *
 * An ACK of PSN p acknowledges every send and write whose last PSN is at
 * or before p (coalesced ACKs); reads and atomics complete only with
 * their responses, which also acknowledge everything before them. An RNR
 * NAK or a sequence NAK acknowledges what precedes its PSN and rewinds the
 * requester to there (after the RNR timer, or at once); other NAKs fail
 * the WQE and move the QP to the error state. Completions are posted in
 * WQE order by rxe_lite_comp_advance(), and the SQ consumer index moves
 * with them, which is what frees ring slots for the provider.
 */
#include <linux/jiffies.h>

#include "rxe_lite.h"

/* ibv_send_flags / ibv_qp_init_attr.sq_sig_all */
#define RXE_LITE_SEND_SIGNALED	BIT(1)

static u8 rxe_lite_wc_opcode(u32 wr_opcode)
{
	switch (wr_opcode) {
	case IB_UVERBS_WR_RDMA_WRITE:
	case IB_UVERBS_WR_RDMA_WRITE_WITH_IMM:
		return IB_UVERBS_WC_RDMA_WRITE;
	case IB_UVERBS_WR_RDMA_READ:
		return IB_UVERBS_WC_RDMA_READ;
	case IB_UVERBS_WR_BIND_MW:
		return IB_UVERBS_WC_BIND_MW;
	case IB_UVERBS_WR_LOCAL_INV:
		return IB_UVERBS_WC_LOCAL_INV;
	case IB_UVERBS_WR_ATOMIC_CMP_AND_SWP:
		return IB_UVERBS_WC_COMP_SWAP;
	case IB_UVERBS_WR_ATOMIC_FETCH_AND_ADD:
		return IB_UVERBS_WC_FETCH_ADD;
	default:
		return IB_UVERBS_WC_SEND;
	}
}

/*
 * Post the completions of the WQEs done at the head of the SQ, in order,
 * and move the consumer index past them. Caller holds req_lock.
 */
void rxe_lite_comp_advance(struct rxe_lite_qp *rqp)
{
	struct rxe_lite_queue *q = &rqp->sq;
	struct rxe_lite_swqe *w;
	u32 cons = q->index;

	while (cons != rqp->sq_snap) {
		w = &rqp->swqe[cons];
		if (w->state != RXE_LITE_WQE_DONE)
			break;
		if (w->status || rqp->qp.sq_sig_all ||
		    (w->send_flags & RXE_LITE_SEND_SIGNALED)) {
			struct ib_uverbs_wc wc = {
				.wr_id = w->wr_id,
				.status = w->status,
				.opcode = rxe_lite_wc_opcode(w->opcode),
				.byte_len = w->length,
				.qp_num = rqp->qp.qp_num,
			};

			rxe_lite_cq_post(rqp->qp.send_cq, &wc, false);
		}
		cons = (cons + 1) & q->index_mask;
	}
	if (cons != q->index) {
		q->index = cons;
		/* Slots before it are free for the provider again. */
		smp_store_release(&q->buf->consumer_index, cons);
	}
	rxe_lite_sqd_check(rqp);
}

/*
 * In SQD, once every WQE begun before it completed, the SQ is drained:
 * raise SQ_DRAINED if asked (once). Caller holds req_lock.
 */
void rxe_lite_sqd_check(struct rxe_lite_qp *rqp)
{
	if (!rqp->sqd_draining || rqp->sq.index != rqp->sq_snap)
		return;
	rqp->sqd_draining = false;
	if (rqp->sqd_notify)
		lite_qp_event(&rqp->qp, LITE_EVENT_SQ_DRAINED);
}

/*
 * Every PSN up to @psn is acknowledged: the window moves, and the sends
 * and writes that end there are done. Stops at the first read or atomic:
 * those complete with their responses. True if anything moved.
 */
static bool rxe_lite_ack_upto(struct rxe_lite_qp *rqp, u32 psn)
{
	u32 next = (psn + 1) & RXE_LITE_PSN_MASK, i;
	struct rxe_lite_swqe *w;
	bool moved = false;

	if (rxe_lite_psn_before(rqp->req_acked, next) &&
	    !rxe_lite_psn_before(rqp->req_psn, next)) {
		rqp->req_acked = next;
		moved = true;
	}
	for (i = rqp->sq.index; i != rqp->sq_next;
	     i = (i + 1) & rqp->sq.index_mask) {
		w = &rqp->swqe[i];
		if (w->state == RXE_LITE_WQE_DONE)
			continue;
		if (w->state != RXE_LITE_WQE_SENT ||
		    rxe_lite_psn_before(psn, w->last_psn) ||
		    w->opcode == IB_UVERBS_WR_RDMA_READ ||
		    w->opcode == IB_UVERBS_WR_ATOMIC_CMP_AND_SWP ||
		    w->opcode == IB_UVERBS_WR_ATOMIC_FETCH_AND_ADD)
			break;
		w->state = RXE_LITE_WQE_DONE;
		moved = true;
	}
	return moved;
}

/*
 * The oldest incomplete WQE, if it is (being) sent and covers @psn. A NAK
 * may name a packet of a message whose last packets are not built yet.
 */
static struct rxe_lite_swqe *rxe_lite_wqe_at(struct rxe_lite_qp *rqp, u32 psn)
{
	struct rxe_lite_swqe *w;
	u32 i;

	for (i = rqp->sq.index; i != rqp->sq_snap;
	     i = (i + 1) & rqp->sq.index_mask) {
		w = &rqp->swqe[i];
		if (w->state == RXE_LITE_WQE_DONE)
			continue;
		if (w->state == RXE_LITE_WQE_NEW ||
		    rxe_lite_psn_before(psn, w->first_psn) ||
		    rxe_lite_psn_before(w->last_psn, psn))
			return NULL;
		return w;
	}
	return NULL;
}

/* RNR timer codes (IBTA table 45) in microseconds. */
static const u32 rxe_lite_rnr_usecs[32] = {
	655360, 10, 20, 30, 40, 60, 80, 120, 160, 240, 320, 480, 640, 960,
	1280, 1920, 2560, 3840, 5120, 7680, 10240, 15360, 20480, 30720,
	40960, 61440, 81920, 122880, 163840, 245760, 327680, 491520,
};

static int rxe_lite_nak_status(u8 code)
{
	switch (code) {
	case RXE_LITE_NAK_INVALID_REQ:
		return RXE_LITE_WC_REM_INV_REQ_ERR;
	case RXE_LITE_NAK_REM_ACCESS:
		return RXE_LITE_WC_REM_ACCESS_ERR;
	default:
		return RXE_LITE_WC_REM_OP_ERR;
	}
}

/* Copy the data of read response @pkt for @w into its local SGEs. */
static int rxe_lite_read_resp(struct rxe_lite_qp *rqp,
			      struct rxe_lite_swqe *w,
			      const struct rxe_lite_pkt *pkt)
{
	const struct rxe_send_wqe *u =
		rxe_lite_queue_slot(&rqp->sq, w - rqp->swqe);
	u32 off = ((pkt->psn - w->first_psn) & RXE_LITE_PSN_MASK) * rqp->mtu;
	u32 num_sge = min_t(u32, READ_ONCE(u->dma.num_sge),
			    rqp->max_send_sge);

	struct rxe_lite_data d = pkt->data;

	if (off + pkt->paylen > w->length)
		return RXE_LITE_WC_BAD_RESP_ERR;
	if (!pkt->paylen)
		return 0;
	return rxe_lite_sge_copy(rqp->rxe, rqp->qp.pd, u->dma.sge, num_sge,
				 off, &d, pkt->paylen, true);
}

/* Store the original value an atomic ACK returned for @w. */
static int rxe_lite_atomic_resp(struct rxe_lite_qp *rqp,
				struct rxe_lite_swqe *w,
				const struct rxe_lite_pkt *pkt)
{
	const struct rxe_send_wqe *u =
		rxe_lite_queue_slot(&rqp->sq, w - rqp->swqe);
	const struct rxe_lite_atmack *ack =
		rxe_lite_pkt_hdr(pkt, RXE_LITE_M_ATMACK);
	u32 num_sge = min_t(u32, READ_ONCE(u->dma.num_sge),
			    rqp->max_send_sge);
	u64 val = be64_to_cpu(ack->orig);
	struct rxe_lite_data d = { .buf = &val };

	w->atomic_orig = val;
	return rxe_lite_sge_copy(rqp->rxe, rqp->qp.pd, u->dma.sge, num_sge, 0,
				 &d, sizeof(val), true);
}

void rxe_lite_comp_rcv(struct rxe_lite_qp *rqp, struct rxe_lite_pkt *pkt)
{
	unsigned long delay = 0;
	bool err = false, kick = false, resend = false, progress = false;
	struct rxe_lite_swqe *w;
	u32 psn = pkt->psn;
	int status;
	u8 syn = 0;

	if (rqp->qp.qp_type != LITE_QPT_RC)
		return;
	if (pkt->mask & RXE_LITE_M_AETH) {
		const struct rxe_lite_aeth *aeth =
			rxe_lite_pkt_hdr(pkt, RXE_LITE_M_AETH);

		syn = be32_to_cpu(aeth->smsn) >> 24;
	}

	spin_lock_bh(&rqp->req_lock);
	if (!rxe_lite_qp_sending(rqp))
		goto out;

	if ((pkt->mask & RXE_LITE_M_ACK) &&
	    (syn & RXE_LITE_AETH_TYPE_MASK) != RXE_LITE_AETH_ACK) {
		/* Everything before the NAK'd PSN made it. */
		progress = rxe_lite_ack_upto(rqp, (psn - 1) & RXE_LITE_PSN_MASK);
		w = rxe_lite_wqe_at(rqp, psn);
		if (!w) {
			/*
			 * The oldest incomplete WQE is before the NAK'd PSN: a
			 * read or atomic the responder executed but whose
			 * response was lost. A sequence NAK resends from it.
			 */
			resend = (syn & RXE_LITE_AETH_TYPE_MASK) ==
				 RXE_LITE_AETH_NAK &&
				 (syn & 0x1f) == RXE_LITE_NAK_PSN_SEQ;
			goto advance;
		}
		if ((syn & RXE_LITE_AETH_TYPE_MASK) == RXE_LITE_AETH_RNR_NAK) {
			if (!rqp->rnr_retries_left) {
				w->state = RXE_LITE_WQE_DONE;
				w->status = RXE_LITE_WC_RNR_RETRY_EXC_ERR;
				err = true;
			} else {
				if (rqp->rnr_retries_left != 7)
					rqp->rnr_retries_left--;
				delay = usecs_to_jiffies(rxe_lite_rnr_usecs[syn & 0x1f]);
				/* Nothing is sent until the RNR timer ran out. */
				rqp->rnr_wait = true;
				resend = true;
			}
		} else if ((syn & 0x1f) == RXE_LITE_NAK_PSN_SEQ) {
			resend = true;
		} else {
			w->state = RXE_LITE_WQE_DONE;
			w->status = rxe_lite_nak_status(syn & 0x1f);
			err = true;
		}
		goto advance;
	}

	if (pkt->mask & RXE_LITE_M_READ_RESP) {
		w = rxe_lite_wqe_at(rqp, psn);
		if (!w || w->opcode != IB_UVERBS_WR_RDMA_READ)
			goto out;
		if (psn != w->resp_psn) {
			/*
			 * Past a gap in what was asked for: ask again from the
			 * missing response at once (once per gap; a duplicate
			 * or a later loss is left to the timer).
			 */
			if (w != &rqp->swqe[rqp->sq.index] ||
			    !rxe_lite_psn_before(w->resp_psn, psn) ||
			    !rxe_lite_psn_before(psn, w->read_end) ||
			    (rqp->read_again &&
			     rqp->read_again_psn == w->resp_psn))
				goto out;
			rqp->read_again = true;
			rqp->read_again_psn = w->resp_psn;
			rxe_lite_count(RXE_LITE_CNT_READ_AGAIN);
			resend = true;
			goto advance;
		}
		/* A read response acknowledges all that came before it. */
		rxe_lite_ack_upto(rqp, (psn - 1) & RXE_LITE_PSN_MASK);
		if (w != &rqp->swqe[rqp->sq.index] &&
		    rqp->swqe[rqp->sq.index].state != RXE_LITE_WQE_DONE)
			goto out;
		status = rxe_lite_read_resp(rqp, w, pkt);
		if (status) {
			w->state = RXE_LITE_WQE_DONE;
			w->status = status;
			err = true;
			goto advance;
		}
		w->resp_psn = (psn + 1) & RXE_LITE_PSN_MASK;
		rqp->req_acked = w->resp_psn;
		progress = true;
		/* The last response of the last part asked for. */
		if (psn == w->last_psn)
			w->state = RXE_LITE_WQE_DONE;
		goto advance;
	}

	if (pkt->opcode == RXE_LITE_OP_ATOMIC_ACK) {
		w = rxe_lite_wqe_at(rqp, psn);
		if (!w || w->first_psn != psn ||
		    (w->opcode != IB_UVERBS_WR_ATOMIC_CMP_AND_SWP &&
		     w->opcode != IB_UVERBS_WR_ATOMIC_FETCH_AND_ADD))
			goto out;
		rxe_lite_ack_upto(rqp, (psn - 1) & RXE_LITE_PSN_MASK);
		if (w != &rqp->swqe[rqp->sq.index] &&
		    rqp->swqe[rqp->sq.index].state != RXE_LITE_WQE_DONE)
			goto out;
		w->status = rxe_lite_atomic_resp(rqp, w, pkt);
		w->state = RXE_LITE_WQE_DONE;
		rqp->req_acked = (psn + 1) & RXE_LITE_PSN_MASK;
		progress = true;
		err = w->status != 0;
		goto advance;
	}

	/* A plain ACK. */
	progress = rxe_lite_ack_upto(rqp, psn);

advance:
	/* The peer answered a probe: the whole window may go again. */
	if (progress || resend || err)
		rqp->retrans_probe = false;
	/* Retries count from the last progress, not from any packet. */
	if (progress)
		rqp->retries_left = rqp->retry_cnt;
	if (progress && !resend && !err)
		rqp->rnr_retries_left = rqp->rnr_retry;
	rxe_lite_comp_advance(rqp);
	if (resend)
		rxe_lite_req_rewind(rqp);
	/*
	 * Progress restarts the clock (the timer, left pending, re-arms
	 * from retrans_from or finds nothing in flight when it fires).
	 */
	if (progress || resend)
		rqp->retrans_from = jiffies;
	if (delay) {
		/* The timer ends the wait: the task then resends. */
		rqp->rnr_until = jiffies + delay;
		mod_timer(&rqp->retrans_timer, rqp->rnr_until);
	} else if (rqp->sq.index != rqp->sq_snap && !resend) {
		rxe_lite_arm_retrans(rqp, false);
	}
	/* Room in the window, or a rewind: let the requester go on. */
	kick = (resend || rqp->sq_next != rqp->sq_snap ||
		rqp->sq_snap != rxe_lite_queue_user_index(&rqp->sq, true));
out:
	spin_unlock_bh(&rqp->req_lock);
	if (err)
		rxe_lite_qp_error(rqp);
	if (kick && !delay)
		rxe_lite_task_sched(&rqp->task);
}
