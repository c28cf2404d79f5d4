// SPDX-License-Identifier: GPL-2.0
/*
 * rxe_lite queue pairs and shared receive queues: their rings in the rxe
 * user layout (send WQEs struct rxe_send_wqe, receive WQEs struct
 * rxe_recv_wqe, each with its SGE or inline area), QP numbers and SRQ
 * numbers. The core has checked every transition and value before
 * modify_qp is called; modify_qp copies what the datapath needs under
 * both QP locks and flushes the queues on the way to the error state.
 */
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "rxe_lite.h"

/* QPNs 0 and 1 are the special QPs of a port; user QPs start above. */
#define RXE_LITE_QPN_MIN	16
#define RXE_LITE_QPN_MAX	((1U << 24) - 1)

static struct rxe_lite_qp *to_rxe_qp(struct lite_qp *qp)
{
	return container_of(qp, struct rxe_lite_qp, qp);
}

static struct rxe_lite_srq *to_rxe_srq(struct lite_srq *srq)
{
	return container_of(srq, struct rxe_lite_srq, srq);
}

static size_t rxe_lite_recv_wqe_size(u32 max_sge)
{
	return sizeof(struct rxe_recv_wqe) + max_sge * sizeof(struct rxe_sge);
}

/*
 * Send WQEs carry either an SGE list or inline data in the same area, so
 * both limits grow to what the area holds (the provider reads them back
 * from the CREATE_QP response).
 */
static int rxe_lite_sq_caps(struct lite_device *dev, struct lite_qp_cap *cap,
			    size_t *wqe_size)
{
	u32 area;

	if (cap->max_inline_data > RXE_LITE_MAX_INLINE_DATA)
		return -EINVAL;
	area = max_t(u32, cap->max_send_sge * sizeof(struct rxe_sge),
		     cap->max_inline_data);
	cap->max_send_sge = min_t(u32, area / sizeof(struct rxe_sge),
				  dev->attrs.max_sge);
	cap->max_inline_data = area;
	*wqe_size = sizeof(struct rxe_send_wqe) + area;
	return 0;
}

int rxe_lite_create_qp(struct lite_ucontext *uctx, struct lite_qp *qp,
		       struct lite_qp_cap *cap, struct lite_udata *udata)
{
	struct rxe_lite_dev *rxe = to_rxe_dev(qp->device);
	struct rxe_lite_qp *rqp = to_rxe_qp(qp);
	struct rxe_create_qp_resp resp = {};
	size_t sq_wqe;
	int ret;

	/* The rxe provider sends no driver data; it needs the mappings. */
	ret = rxe_lite_udata_io(udata, sizeof(resp));
	if (ret)
		return ret;
	ret = rxe_lite_sq_caps(qp->device, cap, &sq_wqe);
	if (ret)
		return ret;
	refcount_set(&rqp->ref, 1);
	init_completion(&rqp->done);
	rqp->rxe = rxe;
	spin_lock_init(&rqp->req_lock);
	spin_lock_init(&rqp->resp_lock);
	spin_lock_init(&rqp->route_lock);
	timer_setup(&rqp->retrans_timer, rxe_lite_retrans_timer, 0);
	rxe_lite_task_init(&rqp->task, rxe_lite_req_task);
	rqp->mtu = 256;
	rqp->max_send_sge = cap->max_send_sge;
	rqp->max_inline = cap->max_inline_data;
	rqp->max_recv_sge = cap->max_recv_sge;

	ret = rxe_lite_queue_init(uctx, &rqp->sq, &cap->max_send_wr, sq_wqe,
				  &resp.sq_mi);
	if (ret)
		return ret;
	rqp->swqe = kvcalloc(rqp->sq.index_mask + 1, sizeof(*rqp->swqe),
			     GFP_KERNEL_ACCOUNT);
	if (!rqp->swqe) {
		ret = -ENOMEM;
		goto err_sq;
	}
	if (!qp->srq) {
		ret = rxe_lite_queue_init(uctx, &rqp->rq, &cap->max_recv_wr,
					  rxe_lite_recv_wqe_size(cap->max_recv_sge),
					  &resp.rq_mi);
		if (ret)
			goto err_swqe;
	}
	ret = xa_alloc_cyclic_bh(&rxe->qpns, &qp->qp_num, rqp,
				 XA_LIMIT(RXE_LITE_QPN_MIN, RXE_LITE_QPN_MAX),
				 &rxe->next_qpn, GFP_KERNEL);
	if (ret < 0)
		goto err_rq;
	ret = rxe_lite_udata_out(udata, &resp, sizeof(resp));
	if (ret)
		goto err_qpn;
	rxe_lite_stat_add(RXE_LITE_STAT_QP, 1);
	return 0;

err_qpn:
	xa_erase_bh(&rxe->qpns, qp->qp_num);
err_rq:
	rxe_lite_queue_cleanup(&rqp->rq);
err_swqe:
	kvfree(rqp->swqe);
err_sq:
	rxe_lite_queue_cleanup(&rqp->sq);
	return ret == -EBUSY ? -ENOMEM : ret;
}

