// SPDX-License-Identifier: GPL-2.0
/*
 * ib_core_lite uverbs commands for completion queues: CREATE_COMP_CHANNEL,
 * CREATE_CQ, EX_CREATE_CQ, RESIZE_CQ, REQ_NOTIFY_CQ, DESTROY_CQ.
 *
 * The arm of REQ_NOTIFY_CQ is the core's (lite_cq.notify); the driver only
 * reports each new completion with lite_cq_completion().
 */
#include <linux/file.h>
#include <linux/slab.h>

#include "lite_uverbs.h"

int lite_cmd_create_comp_channel(struct lite_cmd *cmd)
{
	struct ib_uverbs_create_comp_channel_resp resp = {};
	struct ib_uverbs_create_comp_channel req;
	struct file *filp;
	int ret, fd;

	ret = lite_cmd_ctx_request(cmd, &req, sizeof(req));
	if (ret)
		return ret;
	fd = lite_comp_file_create(cmd->ufile, &filp);
	if (fd < 0)
		return fd;
	/*
	 * Answer first: once the fd is installed another thread may use or
	 * close it, so it cannot be taken back.
	 */
	resp.fd = fd;
	ret = lite_cmd_response(cmd, &resp, sizeof(resp));
	if (ret) {
		fput(filp);
		put_unused_fd(fd);
		return ret;
	}
	fd_install(fd, filp);
	return 0;
}

struct lite_cq_args {
	u64 user_handle;
	u32 cqe;
	u32 comp_vector;
	s32 comp_channel;
};

/*
 * Create a CQ and fill in @base; then lite_cmd_create_done() writes @resp
 * (@len bytes, which starts with @base). Holds obj_rwsem for write.
 */
static int lite_cq_create(struct lite_cmd *cmd, const struct lite_cq_args *a,
			  struct ib_uverbs_create_cq_resp *base,
			  const void *resp, size_t len)
{
	const struct lite_device_ops *ops = cmd->ibdev->ops;
	const struct lite_device_attr *attrs = &cmd->ibdev->attrs;
	struct lite_ufile *ufile = cmd->ufile;
	struct lite_comp_file *comp = NULL;
	struct lite_uobj *uobj;
	struct lite_cq *cq;
	int ret;

	if (!ops->create_cq)
		return -EOPNOTSUPP;
	if (!a->cqe || a->cqe > attrs->max_cqe ||
	    a->comp_vector >= max(attrs->num_comp_vectors, 1U))
		return -EINVAL;
	if (a->comp_channel >= 0) {
		comp = lite_comp_file_get(ufile, a->comp_channel);
		if (!comp)
			return -EINVAL;
	}

	cq = kzalloc(max(ops->size_cq, sizeof(*cq)), GFP_KERNEL);
	if (!cq) {
		ret = -ENOMEM;
		goto err_comp;
	}
	cq->device = cmd->ibdev;
	ret = ops->create_cq(ufile->ucontext, cq, a->cqe, &cmd->udata);
	if (ret) {
		kfree(cq);
		goto err_comp;
	}

	down_write(&ufile->obj_rwsem);
	uobj = lite_uobj_add(ufile, cmd->ibdev, LITE_UOBJ_CQ, cq, NULL, 0);
	if (!IS_ERR(uobj)) {
		uobj->user_handle = a->user_handle;
		uobj->comp = comp;		/* the reference is the CQ's */
		comp = NULL;
		cq->uobj = uobj;
		base->cqe = cq->cqe;
	}
	ret = lite_cmd_create_done(cmd, uobj, &base->cq_handle, resp, len);
	up_write(&ufile->obj_rwsem);
err_comp:
	if (comp)
		lite_comp_file_put(comp);
	return ret;
}

