// SPDX-License-Identifier: GPL-2.0
/*
 * ib_core_lite uverbs commands for memory: REG_MR, REREG_MR, DEREG_MR,
 * ALLOC_MW, DEALLOC_MW. The core pins and accounts the user memory
 * (lite_umem.c); the driver only gives the registration its keys.
 */
#include <linux/mm.h>
#include <linux/slab.h>

#include "lite_uverbs.h"

/* enum ib_uverbs_rereg_mr_flags / ibv_rereg_mr_flags */
#define LITE_REREG_TRANS	BIT(0)
#define LITE_REREG_PD		BIT(1)
#define LITE_REREG_ACCESS	BIT(2)
#define LITE_REREG_ALL		(LITE_REREG_TRANS | LITE_REREG_PD | \
				 LITE_REREG_ACCESS)

#define LITE_ACCESS_SUPPORTED	(LITE_ACCESS_LOCAL_WRITE |		\
				 LITE_ACCESS_REMOTE_WRITE |		\
				 LITE_ACCESS_REMOTE_READ |		\
				 LITE_ACCESS_REMOTE_ATOMIC |		\
				 LITE_ACCESS_MW_BIND)
/* Known to the ABI, not offered by a soft device. */
#define LITE_ACCESS_UNSUPPORTED	(IB_UVERBS_ACCESS_ZERO_BASED |		\
				 IB_UVERBS_ACCESS_ON_DEMAND |		\
				 IB_UVERBS_ACCESS_HUGETLB)

/*
 * Check MR access flags; returns those that matter (optional hints such as
 * relaxed ordering are dropped, as the ABI allows). -EINVAL for unknown
 * bits or remote write/atomic without local write, -EOPNOTSUPP for
 * zero-based, on-demand and hugetlb registrations.
 */
static int lite_mr_access(u32 flags, u32 *access)
{
	flags &= ~IB_UVERBS_ACCESS_OPTIONAL_RANGE;
	if (flags & LITE_ACCESS_UNSUPPORTED)
		return -EOPNOTSUPP;
	if (flags & ~LITE_ACCESS_SUPPORTED)
		return -EINVAL;
	if ((flags & (LITE_ACCESS_REMOTE_WRITE | LITE_ACCESS_REMOTE_ATOMIC)) &&
	    !(flags & LITE_ACCESS_LOCAL_WRITE))
		return -EINVAL;
	*access = flags;
	return 0;
}

static bool lite_mr_writable(u32 access)
{
	return access & (LITE_ACCESS_LOCAL_WRITE | LITE_ACCESS_REMOTE_WRITE |
			 LITE_ACCESS_REMOTE_ATOMIC | LITE_ACCESS_MW_BIND);
}

/*
 * A new registration of [@start, @start + @length) named by @iova: checks
 * and pins (or takes what lite_cmd_reg_mr_pin() pinned before the fence).
 * Called without obj_rwsem (pinning can take long); @pd is looked up by
 * the caller afterwards.
 */
static struct lite_mr *lite_mr_new(struct lite_cmd *cmd, u64 start,
				   u64 length, u64 iova, u32 access_flags)
{
	const struct lite_device_ops *ops = cmd->ibdev->ops;
	struct lite_umem *umem;
	struct lite_mr *mr;
	u32 access;
	int ret;

	if (!ops->reg_user_mr)
		return ERR_PTR(-EOPNOTSUPP);
	ret = lite_mr_access(access_flags, &access);
	if (ret)
		return ERR_PTR(ret);
	/* The page offset of the address and the IOVA must agree. */
	if ((start ^ iova) & ~PAGE_MASK)
		return ERR_PTR(-EINVAL);
	if (!length || length > cmd->ibdev->attrs.max_mr_size)
		return ERR_PTR(-EINVAL);

	mr = kzalloc(max(ops->size_mr, sizeof(*mr)), GFP_KERNEL);
	if (!mr)
		return ERR_PTR(-ENOMEM);
	umem = cmd->umem;
	cmd->umem = NULL;
	/*
	 * Only REREG_MR pins here, inside the fence: it re-pins the old
	 * (pinned, so present) range unless it moves the MR (uverbs.md).
	 */
	if (!umem)
		umem = lite_umem_get(start, length, lite_mr_writable(access));
	if (IS_ERR(umem)) {
		kfree(mr);
		return ERR_CAST(umem);
	}
	mr->device = cmd->ibdev;
	mr->umem = umem;
	mr->iova = iova;
	mr->length = length;
	mr->access = access;
	return mr;
}

