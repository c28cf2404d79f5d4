// SPDX-License-Identifier: GPL-2.0
/*
 * rxe_lite rings shared with userspace, in the layout rdma-core's rxe
 * provider expects (struct rxe_queue_buf: element size and index mask at
 * the start, producer index at 128, consumer index at 256, slots from
 * 384). Indices are stored masked; a ring of 2^n slots holds 2^n - 1
 * elements (full when producer + 1 == consumer).
 *
 * The memory is a core umap: the core maps it and frees it after the last
 * mapping, the driver only drops its reference at destroy.
 */
#include <linux/cache.h>
#include <linux/error-injection.h>
#include <linux/log2.h>

#include "rxe_lite.h"

/*
 * Set up a ring for at least *@num_elem elements of @elem_size bytes and
 * describe its mapping in @mi; *@num_elem becomes the capacity.
 */
int rxe_lite_queue_init(struct lite_ucontext *uctx, struct rxe_lite_queue *q,
			u32 *num_elem, size_t elem_size, struct mminfo *mi)
{
	size_t elem = roundup_pow_of_two(max_t(size_t, elem_size,
					       cache_line_size()));
	u64 slots = roundup_pow_of_two((u64)*num_elem + 1);
	struct lite_umap *umap;

	if (slots * elem > SZ_256M)
		return -EINVAL;
	umap = lite_umap_alloc(uctx, sizeof(*q->buf) + slots * elem);
	if (IS_ERR(umap))
		return PTR_ERR(umap);
	q->umap = umap;
	q->buf = umap->kva;
	q->log2_elem_size = ilog2(elem);
	q->index_mask = slots - 1;
	q->index = 0;
	q->buf->log2_elem_size = q->log2_elem_size;
	q->buf->index_mask = q->index_mask;
	*num_elem = slots - 1;
	mi->offset = umap->offset;
	mi->size = umap->size;
	mi->pad = 0;
	return 0;
}

/* The debug suite fails it to walk the create paths' unwinding. */
ALLOW_ERROR_INJECTION(rxe_lite_queue_init, ERRNO);

void rxe_lite_queue_cleanup(struct rxe_lite_queue *q)
{
	if (q->umap)
		lite_umap_put(q->umap);
	q->umap = NULL;
	q->buf = NULL;
}

/* Elements between two (masked) indices. */
u32 rxe_lite_queue_count(const struct rxe_lite_queue *q, u32 prod, u32 cons)
{
	return (prod - cons) & q->index_mask;
}

void *rxe_lite_queue_slot(const struct rxe_lite_queue *q, u32 index)
{
	return q->buf->data + ((size_t)(index & q->index_mask) <<
			       q->log2_elem_size);
}

/*
 * The index userspace owns (the producer of a send/receive ring, the
 * consumer of a CQ), read with acquire semantics and masked: userspace
 * may write anything there.
 */
u32 rxe_lite_queue_user_index(const struct rxe_lite_queue *q, bool producer)
{
	const u32 *p = producer ? &q->buf->producer_index :
				  &q->buf->consumer_index;

	/* Pairs with the provider's release store after writing slots. */
	return smp_load_acquire(p) & q->index_mask;
}