int lite_cmd_create_cq(struct lite_cmd *cmd)
{
	struct ib_uverbs_create_cq_resp resp = {};
	struct ib_uverbs_create_cq req;
	struct lite_cq_args a;
	int ret;

	ret = lite_cmd_ctx_request(cmd, &req, sizeof(req));
	if (ret)
		return ret;
	a.user_handle = req.user_handle;
	a.cqe = req.cqe;
	a.comp_vector = req.comp_vector;
	a.comp_channel = req.comp_channel;
	return lite_cq_create(cmd, &a, &resp, &resp, sizeof(resp));
}

int lite_cmd_ex_create_cq(struct lite_cmd *cmd)
{
	struct ib_uverbs_ex_create_cq_resp resp = {};
	struct ib_uverbs_ex_create_cq req;
	struct lite_cq_args a;
	int ret;

	ret = lite_cmd_ctx_request(cmd, &req, sizeof(req));
	if (ret)
		return ret;
	if (req.comp_mask || req.reserved)
		return -EINVAL;
	/* Timestamps and overrun-ignoring CQs are not offered. */
	if (req.flags)
		return -EOPNOTSUPP;
	a.user_handle = req.user_handle;
	a.cqe = req.cqe;
	a.comp_vector = req.comp_vector;
	a.comp_channel = req.comp_channel;
	resp.response_length = min_t(size_t, cmd->outlen, sizeof(resp));
	return lite_cq_create(cmd, &a, &resp.base, &resp, sizeof(resp));
}

int lite_cmd_resize_cq(struct lite_cmd *cmd)
{
	const struct lite_device_ops *ops = cmd->ibdev->ops;
	struct lite_ufile *ufile = cmd->ufile;
	struct ib_uverbs_resize_cq_resp resp = {};
	struct ib_uverbs_resize_cq req;
	struct lite_cq *cq;
	int ret;

	ret = lite_cmd_ctx_request(cmd, &req, sizeof(req));
	if (ret)
		return ret;
	if (!ops->resize_cq)
		return -EOPNOTSUPP;
	if (!req.cqe || req.cqe > cmd->ibdev->attrs.max_cqe)
		return -EINVAL;

	/* For write: one resize at a time, none during a destroy. */
	down_write(&ufile->obj_rwsem);
	cq = lite_uobj_get_obj(ufile, req.cq_handle, LITE_UOBJ_CQ);
	if (!cq) {
		ret = -EINVAL;
	} else {
		ret = ops->resize_cq(ufile->ucontext, cq, req.cqe,
				     &cmd->udata);
		resp.cqe = cq->cqe;
	}
	up_write(&ufile->obj_rwsem);
	return ret ? ret : lite_cmd_response(cmd, &resp, sizeof(resp));
}

int lite_cmd_req_notify_cq(struct lite_cmd *cmd)
{
	struct lite_ufile *ufile = cmd->ufile;
	struct ib_uverbs_req_notify_cq req;
	struct lite_cq *cq;
	int ret;

	ret = lite_cmd_ctx_request(cmd, &req, sizeof(req));
	if (ret)
		return ret;
	down_read(&ufile->obj_rwsem);
	cq = lite_uobj_get_obj(ufile, req.cq_handle, LITE_UOBJ_CQ);
	if (cq)
		set_bit(req.solicited_only ? LITE_CQ_ARMED_SOL :
			LITE_CQ_ARMED_NEXT, &cq->notify);
	up_read(&ufile->obj_rwsem);
	return cq ? 0 : -EINVAL;
}

int lite_cmd_destroy_cq(struct lite_cmd *cmd)
{
	struct ib_uverbs_destroy_cq_resp resp = {};
	struct ib_uverbs_destroy_cq req;
	int ret;

	ret = lite_cmd_request(cmd, &req, sizeof(req));
	if (ret)
		return ret;
	ret = lite_cmd_destroy_handle(cmd, req.cq_handle, LITE_UOBJ_CQ,
				      &resp.comp_events_reported,
				      &resp.async_events_reported);
	return ret ? ret : lite_cmd_response(cmd, &resp, sizeof(resp));
}