/* An IB MTU enum (1 = 256 ... 5 = 4096) in bytes. */
static u32 rxe_lite_mtu_bytes(u8 mtu)
{
	return 128U << clamp_t(u8, mtu, 1, 5);
}

/* Back to RESET: what was posted is dropped, both sides start over. */
static void rxe_lite_qp_reset(struct rxe_lite_qp *rqp)
{
	u32 prod = rxe_lite_queue_user_index(&rqp->sq, true);

	rqp->sq.index = prod;
	/* Everything posted is dropped: the slots are the provider's again. */
	smp_store_release(&rqp->sq.buf->consumer_index, prod);
	rqp->sq_next = prod;
	rqp->sq_snap = prod;
	rqp->rnr_wait = false;
	rqp->retrans_probe = false;
	rqp->read_again = false;
	rqp->sqd = false;
	rqp->sqd_draining = false;
	if (rqp->rq.buf) {
		prod = rxe_lite_queue_user_index(&rqp->rq, true);
		rqp->rq.index = prod;
		/* Likewise for the receive slots. */
		smp_store_release(&rqp->rq.buf->consumer_index, prod);
	}
	rqp->resp_wqe_valid = false;
	rqp->resp_nak_sent = false;
	memset(rqp->resp_atomic, 0, sizeof(rqp->resp_atomic));
	rqp->resp_msn = 0;
}

int rxe_lite_modify_qp(struct lite_qp *qp, const struct lite_qp_attr *attr,
		       u32 mask, struct lite_udata *udata)
{
	struct rxe_lite_qp *rqp = to_rxe_qp(qp);
	u32 active = rxe_lite_mtu_bytes(lite_port_active_mtu(qp->device));
	bool resume = false;
	int ret;

	ret = rxe_lite_no_udata_in(udata);
	if (ret)
		return ret;
	if (attr->qp_state == LITE_QPS_ERR) {
		rxe_lite_qp_error(rqp);
		return 0;
	}

	/*
	 * The requester sees the QP before or after the modify, never in
	 * between: no run of its task executes meanwhile.
	 */
	rxe_lite_task_pause(&rqp->task);
	spin_lock_bh(&rqp->req_lock);
	/* Like Linux's rxe: out of SQD (or within it) only once drained. */
	if (attr->cur_qp_state == LITE_QPS_SQD && rqp->sqd_draining &&
	    attr->qp_state != LITE_QPS_RESET) {
		spin_unlock_bh(&rqp->req_lock);
		rxe_lite_task_resume(&rqp->task);
		return -EINVAL;
	}
	spin_lock(&rqp->resp_lock);
	if (attr->qp_state == LITE_QPS_RESET)
		rxe_lite_qp_reset(rqp);
	rqp->mtu = qp->qp_type == LITE_QPT_UD || !attr->path_mtu ? active :
		   min(active, rxe_lite_mtu_bytes(attr->path_mtu));
	rqp->dest_qpn = attr->dest_qp_num;
	rqp->qkey = attr->qkey;
	rqp->access = attr->qp_access_flags;
	rqp->timeout = attr->timeout;
	rqp->retry_cnt = attr->retry_cnt;
	rqp->rnr_retry = attr->rnr_retry;
	rqp->min_rnr_timer = attr->min_rnr_timer;
	rqp->av = attr->ah_attr;
	if (mask & LITE_QP_RQ_PSN) {
		rqp->resp_epsn = attr->rq_psn;
		rqp->resp_nak_sent = false;
	}
	if (mask & LITE_QP_SQ_PSN) {
		rqp->req_psn = attr->sq_psn;
		rqp->req_acked = attr->sq_psn;
	}
	rqp->max_rd_atomic = attr->max_rd_atomic;
	rqp->retries_left = rqp->retry_cnt;
	rqp->rnr_retries_left = rqp->rnr_retry;
	if (attr->qp_state == LITE_QPS_SQD &&
	    attr->cur_qp_state != LITE_QPS_SQD &&
	    READ_ONCE(qp->state) != LITE_QPS_ERR) {	/* no error meanwhile */
		rqp->sqd = true;
		rqp->sqd_draining = true;
		rqp->sqd_notify = attr->en_sqd_async_notify;
		/* Nothing begun and incomplete: drained at once. */
		rxe_lite_sqd_check(rqp);
	} else if (attr->qp_state == LITE_QPS_RTS && rqp->sqd) {
		rqp->sqd = false;
		resume = true;
	}
	spin_unlock(&rqp->resp_lock);
	spin_unlock_bh(&rqp->req_lock);
	rxe_lite_task_resume(&rqp->task);
	/* Back from SQD: start what was posted meanwhile. */
	if (resume)
		rxe_lite_task_run(&rqp->task);
	return 0;
}

