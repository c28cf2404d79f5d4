// SPDX-License-Identifier: GPL-2.0
/*
 * rxe_lite memory regions and windows: the core pins the memory; the
 * driver gives each registration a key, index << 8 | a rolling 8-bit
 * tag, the index naming the object in rxe->keys (so a stale key of a
 * destroyed object is unlikely to name its successor). MRs use the same
 * value as lkey and rkey.
 */
#include "rxe_lite.h"

#define RXE_LITE_KEY_INDEX_MAX	((1U << 24) - 1)

static int rxe_lite_key_alloc(struct rxe_lite_dev *rxe, void *obj, u32 *key)
{
	u32 index;
	int ret;

	ret = xa_alloc(&rxe->keys, &index, obj,
		       XA_LIMIT(1, RXE_LITE_KEY_INDEX_MAX), GFP_KERNEL);
	if (ret)
		return ret == -EBUSY ? -ENOMEM : ret;
	*key = index << 8 | (READ_ONCE(rxe->next_key) & 0xff);
	WRITE_ONCE(rxe->next_key, rxe->next_key + 1);
	return 0;
}

static void rxe_lite_key_free(struct rxe_lite_dev *rxe, u32 key)
{
	xa_erase(&rxe->keys, key >> 8);
}

int rxe_lite_reg_user_mr(struct lite_mr *mr, struct lite_udata *udata)
{
	struct rxe_lite_dev *rxe = to_rxe_dev(mr->device);
	int ret;

	ret = rxe_lite_no_udata_in(udata);
	if (ret)
		return ret;
	ret = rxe_lite_key_alloc(rxe, mr, &mr->lkey);
	if (ret)
		return ret;
	mr->rkey = mr->lkey;
	rxe_lite_stat_add(RXE_LITE_STAT_MR, 1);
	return 0;
}

void rxe_lite_dereg_mr(struct lite_mr *mr)
{
	rxe_lite_key_free(to_rxe_dev(mr->device), mr->lkey);
	rxe_lite_stat_add(RXE_LITE_STAT_MR, -1);
}

int rxe_lite_alloc_mw(struct lite_mw *mw, struct lite_udata *udata)
{
	int ret;

	ret = rxe_lite_no_udata_in(udata);
	if (ret)
		return ret;
	ret = rxe_lite_key_alloc(to_rxe_dev(mw->device), mw, &mw->rkey);
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