/* Free an MR the driver never registered. */
static void lite_mr_free_new(struct lite_mr *mr)
{
	lite_umem_release(mr->umem);
	kfree(mr);
}

/*
 * REG_MR's step before the fence: pin the pages, which may fault on
 * memory userspace never provides. A request the handler will refuse
 * anyway is not pinned; a pinning error is left for the handler to
 * return where it used to, after the checks that come first.
 */
void lite_cmd_reg_mr_pin(struct lite_cmd *cmd)
{
	struct ib_uverbs_reg_mr req;
	u32 access;

	if (lite_cmd_request(cmd, &req, sizeof(req)) ||
	    lite_mr_access(req.access_flags, &access) || !req.length ||
	    ((req.start ^ req.hca_va) & ~PAGE_MASK))
		return;
	cmd->umem = lite_umem_get(req.start, req.length,
				  lite_mr_writable(access));
}

int lite_cmd_reg_mr(struct lite_cmd *cmd)
{
	struct lite_ufile *ufile = cmd->ufile;
	struct ib_uverbs_reg_mr_resp resp = {};
	struct ib_uverbs_reg_mr req;
	struct lite_uobj *pd_uobj, *uobj;
	struct lite_mr *mr;
	int ret;

	ret = lite_cmd_ctx_request(cmd, &req, sizeof(req));
	if (ret)
		return ret;
	/* Refuse an unknown PD before pinning (looked up again below). */
	down_read(&ufile->obj_rwsem);
	pd_uobj = lite_uobj_get(ufile, req.pd_handle, LITE_UOBJ_PD, false);
	up_read(&ufile->obj_rwsem);
	if (!pd_uobj)
		return -EINVAL;
	mr = lite_mr_new(cmd, req.start, req.length, req.hca_va,
			 req.access_flags);
	if (IS_ERR(mr))
		return PTR_ERR(mr);

	down_write(&ufile->obj_rwsem);
	pd_uobj = lite_uobj_get(ufile, req.pd_handle, LITE_UOBJ_PD, false);
	if (!pd_uobj) {
		ret = -EINVAL;
		goto err_free;
	}
	mr->pd = pd_uobj->object;
	ret = cmd->ibdev->ops->reg_user_mr(mr, &cmd->udata);
	if (ret)
		goto err_free;
	uobj = lite_uobj_add(ufile, cmd->ibdev, LITE_UOBJ_MR, mr, &pd_uobj, 1);
	if (!IS_ERR(uobj)) {
		resp.lkey = mr->lkey;
		resp.rkey = mr->rkey;
	}
	ret = lite_cmd_create_done(cmd, uobj, &resp.mr_handle, &resp,
				   sizeof(resp));
	up_write(&ufile->obj_rwsem);
	return ret;

err_free:
	up_write(&ufile->obj_rwsem);
	lite_mr_free_new(mr);
	return ret;
}

/*
 * REREG_MR: a new registration replaces the old one under the same
 * handle (new keys); what the flags do not change is taken from the old
 * one. On failure the old registration stays as it was.
 */
