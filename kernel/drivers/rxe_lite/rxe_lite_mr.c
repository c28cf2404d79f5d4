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

/*
 * Unbind every window still bound to @rmr. Linux's rxe refuses the
 * deregistration instead (-EINVAL, IBTA 10.6.7.2.6), but dereg_mr cannot
 * fail here (the core destroys on revoke too): the windows become
 * invalid, and a later access through them gets a remote access error.
 */
static void rxe_lite_mr_unbind_all(struct rxe_lite_dev *rxe,
				   struct rxe_lite_mr *rmr)
{
	unsigned long index;
	void *entry;

	xa_lock_bh(&rxe->keys);
	xa_for_each(&rxe->keys, index, entry) {
		struct rxe_lite_mw *rmw;

		if (!rmr->num_mw)
			break;
		if (xa_pointer_tag(entry) != 1)
			continue;
		rmw = xa_untag_pointer(entry);
		if (rmw->mr == rmr) {
			rmw->mr = NULL;
			rmr->num_mw--;
		}
	}
	xa_unlock_bh(&rxe->keys);
}

void rxe_lite_dereg_mr(struct lite_mr *mr)
{
	struct rxe_lite_mr *rmr = container_of(mr, struct rxe_lite_mr, mr);

	rxe_lite_key_free(to_rxe_dev(mr->device), mr->lkey);
	rxe_lite_mr_unbind_all(to_rxe_dev(mr->device), rmr);
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
	struct rxe_lite_dev *rxe = to_rxe_dev(mw->device);
	struct rxe_lite_mw *rmw = container_of(mw, struct rxe_lite_mw, mw);

	/* A bound window is unbound: erase and unbind in one critical section. */
	xa_lock_bh(&rxe->keys);
	__xa_erase(&rxe->keys, mw->rkey >> 8);
	if (rmw->mr) {
		rmw->mr->num_mw--;
		rmw->mr = NULL;
	}
	xa_unlock_bh(&rxe->keys);
	rxe_lite_stat_add(RXE_LITE_STAT_MW, -1);
}

/* The window named by @rkey's index (any key tag). Caller holds the lock. */
static struct rxe_lite_mw *rxe_lite_mw_find(struct rxe_lite_dev *rxe, u32 rkey)
{
	void *entry = xa_load(&rxe->keys, rkey >> 8);

	if (!entry || xa_pointer_tag(entry) != 1)
		return NULL;
	return xa_untag_pointer(entry);
}

/*
 * Execute a bind WQE of @rqp (type 1 from ibv_bind_mw, type 2 from
 * IBV_WR_BIND_MW): bind the window @mw_rkey names to [@addr, @addr +
 * @length) of the MR @mr_lkey (a type 1 window with length 0: unbind)
 * with @access; its rkey's low byte becomes @new_key's. The checks are
 * those of IBTA 10.6.7 and Linux's rxe. 0 or RXE_LITE_WC_MW_BIND_ERR.
 */
