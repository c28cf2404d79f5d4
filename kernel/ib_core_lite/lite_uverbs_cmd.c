// SPDX-License-Identifier: GPL-2.0
/*
 * ib_core_lite uverbs write() commands (include/uapi/rdma/ib_user_verbs.h).
 *
 * Each handler runs inside the file's SRCU fence with cmd->ibdev
 * registered, and never touches user memory: write() copied the request
 * in and copies the response out (lite_uverbs_main.c). Requests are read
 * with lite_cmd_request(): a shorter core request is zero-extended, a
 * longer one must be zero beyond what we know (else -EOPNOTSUPP).
 * Responses are written with lite_cmd_response(): truncated to the buffer
 * the caller gave and zero-filled beyond.
 */
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "lite_uverbs.h"

int lite_cmd_request(struct lite_cmd *cmd, void *req, size_t len)
{
	memcpy(req, cmd->inbuf, min(cmd->inlen, len));
	if (cmd->inlen < len)
		memset(req + cmd->inlen, 0, len - cmd->inlen);
	else if (cmd->inlen > len &&
		 memchr_inv(cmd->inbuf + len, 0, cmd->inlen - len))
		return -EOPNOTSUPP;
	return 0;
}

/* Into write()'s kernel buffer (zeroed), copied out after the fence. */
int lite_cmd_response(struct lite_cmd *cmd, const void *resp, size_t len)
{
	memcpy(cmd->outbuf, resp, min(cmd->outlen, len));
	return 0;
}

/*
 * Read the request of a command that needs the user context (all but
 * GET_CONTEXT and the destroys): without one it fails with -EINVAL.
 */
int lite_cmd_ctx_request(struct lite_cmd *cmd, void *req, size_t len)
{
	if (!READ_ONCE(cmd->ufile->ucontext))
		return -EINVAL;
	return lite_cmd_request(cmd, req, len);
}

static int lite_cmd_get_context(struct lite_cmd *cmd)
{
	struct lite_ufile *ufile = cmd->ufile;
	const struct lite_device_ops *ops = cmd->ibdev->ops;
	struct ib_uverbs_get_context_resp resp = {};
	struct ib_uverbs_get_context req;
	struct lite_async_file *async;
	struct lite_ucontext *uctx;
	struct file *filp;
	int ret, fd;

	ret = lite_cmd_request(cmd, &req, sizeof(req));
	if (ret)
		return ret;
	if (!ops->alloc_ucontext)
		return -EOPNOTSUPP;

	mutex_lock(&ufile->ucontext_lock);
	/* One context per open file. */
	if (ufile->ucontext || ufile->async) {
		ret = -EINVAL;
		goto out_unlock;
	}

	uctx = kzalloc(max(ops->size_ucontext, sizeof(*uctx)), GFP_KERNEL);
	async = lite_async_file_alloc();
	if (!uctx || !async) {
		ret = -ENOMEM;
		goto err_free;
	}
	uctx->device = cmd->ibdev;
	uctx->ufile = ufile;

	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0) {
		ret = fd;
		goto err_free;
	}
	filp = lite_async_file_open(async);
	if (IS_ERR(filp)) {
		ret = PTR_ERR(filp);
		goto err_fd;
	}

	resp.async_fd = fd;
	resp.num_comp_vectors = cmd->ibdev->attrs.num_comp_vectors ?: 1;
	ret = lite_cmd_response(cmd, &resp, sizeof(resp));
	if (ret)
		goto err_file;

	ret = ops->alloc_ucontext(uctx, &cmd->udata);
	if (ret)
		goto err_file;

	ufile->ucontext = uctx;
	/* Last: lite_uverbs_event() reads it without ucontext_lock. */
	smp_store_release(&ufile->async, async);
	lite_stat_inc(LITE_STAT_UCONTEXT);
	fd_install(fd, filp);
	mutex_unlock(&ufile->ucontext_lock);
	return 0;

err_file:
	fput(filp);
err_fd:
	put_unused_fd(fd);
err_free:
	if (async)
		lite_async_file_put(async);
	kfree(uctx);
