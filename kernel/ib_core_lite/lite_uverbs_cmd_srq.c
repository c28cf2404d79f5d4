// SPDX-License-Identifier: GPL-2.0
/*
 * ib_core_lite uverbs commands for shared receive queues: CREATE_SRQ,
 * MODIFY_SRQ, QUERY_SRQ, DESTROY_SRQ. srq->attr is the driver's, changed
 * only by its create and modify ops under srq->attr_lock.
 */
#include <linux/slab.h>

#include "lite_uverbs.h"

int lite_cmd_create_srq(struct lite_cmd *cmd)
{
	const struct lite_device_ops *ops = cmd->ibdev->ops;
	const struct lite_device_attr *attrs = &cmd->ibdev->attrs;
	struct lite_ufile *ufile = cmd->ufile;
	struct ib_uverbs_create_srq_resp resp = {};
	struct ib_uverbs_create_srq req;
	struct lite_uobj *pd_uobj, *uobj;
	struct lite_srq_attr attr;
	struct lite_srq *srq;
	int ret;

	ret = lite_cmd_ctx_request(cmd, &req, sizeof(req));
	if (ret)
		return ret;
	if (!ops->create_srq)
		return -EOPNOTSUPP;
	if (!req.max_wr || req.max_wr > attrs->max_srq_wr ||
	    req.max_sge > attrs->max_srq_sge || req.srq_limit > req.max_wr)
		return -EINVAL;
	attr.max_wr = req.max_wr;
	attr.max_sge = req.max_sge;
	attr.srq_limit = req.srq_limit;

	srq = kzalloc(max(ops->size_srq, sizeof(*srq)), GFP_KERNEL);
	if (!srq)
		return -ENOMEM;
	down_write(&ufile->obj_rwsem);
	pd_uobj = lite_uobj_get(ufile, req.pd_handle, LITE_UOBJ_PD, false);
	if (!pd_uobj) {
		ret = -EINVAL;
		goto err_free;
	}
	srq->device = cmd->ibdev;
	srq->pd = pd_uobj->object;
	mutex_init(&srq->attr_lock);
	ret = ops->create_srq(ufile->ucontext, srq, &attr, &cmd->udata);
	if (ret)
		goto err_free;
	srq->attr = attr;
	uobj = lite_uobj_add(ufile, cmd->ibdev, LITE_UOBJ_SRQ, srq, &pd_uobj,
			     1);
	if (!IS_ERR(uobj)) {
		uobj->user_handle = req.user_handle;
		srq->uobj = uobj;
		resp.max_wr = attr.max_wr;
		resp.max_sge = attr.max_sge;
		resp.srqn = srq->srq_num;
	}
	ret = lite_cmd_create_done(cmd, uobj, &resp.srq_handle, &resp,
				   sizeof(resp));
	up_write(&ufile->obj_rwsem);
	return ret;

err_free:
	up_write(&ufile->obj_rwsem);
	kfree(srq);
	return ret;
}

int lite_cmd_modify_srq(struct lite_cmd *cmd)
{
	const struct lite_device_ops *ops = cmd->ibdev->ops;
	struct lite_ufile *ufile = cmd->ufile;
	struct ib_uverbs_modify_srq req;
	struct lite_srq_attr attr;
	struct lite_srq *srq;
	int ret;

	ret = lite_cmd_ctx_request(cmd, &req, sizeof(req));
	if (ret)
		return ret;
	if (req.attr_mask & ~(LITE_SRQ_MAX_WR | LITE_SRQ_LIMIT))
		return -EINVAL;
	if (!ops->modify_srq)
		return -EOPNOTSUPP;

	down_read(&ufile->obj_rwsem);
	srq = lite_uobj_get_obj(ufile, req.srq_handle, LITE_UOBJ_SRQ);
	if (!srq) {
		up_read(&ufile->obj_rwsem);
		return -EINVAL;
	}
	mutex_lock(&srq->attr_lock);
	attr = srq->attr;
	if (req.attr_mask & LITE_SRQ_MAX_WR)
		attr.max_wr = req.max_wr;
	if (req.attr_mask & LITE_SRQ_LIMIT)
		attr.srq_limit = req.srq_limit;
	ret = -EINVAL;
	if (!attr.max_wr || attr.max_wr > cmd->ibdev->attrs.max_srq_wr ||
	    attr.srq_limit > attr.max_wr)
		goto out;
	ret = ops->modify_srq(ufile->ucontext, srq, &attr, req.attr_mask,
			      &cmd->udata);
out:
	mutex_unlock(&srq->attr_lock);
	up_read(&ufile->obj_rwsem);
	return ret;
}

int lite_cmd_query_srq(struct lite_cmd *cmd)
{
	struct lite_ufile *ufile = cmd->ufile;
	struct ib_uverbs_query_srq_resp resp = {};
	struct ib_uverbs_query_srq req;
	struct lite_srq *srq;
	int ret;

	ret = lite_cmd_ctx_request(cmd, &req, sizeof(req));
	if (ret)
		return ret;
	down_read(&ufile->obj_rwsem);
	srq = lite_uobj_get_obj(ufile, req.srq_handle, LITE_UOBJ_SRQ);
	if (srq) {
		mutex_lock(&srq->attr_lock);
		resp.max_wr = srq->attr.max_wr;
		resp.max_sge = srq->attr.max_sge;
		resp.srq_limit = srq->attr.srq_limit;
		mutex_unlock(&srq->attr_lock);
	}
	up_read(&ufile->obj_rwsem);
	return srq ? lite_cmd_response(cmd, &resp, sizeof(resp)) : -EINVAL;
}

int lite_cmd_destroy_srq(struct lite_cmd *cmd)
{
	struct ib_uverbs_destroy_srq_resp resp = {};
	struct ib_uverbs_destroy_srq req;
	int ret;

	ret = lite_cmd_request(cmd, &req, sizeof(req));
	if (ret)
		return ret;
	ret = lite_cmd_destroy_handle(cmd, req.srq_handle, LITE_UOBJ_SRQ,
				      NULL, &resp.events_reported);
	return ret ? ret : lite_cmd_response(cmd, &resp, sizeof(resp));
}
