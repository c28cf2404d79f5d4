// SPDX-License-Identifier: GPL-2.0
/*
 * rxe_lite completion queues: a ring of struct ib_uverbs_wc entries that
 * the driver produces (under cq->lock) and the provider polls without a
 * syscall.
 */
#include <linux/slab.h>
#include <linux/string.h>
#include <uapi/rdma/ib_user_verbs.h>

#include "rxe_lite.h"

static struct rxe_lite_cq *to_rxe_cq(struct lite_cq *cq)
{
	return container_of(cq, struct rxe_lite_cq, cq);
}

int rxe_lite_create_cq(struct lite_ucontext *uctx, struct lite_cq *cq,
		       u32 cqe, struct lite_udata *udata)
{
	struct rxe_lite_cq *rcq = to_rxe_cq(cq);
	struct rxe_create_cq_resp resp = {};
	int ret;

	/* The provider needs the mapping; without room for it, fail. */
	ret = rxe_lite_udata_io(udata, sizeof(resp));
	if (ret)
		return ret;
	spin_lock_init(&rcq->lock);
	ret = rxe_lite_queue_init(uctx, &rcq->queue, &cqe,
				  sizeof(struct ib_uverbs_wc), &resp.mi);
	if (ret)
		return ret;
	ret = rxe_lite_udata_out(udata, &resp, sizeof(resp));
	if (ret) {
		rxe_lite_queue_cleanup(&rcq->queue);
		return ret;
	}
	cq->cqe = cqe;
	rxe_lite_stat_add(RXE_LITE_STAT_CQ, 1);
	return 0;
}

/*
 * A new ring replaces the old one; completions not yet polled move to the
 * new ring in order (-EINVAL if they do not fit). The old ring stays
 * mapped, with the core, until the provider unmaps it.
 */
int rxe_lite_resize_cq(struct lite_ucontext *uctx, struct lite_cq *cq,
		       u32 cqe, struct lite_udata *udata)
{
	struct rxe_lite_cq *rcq = to_rxe_cq(cq);
	struct rxe_resize_cq_resp resp = {};
	struct rxe_lite_queue nq, old;
	u32 cons, n, i;
	int ret;

	ret = rxe_lite_udata_io(udata, sizeof(resp));
	if (ret)
		return ret;
	ret = rxe_lite_queue_init(uctx, &nq, &cqe,
				  sizeof(struct ib_uverbs_wc), &resp.mi);
	if (ret)
		return ret;
	ret = rxe_lite_udata_out(udata, &resp, sizeof(resp));
	if (ret)
		goto err;

	spin_lock_bh(&rcq->lock);
	cons = rxe_lite_queue_user_index(&rcq->queue, false);
	n = rxe_lite_queue_count(&rcq->queue, rcq->queue.index, cons);
	if (n > cqe) {
		spin_unlock_bh(&rcq->lock);
		ret = -EINVAL;
		goto err;
	}
	for (i = 0; i < n; i++)
		memcpy(rxe_lite_queue_slot(&nq, i),
		       rxe_lite_queue_slot(&rcq->queue, cons + i),
		       sizeof(struct ib_uverbs_wc));
	nq.index = n;
	/* Entries before the index, as the provider loads it with acquire. */
	smp_store_release(&nq.buf->producer_index, n);
	old = rcq->queue;
	rcq->queue = nq;
	cq->cqe = cqe;
	spin_unlock_bh(&rcq->lock);
	rxe_lite_queue_cleanup(&old);
	return 0;

err:
	rxe_lite_queue_cleanup(&nq);
	return ret;
}

void rxe_lite_destroy_cq(struct lite_cq *cq)
{
	rxe_lite_queue_cleanup(&to_rxe_cq(cq)->queue);
	rxe_lite_stat_add(RXE_LITE_STAT_CQ, -1);
}

/*
 * Add a completion: written to the next slot, then published with a
 * release store of the producer index (the provider polls with acquire),
 * then the core is told (completion channel, if armed). A full CQ drops
 * the completion and raises CQ_ERR on the async fd. Any context.
 */
void rxe_lite_cq_post(struct lite_cq *cq, const struct ib_uverbs_wc *wc,
		      bool solicited)
{
	struct rxe_lite_cq *rcq = to_rxe_cq(cq);
	struct rxe_lite_queue *q = &rcq->queue;
	u32 cons;

	spin_lock_bh(&rcq->lock);
	cons = rxe_lite_queue_user_index(q, false);
	if (((q->index + 1) & q->index_mask) == cons) {
		spin_unlock_bh(&rcq->lock);
		rxe_lite_count(RXE_LITE_CNT_CQ_OVERFLOW);
		lite_cq_event(cq, LITE_EVENT_CQ_ERR);
		return;
	}
	memcpy(rxe_lite_queue_slot(q, q->index), wc, sizeof(*wc));
	q->index = (q->index + 1) & q->index_mask;
	/* The slot before the index that makes it visible. */
	smp_store_release(&q->buf->producer_index, q->index);
	spin_unlock_bh(&rcq->lock);
	lite_cq_completion(cq, solicited);
}