out_unlock:
	mutex_unlock(&ufile->ucontext_lock);
	return ret;
}

static void lite_fill_query_device(struct lite_device *dev,
				   struct ib_uverbs_query_device_resp *resp)
{
	const struct lite_device_attr *a = &dev->attrs;

	memset(resp, 0, sizeof(*resp));
	resp->fw_ver = a->fw_ver;
	resp->node_guid = dev->node_guid;
	resp->sys_image_guid = dev->node_guid;
	resp->max_mr_size = a->max_mr_size;
	resp->page_size_cap = a->page_size_cap;
	resp->vendor_id = a->vendor_id;
	resp->vendor_part_id = a->vendor_part_id;
	resp->hw_ver = a->hw_ver;
	resp->max_qp = a->max_qp;
	resp->max_qp_wr = a->max_qp_wr;
	resp->device_cap_flags = lower_32_bits(a->device_cap_flags);
	resp->max_sge = a->max_sge;
	resp->max_sge_rd = a->max_sge_rd;
	resp->max_cq = a->max_cq;
	resp->max_cqe = a->max_cqe;
	resp->max_mr = a->max_mr;
	resp->max_pd = a->max_pd;
	resp->max_qp_rd_atom = a->max_qp_rd_atom;
	resp->max_res_rd_atom = a->max_res_rd_atom;
	resp->max_qp_init_rd_atom = a->max_qp_init_rd_atom;
	resp->atomic_cap = a->atomic_cap;
	resp->max_mw = a->max_mw;
	resp->max_mcast_grp = a->max_mcast_grp;
	resp->max_mcast_qp_attach = a->max_mcast_qp_attach;
	resp->max_total_mcast_qp_attach = a->max_total_mcast_qp_attach;
	resp->max_ah = a->max_ah;
	resp->max_srq = a->max_srq;
	resp->max_srq_wr = a->max_srq_wr;
	resp->max_srq_sge = a->max_srq_sge;
	resp->max_pkeys = a->max_pkeys;
	resp->local_ca_ack_delay = a->local_ca_ack_delay;
	resp->phys_port_cnt = 1;
}

static int lite_cmd_query_device(struct lite_cmd *cmd)
{
	struct ib_uverbs_query_device_resp resp;
	struct ib_uverbs_query_device req;
	int ret;

	ret = lite_cmd_ctx_request(cmd, &req, sizeof(req));
	if (ret)
		return ret;
	lite_fill_query_device(cmd->ibdev, &resp);
	return lite_cmd_response(cmd, &resp, sizeof(resp));
}

static int lite_cmd_ex_query_device(struct lite_cmd *cmd)
{
	struct ib_uverbs_ex_query_device_resp resp = {};
	struct ib_uverbs_ex_query_device req;
	int ret;

	ret = lite_cmd_ctx_request(cmd, &req, sizeof(req));
	if (ret)
		return ret;
	if (req.comp_mask || req.reserved)
		return -EINVAL;

	lite_fill_query_device(cmd->ibdev, &resp.base);
	resp.device_cap_flags_ex = cmd->ibdev->attrs.device_cap_flags;
	resp.response_length = min_t(size_t, cmd->outlen, sizeof(resp));
	return lite_cmd_response(cmd, &resp, sizeof(resp));
}

static int lite_cmd_query_port(struct lite_cmd *cmd)
{
	struct lite_device *dev = cmd->ibdev;
	const struct lite_device_attr *a = &dev->attrs;
	struct ib_uverbs_query_port_resp resp = {};
	struct ib_uverbs_query_port req;
	int ret;

	ret = lite_cmd_ctx_request(cmd, &req, sizeof(req));
	if (ret)
		return ret;
	if (req.port_num != LITE_PORT)
		return -EINVAL;

	resp.state = lite_port_state(dev);
	resp.phys_state = lite_port_phys_state(dev);
	resp.max_mtu = a->max_mtu;
	resp.active_mtu = min(lite_port_active_mtu(dev), a->max_mtu);
	resp.gid_tbl_len = LITE_GID_TBL_LEN;
	resp.pkey_tbl_len = 1;
	resp.port_cap_flags = a->port_cap_flags;
	resp.max_msg_sz = a->max_msg_sz;
	resp.active_width = a->active_width;
	resp.active_speed = a->active_speed;
	resp.max_vl_num = 1;
	resp.link_layer = LITE_LINK_LAYER_ETHERNET;
	return lite_cmd_response(cmd, &resp, sizeof(resp));
}

