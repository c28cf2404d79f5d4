// SPDX-License-Identifier: GPL-2.0
/*
 * rxe_lite memory regions and windows: the core pins the memory; the
 * driver gives each registration a key, index << 8 | a rolling 8-bit
 * tag, the index naming the object in rxe->keys (so a stale key of a
 * destroyed object is unlikely to name its successor). MRs use the same
 * value as lkey and rkey; MW entries are tagged pointers (tag 1).
 *
 * The datapath reaches MRs by key from any context (a peer's responder,
 * softirq): rxe_lite_mr_get() takes a reference under the xarray lock,
 * and dereg_mr waits for those references before the core unpins the
 * memory and frees the MR.
 */
#include <linux/highmem.h>

#include "rxe_lite.h"

#define RXE_LITE_KEY_INDEX_MAX	((1U << 24) - 1)

static int rxe_lite_key_alloc(struct rxe_lite_dev *rxe, void *obj, u32 *key)
{
	u32 index;
	int ret;

	ret = xa_alloc_bh(&rxe->keys, &index, obj,
			  XA_LIMIT(1, RXE_LITE_KEY_INDEX_MAX), GFP_KERNEL);
	if (ret)
		return ret == -EBUSY ? -ENOMEM : ret;
	*key = index << 8 | (READ_ONCE(rxe->next_key) & 0xff);
	WRITE_ONCE(rxe->next_key, rxe->next_key + 1);
	return 0;
}

static void rxe_lite_key_free(struct rxe_lite_dev *rxe, u32 key)
{
	xa_erase_bh(&rxe->keys, key >> 8);
}

int rxe_lite_reg_user_mr(struct lite_mr *mr, struct lite_udata *udata)
{
	struct rxe_lite_dev *rxe = to_rxe_dev(mr->device);
	int ret;

	ret = rxe_lite_no_udata_in(udata);
	if (ret)
		return ret;
	struct rxe_lite_mr *rmr = container_of(mr, struct rxe_lite_mr, mr);

	refcount_set(&rmr->ref, 1);
	init_completion(&rmr->done);
	ret = rxe_lite_key_alloc(rxe, mr, &mr->lkey);
	if (ret)
		return ret;
	mr->rkey = mr->lkey;
	rxe_lite_stat_add(RXE_LITE_STAT_MR, 1);
	return 0;
}

void rxe_lite_dereg_mr(struct lite_mr *mr)
{
	struct rxe_lite_mr *rmr = container_of(mr, struct rxe_lite_mr, mr);

	rxe_lite_key_free(to_rxe_dev(mr->device), mr->lkey);
	/* No new users; wait for the packets using it (bounded: no sleeps). */
	rxe_lite_mr_put(rmr);
	wait_for_completion(&rmr->done);
	rxe_lite_stat_add(RXE_LITE_STAT_MR, -1);
}

int rxe_lite_alloc_mw(struct lite_mw *mw, struct lite_udata *udata)
{
	int ret;

	ret = rxe_lite_no_udata_in(udata);
	if (ret)
		return ret;
	ret = rxe_lite_key_alloc(to_rxe_dev(mw->device), xa_tag_pointer(mw, 1),
				 &mw->rkey);
	if (ret)
		return ret;
	rxe_lite_stat_add(RXE_LITE_STAT_MW, 1);
	return 0;
}

void rxe_lite_dealloc_mw(struct lite_mw *mw)
{
	rxe_lite_key_free(to_rxe_dev(mw->device), mw->rkey);
	rxe_lite_stat_add(RXE_LITE_STAT_MW, -1);
}

/*
 * The MR named by @key, with a reference, or NULL. Any context.
 */
struct rxe_lite_mr *rxe_lite_mr_get(struct rxe_lite_dev *rxe, u32 key)
{
	struct rxe_lite_mr *rmr = NULL;
	void *entry;

	xa_lock_bh(&rxe->keys);
	entry = xa_load(&rxe->keys, key >> 8);
	if (entry && !xa_pointer_tag(entry)) {
		rmr = container_of((struct lite_mr *)entry, struct rxe_lite_mr,
				   mr);
		if (rmr->mr.lkey == key)
			refcount_inc(&rmr->ref);
		else
			rmr = NULL;
	}
	xa_unlock_bh(&rxe->keys);
	return rmr;
}

void rxe_lite_mr_put(struct rxe_lite_mr *rmr)
{
	if (refcount_dec_and_test(&rmr->ref))
		complete(&rmr->done);
}

/*
 * May @pd's user access [@va, @va + @len) of @rmr with @access (0 for a
 * local read)? 0, or the completion status to report.
 */
int rxe_lite_mr_check(struct rxe_lite_mr *rmr, const struct lite_pd *pd,
		      u64 va, u32 len, u32 access)
{
	const struct lite_mr *mr = &rmr->mr;

	if (mr->pd != pd || (mr->access & access) != access)
		return -EACCES;
	if (va < mr->iova || va - mr->iova > mr->length ||
	    len > mr->length - (va - mr->iova))
		return -ERANGE;
	return 0;
}

/* The page of @rmr holding @va (checked), and @va's offset in it. */
static struct page *rxe_lite_mr_page(const struct rxe_lite_mr *rmr, u64 va,
				     u32 *off)
{
	const struct lite_umem *umem = rmr->mr.umem;
	u64 uaddr = umem->address + (va - rmr->mr.iova);

	*off = offset_in_page(uaddr);
	return umem->pages[(uaddr >> PAGE_SHIFT) -
			   (umem->address >> PAGE_SHIFT)];
}