/*
 * The datapath's way to a QP by number: with a reference, which
 * destroy_qp waits for. Any context.
 */
struct rxe_lite_qp *rxe_lite_qp_get(struct rxe_lite_dev *rxe, u32 qpn)
{
	struct rxe_lite_qp *rqp;

	xa_lock_bh(&rxe->qpns);
	rqp = xa_load(&rxe->qpns, qpn);
	if (rqp)
		refcount_inc(&rqp->ref);
	xa_unlock_bh(&rxe->qpns);
	return rqp;
}

void rxe_lite_qp_put(struct rxe_lite_qp *rqp)
{
	if (refcount_dec_and_test(&rqp->ref))
		complete(&rqp->done);
}

/*
 * Move the QP to the error state (a modify, or an error of the datapath):
 * every outstanding send and receive completes with a flush error. Called
 * with no QP lock held.
 */
void rxe_lite_qp_error(struct rxe_lite_qp *rqp)
{
	WRITE_ONCE(rqp->qp.state, LITE_QPS_ERR);
	spin_lock_bh(&rqp->req_lock);
	/* An SQD drain ends here, without SQ_DRAINED. */
	rqp->sqd_draining = false;
	rxe_lite_req_flush(rqp);
	spin_unlock_bh(&rqp->req_lock);
	spin_lock_bh(&rqp->resp_lock);
	rxe_lite_resp_flush(rqp);
	spin_unlock_bh(&rqp->resp_lock);
	del_timer(&rqp->retrans_timer);
}

/*
 * The send queue doorbell: send what was posted, in this syscall. Like
 * Linux's rxe, posting before the QP can send fails with -EINVAL (the
 * WQEs stay queued); in the error state the WQEs complete as flushed.
 */
int rxe_lite_post_send(struct lite_qp *qp)
{
	enum lite_qp_state state = READ_ONCE(qp->state);

	if (state < LITE_QPS_RTS)
		return -EINVAL;
	rxe_lite_task_run(&to_rxe_qp(qp)->task);
	return 0;
}

/*
 * No packet, timer or task run of the QP survives this: it leaves the QPN
 * map, the packets being processed drop their references, then the task
 * stops (its shutdown point: a run in progress finishes, none starts
 * again), and last the timer, whose callback only schedules the stopped
 * task and which nothing can arm any more.
 */
void rxe_lite_destroy_qp(struct lite_qp *qp)
{
	struct rxe_lite_qp *rqp = to_rxe_qp(qp);

	xa_erase_bh(&to_rxe_dev(qp->device)->qpns, qp->qp_num);
	rxe_lite_qp_put(rqp);
	wait_for_completion(&rqp->done);
	rxe_lite_task_stop(&rqp->task);
	del_timer_sync(&rqp->retrans_timer);
	WARN_ON_ONCE(timer_pending(&rqp->retrans_timer));
	rxe_lite_route_drop(rqp);
	kvfree(rqp->swqe);
	rxe_lite_queue_cleanup(&rqp->rq);
	rxe_lite_queue_cleanup(&rqp->sq);
	rxe_lite_stat_add(RXE_LITE_STAT_QP, -1);
}