static int lite_cmd_alloc_pd(struct lite_cmd *cmd)
{
	const struct lite_device_ops *ops = cmd->ibdev->ops;
	struct lite_ufile *ufile = cmd->ufile;
	struct ib_uverbs_alloc_pd_resp resp = {};
	struct ib_uverbs_alloc_pd req;
	struct lite_uobj *uobj;
	struct lite_pd *pd;
	int ret;

	ret = lite_cmd_ctx_request(cmd, &req, sizeof(req));
	if (ret)
		return ret;

	pd = kzalloc(max(ops->size_pd, sizeof(*pd)), GFP_KERNEL);
	if (!pd)
		return -ENOMEM;
	pd->device = cmd->ibdev;
	ret = ops->alloc_pd(pd, &cmd->udata);
	if (ret) {
		kfree(pd);
		return ret;
	}

	down_write(&ufile->obj_rwsem);
	uobj = lite_uobj_add(ufile, cmd->ibdev, LITE_UOBJ_PD, pd, NULL, 0);
	ret = lite_cmd_create_done(cmd, uobj, &resp.pd_handle, &resp,
				   sizeof(resp));
	up_write(&ufile->obj_rwsem);
	return ret;
}

/*
 * The end of a create command, under obj_rwsem for write: @uobj is the
 * result of lite_uobj_add(); answer with its handle stored at @handle in
 * @resp, or destroy it again if the answer cannot be written.
 */
int lite_cmd_create_done(struct lite_cmd *cmd, struct lite_uobj *uobj,
			 u32 *handle, const void *resp, size_t len)
{
	int ret;

	if (IS_ERR(uobj))
		return PTR_ERR(uobj);
	*handle = uobj->handle;
	ret = lite_cmd_response(cmd, resp, len);
	if (ret)
		lite_uobj_abort(cmd->ufile, uobj, cmd->ibdev);
	return ret;
}

/*
 * A DESTROY command: look up the handle (also one whose hardware object a
 * revoke took) and destroy it; see lite_uobj_destroy() for the counters.
 */
int lite_cmd_destroy_handle(struct lite_cmd *cmd, u32 handle,
			    enum lite_uobj_type type, u32 *comp_read,
			    u32 *async_read)
{
	struct lite_ufile *ufile = cmd->ufile;
	struct lite_uobj *uobj;
	int ret;

	down_write(&ufile->obj_rwsem);
	uobj = lite_uobj_get(ufile, handle, type, true);
	ret = uobj ? lite_uobj_destroy(ufile, uobj, cmd->ibdev, comp_read,
				       async_read) : -EINVAL;
	up_write(&ufile->obj_rwsem);
	return ret;
}

static int lite_cmd_dealloc_pd(struct lite_cmd *cmd)
{
	struct ib_uverbs_dealloc_pd req;
	int ret;

	/* No context check: without one there is no handle either. */
	ret = lite_cmd_request(cmd, &req, sizeof(req));
	return ret ? ret : lite_cmd_destroy_handle(cmd, req.pd_handle,
						   LITE_UOBJ_PD, NULL, NULL);
}

#define LITE_CMD(_id, _handler, _req, _resp, _udata)			\
	[_id] = { .handler = _handler, .req_size = sizeof(_req),	\
		  .resp_size = _resp, .has_udata = _udata }
#define LITE_CMD_DESTROY(_id, _handler, _req, _resp)			\
	[_id] = { .handler = _handler, .req_size = sizeof(_req),	\
		  .resp_size = _resp, .is_destroy = true }