int rxe_lite_bind_mw(struct rxe_lite_qp *rqp, u32 mw_rkey, u32 new_key,
		     u32 mr_lkey, u64 addr, u64 length, u32 access)
{
	const u32 remote = LITE_ACCESS_REMOTE_WRITE | LITE_ACCESS_REMOTE_READ |
			   LITE_ACCESS_REMOTE_ATOMIC;
	struct rxe_lite_dev *rxe = rqp->rxe;
	struct rxe_lite_mr *rmr = NULL;
	struct rxe_lite_mw *rmw;
	int ret = RXE_LITE_WC_MW_BIND_ERR;
	void *entry;

	xa_lock_bh(&rxe->keys);
	rmw = rxe_lite_mw_find(rxe, mw_rkey);
	if (!rmw || rmw->mw.rkey != mw_rkey || rmw->mw.pd != rqp->qp.pd)
		goto out;
	/* A type 2 window is bound once; invalidate it first. */
	if (rmw->mw.type == 2 && rmw->mr)
		goto out;
	/* Zero-based windows are not supported (see datapath.md). */
	if (access & ~remote)
		goto out;
	if (length) {
		entry = xa_load(&rxe->keys, mr_lkey >> 8);
		if (!entry || xa_pointer_tag(entry))
			goto out;
		rmr = container_of((struct lite_mr *)entry, struct rxe_lite_mr,
				   mr);
		if (rmr->mr.lkey != mr_lkey || rmr->mr.pd != rmw->mw.pd ||
		    !(rmr->mr.access & LITE_ACCESS_MW_BIND))
			goto out;
		/* Remote write or atomic need local write on the MR. */
		if ((access & (LITE_ACCESS_REMOTE_WRITE |
			       LITE_ACCESS_REMOTE_ATOMIC)) &&
		    !(rmr->mr.access & LITE_ACCESS_LOCAL_WRITE))
			goto out;
		if (addr < rmr->mr.iova || addr - rmr->mr.iova > rmr->mr.length ||
		    length > rmr->mr.length - (addr - rmr->mr.iova))
			goto out;
	} else if (rmw->mw.type == 2) {
		goto out;
	}
	if (rmw->mr)
		rmw->mr->num_mw--;
	rmw->mr = rmr;
	if (rmr)
		rmr->num_mw++;
	rmw->addr = addr;
	rmw->length = length;
	rmw->access = access;
	rmw->qpn = rqp->qp.qp_num;
	rmw->mw.rkey = (rmw->mw.rkey & ~0xffU) | (new_key & 0xff);
	ret = 0;
out:
	xa_unlock_bh(&rxe->keys);
	return ret;
}

/*
 * Execute a local invalidate WQE of @rqp: of a type 2 window bound
 * through it (user MRs cannot be invalidated, type 1 windows neither,
 * as in Linux's rxe). 0 or RXE_LITE_WC_LOC_QP_OP_ERR.
 */
int rxe_lite_local_inv(struct rxe_lite_qp *rqp, u32 rkey)
{
	struct rxe_lite_dev *rxe = rqp->rxe;
	int ret = RXE_LITE_WC_LOC_QP_OP_ERR;
	struct rxe_lite_mw *rmw;

	xa_lock_bh(&rxe->keys);
	rmw = rxe_lite_mw_find(rxe, rkey);
	if (rmw && rmw->mw.rkey == rkey && rmw->mw.type == 2 && rmw->mr &&
	    rmw->qpn == rqp->qp.qp_num) {
		rmw->mr->num_mw--;
		rmw->mr = NULL;
		ret = 0;
	}
	xa_unlock_bh(&rxe->keys);
	return ret;
}

/*
 * The MR behind the window @rkey names, with a reference, if @rqp may
 * access [@va, @va + @len) of the window with @access; or NULL.
 */
struct rxe_lite_mr *rxe_lite_mw_mr_get(struct rxe_lite_qp *rqp, u32 rkey,
				       u64 va, u32 len, u32 access)
{
	struct rxe_lite_dev *rxe = rqp->rxe;
	struct rxe_lite_mr *rmr = NULL;
	struct rxe_lite_mw *rmw;

	xa_lock_bh(&rxe->keys);
	rmw = rxe_lite_mw_find(rxe, rkey);
	if (rmw && rmw->mw.rkey == rkey && rmw->mr &&
	    rmw->mw.pd == rqp->qp.pd &&
	    (rmw->mw.type == 1 || rmw->qpn == rqp->qp.qp_num) &&
	    (rmw->access & access) == access && va >= rmw->addr &&
	    va - rmw->addr <= rmw->length &&
	    len <= rmw->length - (va - rmw->addr)) {
		rmr = rmw->mr;
		refcount_inc(&rmr->ref);
	}
	xa_unlock_bh(&rxe->keys);
	return rmr;
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