int rxe_lite_create_srq(struct lite_ucontext *uctx, struct lite_srq *srq,
			struct lite_srq_attr *attr, struct lite_udata *udata)
{
	struct rxe_lite_dev *rxe = to_rxe_dev(srq->device);
	struct rxe_lite_srq *rsrq = to_rxe_srq(srq);
	struct rxe_create_srq_resp resp = {};
	int ret;

	ret = rxe_lite_udata_io(udata, sizeof(resp));
	if (ret)
		return ret;
	spin_lock_init(&rsrq->lock);
	ret = rxe_lite_queue_init(uctx, &rsrq->queue, &attr->max_wr,
				  rxe_lite_recv_wqe_size(attr->max_sge),
				  &resp.mi);
	if (ret)
		return ret;
	ret = xa_alloc_bh(&rxe->srqns, &srq->srq_num, rsrq, xa_limit_31b,
			  GFP_KERNEL);
	if (ret)
		goto err_queue;
	resp.srq_num = srq->srq_num;
	ret = rxe_lite_udata_out(udata, &resp, sizeof(resp));
	if (ret)
		goto err_srqn;
	rxe_lite_stat_add(RXE_LITE_STAT_SRQ, 1);
	return 0;

err_srqn:
	xa_erase_bh(&rxe->srqns, srq->srq_num);
err_queue:
	rxe_lite_queue_cleanup(&rsrq->queue);
	return ret;
}

/*
 * MODIFY_SRQ: a new limit, or a new size. Resizing moves the posted,
 * unconsumed WQEs to a new ring and tells the provider its mapping at the
 * address it passed in struct rxe_modify_srq_cmd.
 */
int rxe_lite_modify_srq(struct lite_ucontext *uctx, struct lite_srq *srq,
			const struct lite_srq_attr *attr, u32 mask,
			struct lite_udata *udata)
{
	struct rxe_lite_srq *rsrq = to_rxe_srq(srq);
	size_t wqe = rxe_lite_recv_wqe_size(srq->attr.max_sge);
	struct rxe_modify_srq_cmd ucmd;
	struct rxe_lite_queue nq, old;
	u32 max_wr = attr->max_wr;
	struct mminfo mi;
	u32 prod, n, i;
	int ret;

	if (!(mask & LITE_SRQ_MAX_WR) || max_wr == srq->attr.max_wr) {
		srq->attr.srq_limit = attr->srq_limit;
		return 0;
	}
	if (udata->inlen < sizeof(ucmd))
		return -EINVAL;
	memcpy(&ucmd, udata->inbuf, sizeof(ucmd));
	ret = rxe_lite_queue_init(uctx, &nq, &max_wr, wqe, &mi);
	if (ret)
		return ret;
	/* The core writes it to userspace after the fence (lite_udata). */
	BUILD_BUG_ON(sizeof(mi) > sizeof(udata->post_data));
	memcpy(udata->post_data, &mi, sizeof(mi));
	udata->post_addr = ucmd.mmap_info_addr;
	udata->post_len = sizeof(mi);

	spin_lock_bh(&rsrq->lock);
	prod = rxe_lite_queue_user_index(&rsrq->queue, true);
	n = rxe_lite_queue_count(&rsrq->queue, prod, rsrq->queue.index);
	if (n > max_wr || attr->srq_limit > max_wr) {
		spin_unlock_bh(&rsrq->lock);
		ret = -EINVAL;
		goto err;
	}
	for (i = 0; i < n; i++)
		memcpy(rxe_lite_queue_slot(&nq, i),
		       rxe_lite_queue_slot(&rsrq->queue, rsrq->queue.index + i),
		       wqe);
	nq.buf->producer_index = n;
	old = rsrq->queue;
	rsrq->queue = nq;
	srq->attr.max_wr = max_wr;
	srq->attr.srq_limit = attr->srq_limit;
	spin_unlock_bh(&rsrq->lock);
	rxe_lite_queue_cleanup(&old);
	return 0;

err:
	rxe_lite_queue_cleanup(&nq);
	return ret;
}

void rxe_lite_destroy_srq(struct lite_srq *srq)
{
	xa_erase_bh(&to_rxe_dev(srq->device)->srqns, srq->srq_num);
	rxe_lite_queue_cleanup(&to_rxe_srq(srq)->queue);
	rxe_lite_stat_add(RXE_LITE_STAT_SRQ, -1);
}