#define LITE_EX_CMD(_id, _handler, _req, _resp)				\
	[_id] = { .handler = _handler, .req_size = sizeof(_req),	\
		  .resp_size = _resp, .is_ex = true }

static const struct lite_cmd_def lite_cmds[] = {
	LITE_CMD(IB_USER_VERBS_CMD_GET_CONTEXT, lite_cmd_get_context,
		 struct ib_uverbs_get_context,
		 sizeof(struct ib_uverbs_get_context_resp), true),
	LITE_CMD(IB_USER_VERBS_CMD_QUERY_DEVICE, lite_cmd_query_device,
		 struct ib_uverbs_query_device,
		 sizeof(struct ib_uverbs_query_device_resp), false),
	LITE_CMD(IB_USER_VERBS_CMD_QUERY_PORT, lite_cmd_query_port,
		 struct ib_uverbs_query_port,
		 sizeof(struct ib_uverbs_query_port_resp), false),
	LITE_CMD(IB_USER_VERBS_CMD_ALLOC_PD, lite_cmd_alloc_pd,
		 struct ib_uverbs_alloc_pd,
		 sizeof(struct ib_uverbs_alloc_pd_resp), true),
	LITE_CMD_DESTROY(IB_USER_VERBS_CMD_DEALLOC_PD, lite_cmd_dealloc_pd,
			 struct ib_uverbs_dealloc_pd, 0),
	LITE_CMD(IB_USER_VERBS_CMD_CREATE_AH, lite_cmd_create_ah,
		 struct ib_uverbs_create_ah,
		 sizeof(struct ib_uverbs_create_ah_resp), true),
	LITE_CMD_DESTROY(IB_USER_VERBS_CMD_DESTROY_AH, lite_cmd_destroy_ah,
			 struct ib_uverbs_destroy_ah, 0),
	[IB_USER_VERBS_CMD_REG_MR] = {
		.handler = lite_cmd_reg_mr,
		.prepare = lite_cmd_reg_mr_pin,
		.req_size = sizeof(struct ib_uverbs_reg_mr),
		.resp_size = sizeof(struct ib_uverbs_reg_mr_resp),
		.has_udata = true,
	},
	LITE_CMD(IB_USER_VERBS_CMD_REREG_MR, lite_cmd_rereg_mr,
		 struct ib_uverbs_rereg_mr,
		 sizeof(struct ib_uverbs_rereg_mr_resp), true),
	LITE_CMD_DESTROY(IB_USER_VERBS_CMD_DEREG_MR, lite_cmd_dereg_mr,
			 struct ib_uverbs_dereg_mr, 0),
	LITE_CMD(IB_USER_VERBS_CMD_ALLOC_MW, lite_cmd_alloc_mw,
		 struct ib_uverbs_alloc_mw,
		 sizeof(struct ib_uverbs_alloc_mw_resp), true),
	LITE_CMD_DESTROY(IB_USER_VERBS_CMD_DEALLOC_MW, lite_cmd_dealloc_mw,
			 struct ib_uverbs_dealloc_mw, 0),
	LITE_CMD(IB_USER_VERBS_CMD_CREATE_COMP_CHANNEL,
		 lite_cmd_create_comp_channel,
		 struct ib_uverbs_create_comp_channel,
		 sizeof(struct ib_uverbs_create_comp_channel_resp), false),
	LITE_CMD(IB_USER_VERBS_CMD_CREATE_CQ, lite_cmd_create_cq,
		 struct ib_uverbs_create_cq,
		 sizeof(struct ib_uverbs_create_cq_resp), true),
	LITE_CMD(IB_USER_VERBS_CMD_RESIZE_CQ, lite_cmd_resize_cq,
		 struct ib_uverbs_resize_cq,
		 sizeof(struct ib_uverbs_resize_cq_resp), true),
	LITE_CMD_DESTROY(IB_USER_VERBS_CMD_DESTROY_CQ, lite_cmd_destroy_cq,
			 struct ib_uverbs_destroy_cq,
			 sizeof(struct ib_uverbs_destroy_cq_resp)),
	LITE_CMD(IB_USER_VERBS_CMD_REQ_NOTIFY_CQ, lite_cmd_req_notify_cq,
		 struct ib_uverbs_req_notify_cq, 0, false),
	LITE_CMD(IB_USER_VERBS_CMD_CREATE_QP, lite_cmd_create_qp,
		 struct ib_uverbs_create_qp,
		 sizeof(struct ib_uverbs_create_qp_resp), true),
	LITE_CMD(IB_USER_VERBS_CMD_QUERY_QP, lite_cmd_query_qp,
		 struct ib_uverbs_query_qp,
		 sizeof(struct ib_uverbs_query_qp_resp), false),
	LITE_CMD(IB_USER_VERBS_CMD_MODIFY_QP, lite_cmd_modify_qp,
		 struct ib_uverbs_modify_qp, 0, true),
	LITE_CMD_DESTROY(IB_USER_VERBS_CMD_DESTROY_QP, lite_cmd_destroy_qp,
			 struct ib_uverbs_destroy_qp,
			 sizeof(struct ib_uverbs_destroy_qp_resp)),
	LITE_CMD(IB_USER_VERBS_CMD_POST_SEND, lite_cmd_post_send,
		 struct ib_uverbs_post_send,
		 sizeof(struct ib_uverbs_post_send_resp), false),
	LITE_CMD(IB_USER_VERBS_CMD_CREATE_SRQ, lite_cmd_create_srq,
		 struct ib_uverbs_create_srq,
		 sizeof(struct ib_uverbs_create_srq_resp), true),
	LITE_CMD(IB_USER_VERBS_CMD_MODIFY_SRQ, lite_cmd_modify_srq,
		 struct ib_uverbs_modify_srq, 0, true),
	LITE_CMD(IB_USER_VERBS_CMD_QUERY_SRQ, lite_cmd_query_srq,
		 struct ib_uverbs_query_srq,
		 sizeof(struct ib_uverbs_query_srq_resp), false),
	LITE_CMD_DESTROY(IB_USER_VERBS_CMD_DESTROY_SRQ, lite_cmd_destroy_srq,
			 struct ib_uverbs_destroy_srq,
			 sizeof(struct ib_uverbs_destroy_srq_resp)),
};