/* A kernel mapping of the u64 at @va of @rmr (aligned, checked). */
u64 *rxe_lite_mr_map_u64(const struct rxe_lite_mr *rmr, u64 va)
{
	u32 off;
	struct page *page = rxe_lite_mr_page(rmr, va, &off);

	/* The IOVA has the address's page offset: a u64 is in one page. */
	return kmap_local_page(page) + off;
}

/* Copy between a checked range of an MR and @buf. Any context. */
void rxe_lite_mr_copy(struct rxe_lite_mr *rmr, u64 va, void *buf, u32 len,
		      bool to_mr)
{
	while (len) {
		u32 off;
		struct page *page = rxe_lite_mr_page(rmr, va, &off);
		u32 n = min_t(u32, len, PAGE_SIZE - off);
		void *kva = kmap_local_page(page);

		if (to_mr)
			memcpy(kva + off, buf, n);
		else
			memcpy(buf, kva + off, n);
		kunmap_local(kva);
		if (to_mr)
			flush_dcache_page(page);
		buf += n;
		va += n;
		len -= n;
	}
}

/*
 * Copy @len bytes between @d and a checked range of @rmr: into the MR
 * from @d's buffer or, when @d names an MR range, straight from that MR
 * (one copy, page by page); out of the MR only into @d's buffer. @d moves
 * past the bytes copied.
 */
void rxe_lite_data_copy(struct rxe_lite_data *d, struct rxe_lite_mr *rmr,
			u64 va, u32 len, bool to_mr)
{
	if (!d->mr) {
		rxe_lite_mr_copy(rmr, va, d->buf, len, to_mr);
		d->buf += len;
		return;
	}
	if (WARN_ON_ONCE(!to_mr))
		return;
	while (len) {
		u32 off;
		struct page *page = rxe_lite_mr_page(d->mr, d->va, &off);
		u32 n = min_t(u32, len, PAGE_SIZE - off);
		void *kva = kmap_local_page(page);

		rxe_lite_mr_copy(rmr, va, kva + off, n, true);
		kunmap_local(kva);
		d->va += n;
		va += n;
		len -= n;
	}
}

/*
 * Copy @len bytes between @d and an SGE list at byte @offset into it,
 * the SGEs' lkeys checked against @pd (and for local writes, LOCAL_WRITE
 * access). Returns 0 or an RXE_LITE_WC_* error status.
 */
int rxe_lite_sge_copy(struct rxe_lite_dev *rxe, const struct lite_pd *pd,
		      const struct rxe_sge *sge, u32 num_sge, u32 offset,
		      struct rxe_lite_data *d, u32 len, bool to_mem)
{
	u32 access = to_mem ? LITE_ACCESS_LOCAL_WRITE : 0;
	struct rxe_lite_mr *rmr;
	u32 i, n;

	for (i = 0; i < num_sge && len; i++) {
		u32 slen = READ_ONCE(sge[i].length);
		u64 addr = READ_ONCE(sge[i].addr);

		if (offset >= slen) {
			offset -= slen;
			continue;
		}
		n = min(len, slen - offset);
		rmr = rxe_lite_mr_get(rxe, READ_ONCE(sge[i].lkey));
		if (!rmr)
			return RXE_LITE_WC_LOC_PROT_ERR;
		if (rxe_lite_mr_check(rmr, pd, addr + offset, n, access)) {
			rxe_lite_mr_put(rmr);
			return RXE_LITE_WC_LOC_PROT_ERR;
		}
		rxe_lite_data_copy(d, rmr, addr + offset, n, to_mem);
		rxe_lite_mr_put(rmr);
		len -= n;
		offset = 0;
	}
	return len ? RXE_LITE_WC_LOC_LEN_ERR : 0;
}

/*
 * The range [@offset, @offset + @len) of an SGE list as one MR range in
 * @d (the MR with a reference, checked for a local read by @pd), if a
 * single SGE holds it all. 0, -E2BIG if it spans SGEs, or an
 * RXE_LITE_WC_* error status.
 */
int rxe_lite_sge_ref(struct rxe_lite_dev *rxe, const struct lite_pd *pd,
		     const struct rxe_sge *sge, u32 num_sge, u32 offset,
		     u32 len, struct rxe_lite_data *d)
{
	struct rxe_lite_mr *rmr;
	u32 i;

	for (i = 0; i < num_sge; i++) {
		u32 slen = READ_ONCE(sge[i].length);
		u64 addr = READ_ONCE(sge[i].addr);

		if (offset >= slen) {
			offset -= slen;
			continue;
		}
		if (len > slen - offset)
			return -E2BIG;
		rmr = rxe_lite_mr_get(rxe, READ_ONCE(sge[i].lkey));
		if (!rmr)
			return RXE_LITE_WC_LOC_PROT_ERR;
		if (rxe_lite_mr_check(rmr, pd, addr + offset, len, 0)) {
			rxe_lite_mr_put(rmr);
			return RXE_LITE_WC_LOC_PROT_ERR;
		}
		d->mr = rmr;
		d->va = addr + offset;
		return 0;
	}
	return RXE_LITE_WC_LOC_LEN_ERR;
}