int lite_cmd_rereg_mr(struct lite_cmd *cmd)
{
	const struct lite_device_ops *ops = cmd->ibdev->ops;
	struct lite_ufile *ufile = cmd->ufile;
	struct ib_uverbs_rereg_mr_resp resp = {};
	struct lite_uobj *uobj, *pd_uobj;
	struct ib_uverbs_rereg_mr req;
	struct lite_mr *old, *mr;
	u64 start, length, iova;
	u32 access;
	int ret;

	ret = lite_cmd_ctx_request(cmd, &req, sizeof(req));
	if (ret)
		return ret;
	if (!req.flags || (req.flags & ~LITE_REREG_ALL))
		return -EINVAL;

	/* Read the old one's parameters; it cannot change under us... */
	down_read(&ufile->obj_rwsem);
	old = lite_uobj_get_obj(ufile, req.mr_handle, LITE_UOBJ_MR);
	if (old) {
		start = old->umem->address;
		length = old->length;
		iova = old->iova;
		access = old->access;
	}
	up_read(&ufile->obj_rwsem);
	if (!old)
		return -EINVAL;
	if (req.flags & LITE_REREG_TRANS) {
		start = req.start;
		length = req.length;
		iova = req.hca_va;
	}
	if (req.flags & LITE_REREG_ACCESS)
		access = req.access_flags;
	mr = lite_mr_new(cmd, start, length, iova, access);
	if (IS_ERR(mr))
		return PTR_ERR(mr);

	/* ...but it may be gone or replaced meanwhile: look it up again. */
	down_write(&ufile->obj_rwsem);
	uobj = lite_uobj_get(ufile, req.mr_handle, LITE_UOBJ_MR, false);
	pd_uobj = uobj ? uobj->deps[0] : NULL;
	if (uobj && (req.flags & LITE_REREG_PD))
		pd_uobj = lite_uobj_get(ufile, req.pd_handle, LITE_UOBJ_PD,
					false);
	if (!uobj || !pd_uobj) {
		ret = -EINVAL;
		goto err_free;
	}
	mr->pd = pd_uobj->object;
	ret = ops->reg_user_mr(mr, &cmd->udata);
	if (ret)
		goto err_free;

	resp.lkey = mr->lkey;
	resp.rkey = mr->rkey;
	ret = lite_cmd_response(cmd, &resp, sizeof(resp));
	if (ret) {
		ops->dereg_mr(mr);
		goto err_free;
	}
	old = uobj->object;
	ops->dereg_mr(old);
	lite_mr_free_new(old);
	uobj->object = mr;
	uobj->deps[0]->usecnt--;
	uobj->deps[0] = pd_uobj;
	pd_uobj->usecnt++;
	/*
	 * The new PD may be younger than the MR: keep "everything an object
	 * depends on is older", which teardown (newest first) relies on.
	 */
	list_move_tail(&uobj->list, &ufile->uobjs);
	up_write(&ufile->obj_rwsem);
	return 0;

err_free:
	up_write(&ufile->obj_rwsem);
	lite_mr_free_new(mr);
	return ret;
}

int lite_cmd_dereg_mr(struct lite_cmd *cmd)
{
	struct ib_uverbs_dereg_mr req;
	int ret;

	ret = lite_cmd_request(cmd, &req, sizeof(req));
	return ret ? ret : lite_cmd_destroy_handle(cmd, req.mr_handle,
						   LITE_UOBJ_MR, NULL, NULL);
}

/* enum ib_mw_type */
#define LITE_MW_TYPE_1	1
#define LITE_MW_TYPE_2	2

int lite_cmd_alloc_mw(struct lite_cmd *cmd)
{
	const struct lite_device_ops *ops = cmd->ibdev->ops;
	struct lite_ufile *ufile = cmd->ufile;
	struct ib_uverbs_alloc_mw_resp resp = {};
	struct ib_uverbs_alloc_mw req;
	struct lite_uobj *pd_uobj, *uobj;
	struct lite_mw *mw;
	int ret;

	ret = lite_cmd_ctx_request(cmd, &req, sizeof(req));
	if (ret)
		return ret;
	if (!ops->alloc_mw)
		return -EOPNOTSUPP;
	if (req.mw_type != LITE_MW_TYPE_1 && req.mw_type != LITE_MW_TYPE_2)
		return -EINVAL;

	mw = kzalloc(max(ops->size_mw, sizeof(*mw)), GFP_KERNEL);
	if (!mw)
		return -ENOMEM;
	down_write(&ufile->obj_rwsem);
	pd_uobj = lite_uobj_get(ufile, req.pd_handle, LITE_UOBJ_PD, false);
	if (!pd_uobj) {
		ret = -EINVAL;
		goto err_free;
	}
	mw->device = cmd->ibdev;
	mw->pd = pd_uobj->object;
	mw->type = req.mw_type;
	ret = ops->alloc_mw(mw, &cmd->udata);
	if (ret)
		goto err_free;
	uobj = lite_uobj_add(ufile, cmd->ibdev, LITE_UOBJ_MW, mw, &pd_uobj, 1);
	if (!IS_ERR(uobj))
		resp.rkey = mw->rkey;
	ret = lite_cmd_create_done(cmd, uobj, &resp.mw_handle, &resp,
				   sizeof(resp));
	up_write(&ufile->obj_rwsem);
	return ret;

err_free:
	up_write(&ufile->obj_rwsem);
	kfree(mw);
	return ret;
}

int lite_cmd_dealloc_mw(struct lite_cmd *cmd)
{
	struct ib_uverbs_dealloc_mw req;
	int ret;

	ret = lite_cmd_request(cmd, &req, sizeof(req));
	return ret ? ret : lite_cmd_destroy_handle(cmd, req.mw_handle,
						   LITE_UOBJ_MW, NULL, NULL);
}