static const struct lite_cmd_def lite_ex_cmds[] = {
	/* Any prefix of the response is fine: response_length says. */
	LITE_EX_CMD(IB_USER_VERBS_EX_CMD_QUERY_DEVICE,
		    lite_cmd_ex_query_device,
		    struct ib_uverbs_ex_query_device, 0),
	LITE_EX_CMD(IB_USER_VERBS_EX_CMD_CREATE_CQ, lite_cmd_ex_create_cq,
		    struct ib_uverbs_ex_create_cq,
		    sizeof(struct ib_uverbs_ex_create_cq_resp)),
	LITE_EX_CMD(IB_USER_VERBS_EX_CMD_CREATE_QP, lite_cmd_ex_create_qp,
		    struct ib_uverbs_ex_create_qp,
		    sizeof(struct ib_uverbs_ex_create_qp_resp)),
	LITE_EX_CMD(IB_USER_VERBS_EX_CMD_MODIFY_QP, lite_cmd_ex_modify_qp,
		    struct ib_uverbs_ex_modify_qp,
		    sizeof(struct ib_uverbs_ex_modify_qp_resp)),
};

const struct lite_cmd_def *lite_uverbs_cmd_lookup(u32 command)
{
	u32 id = command & IB_USER_VERBS_CMD_COMMAND_MASK;
	const struct lite_cmd_def *def;

	if (command & ~(IB_USER_VERBS_CMD_COMMAND_MASK |
			IB_USER_VERBS_CMD_FLAG_EXTENDED))
		return NULL;
	if (command & IB_USER_VERBS_CMD_FLAG_EXTENDED)
		def = id < ARRAY_SIZE(lite_ex_cmds) ? &lite_ex_cmds[id] : NULL;
	else
		def = id < ARRAY_SIZE(lite_cmds) ? &lite_cmds[id] : NULL;
	return def && def->handler ? def : NULL;
}
