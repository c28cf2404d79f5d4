// SPDX-License-Identifier: GPL-2.0
/*
 * ib_core_lite uverbs commands for queue pairs and address handles:
 * CREATE_QP, EX_CREATE_QP, QUERY_QP, MODIFY_QP, EX_MODIFY_QP, DESTROY_QP,
 * POST_SEND (the doorbell), CREATE_AH, DESTROY_AH.
 *
 * The core owns the QP state machine: MODIFY_QP is checked against the
 * IBTA transition table (lite_qp_state.c) and every attribute value
 * before the driver sees it, and QUERY_QP reports what was set. qp->state
 * and qp->attr change only under qp->attr_lock, after the driver accepted.
 */
#include <linux/capability.h>
#include <linux/slab.h>

#include "lite_uverbs.h"

#define LITE_PSN_MASK		0xffffff
#define LITE_QPN_MASK		0xffffff
#define LITE_IB_MTU_256		1
/* enum ib_mig_state: MIGRATED, REARM, ARMED */
#define LITE_MIG_ARMED		2
#define LITE_QP_ACCESS_ALL	(LITE_ACCESS_LOCAL_WRITE |		\
				 LITE_ACCESS_REMOTE_WRITE |		\
				 LITE_ACCESS_REMOTE_READ |		\
				 LITE_ACCESS_REMOTE_ATOMIC |		\
				 LITE_ACCESS_MW_BIND)
/* enum ib_uverbs_qp_type values we know but do not offer */
#define LITE_QPT_RAW_PACKET	8
#define LITE_QPT_XRC_INI	9
#define LITE_QPT_XRC_TGT	10
#define LITE_QPT_DRIVER		0xff

/*
 * Check an address vector for this RoCE port and resolve its source GID.
 * -EINVAL for another port, no GRH (mandatory on RoCE) or a source GID
 * index that is out of range or empty.
 */
int lite_ah_attr_check(struct lite_device *dev, struct lite_ah_attr *ah,
		       bool is_global)
{
	if (ah->port_num != LITE_PORT || !is_global)
		return -EINVAL;
	if (ah->sgid_index >= LITE_GID_TBL_LEN)
		return -EINVAL;
	lite_gid_get(dev, ah->sgid_index, &ah->sgid);
	return lite_gid_is_zero(&ah->sgid) ? -EINVAL : 0;
}

static int lite_ah_from_dest(struct lite_device *dev, struct lite_ah_attr *ah,
			     const struct ib_uverbs_qp_dest *d)
{
	memset(ah, 0, sizeof(*ah));
	memcpy(ah->dgid.raw, d->dgid, sizeof(ah->dgid.raw));
	ah->flow_label = d->flow_label;
	ah->sgid_index = d->sgid_index;
	ah->hop_limit = d->hop_limit;
	ah->traffic_class = d->traffic_class;
	ah->sl = d->sl;
	ah->static_rate = d->static_rate;
	ah->port_num = d->port_num;
	return lite_ah_attr_check(dev, ah, d->is_global);
}

static void lite_ah_to_dest(struct ib_uverbs_qp_dest *d,
			    const struct lite_ah_attr *ah)
{
	memcpy(d->dgid, ah->dgid.raw, sizeof(d->dgid));
	d->flow_label = ah->flow_label;
	d->sgid_index = ah->sgid_index;
	d->hop_limit = ah->hop_limit;
	d->traffic_class = ah->traffic_class;
	d->sl = ah->sl;
	d->static_rate = ah->static_rate;
	d->is_global = ah->port_num ? 1 : 0;
	d->port_num = ah->port_num;
}

struct lite_qp_args {
	u64 user_handle;
	u32 pd_handle;
	u32 send_cq_handle;
	u32 recv_cq_handle;
	u32 srq_handle;
	struct lite_qp_cap cap;
	u8 sq_sig_all;
	u8 qp_type;
	u8 is_srq;
};

/* The same fields of CREATE_QP and EX_CREATE_QP. */
#define LITE_QP_ARGS(req) ((struct lite_qp_args) {			\
	.user_handle = (req).user_handle,				\
	.pd_handle = (req).pd_handle,					\
	.send_cq_handle = (req).send_cq_handle,				\
	.recv_cq_handle = (req).recv_cq_handle,				\
	.srq_handle = (req).srq_handle,					\
	.cap = {							\
		.max_send_wr = (req).max_send_wr,			\
		.max_recv_wr = (req).max_recv_wr,			\
		.max_send_sge = (req).max_send_sge,			\
		.max_recv_sge = (req).max_recv_sge,			\
		.max_inline_data = (req).max_inline_data,		\
	},								\
	.sq_sig_all = (req).sq_sig_all,					\
	.qp_type = (req).qp_type,					\
	.is_srq = (req).is_srq,						\
})

static int lite_qp_check_type(u8 qp_type)
{
	switch (qp_type) {
	case LITE_QPT_RC:
	case LITE_QPT_UC:
	case LITE_QPT_UD:
		return 0;
	case LITE_QPT_RAW_PACKET:
	case LITE_QPT_XRC_INI:
	case LITE_QPT_XRC_TGT:
	case LITE_QPT_DRIVER:
		return -EOPNOTSUPP;
	default:
		return -EINVAL;
	}
}

/*
 * Create a QP and fill in @base (handle, QPN and the capacities provided);
 * @resp (@len bytes) starts with @base.
 */
static int lite_qp_create(struct lite_cmd *cmd, const struct lite_qp_args *a,
			  struct ib_uverbs_create_qp_resp *base,
			  const void *resp, size_t len)
{
	const struct lite_device_ops *ops = cmd->ibdev->ops;
	const struct lite_device_attr *attrs = &cmd->ibdev->attrs;
	struct lite_ufile *ufile = cmd->ufile;
	struct lite_uobj *deps[4] = {}, *uobj;
	struct lite_qp_cap cap = a->cap;
	struct lite_qp *qp;
	int ret;

	if (!ops->create_qp)
		return -EOPNOTSUPP;
	ret = lite_qp_check_type(a->qp_type);
	if (ret)
		return ret;
	if (a->is_srq) {
		/* Receives come from the SRQ. */
		cap.max_recv_wr = 0;
		cap.max_recv_sge = 0;
	}
	if (cap.max_send_wr > attrs->max_qp_wr ||
	    cap.max_recv_wr > attrs->max_qp_wr ||
	    cap.max_send_sge > attrs->max_sge ||
	    cap.max_recv_sge > attrs->max_sge)
		return -EINVAL;

	qp = kzalloc(max(ops->size_qp, sizeof(*qp)), GFP_KERNEL);
	if (!qp)
		return -ENOMEM;

	down_write(&ufile->obj_rwsem);
	deps[0] = lite_uobj_get(ufile, a->pd_handle, LITE_UOBJ_PD, false);
	deps[1] = lite_uobj_get(ufile, a->send_cq_handle, LITE_UOBJ_CQ, false);
	deps[2] = lite_uobj_get(ufile, a->recv_cq_handle, LITE_UOBJ_CQ, false);
	if (a->is_srq)
		deps[3] = lite_uobj_get(ufile, a->srq_handle, LITE_UOBJ_SRQ,
					false);
	if (!deps[0] || !deps[1] || !deps[2] || (a->is_srq && !deps[3])) {
		ret = -EINVAL;
		goto err_free;
	}
	qp->device = cmd->ibdev;
	qp->pd = deps[0]->object;
	qp->send_cq = deps[1]->object;
	qp->recv_cq = deps[2]->object;
	qp->srq = deps[3] ? deps[3]->object : NULL;
	qp->qp_type = a->qp_type;
	qp->sq_sig_all = a->sq_sig_all;
	qp->state = LITE_QPS_RESET;
	mutex_init(&qp->attr_lock);
	ret = ops->create_qp(ufile->ucontext, qp, &cap, &cmd->udata);
	if (ret)
		goto err_free;
	qp->attr.cap = cap;

	uobj = lite_uobj_add(ufile, cmd->ibdev, LITE_UOBJ_QP, qp, deps, 4);
	if (!IS_ERR(uobj)) {
		uobj->user_handle = a->user_handle;
		qp->uobj = uobj;
		base->qpn = qp->qp_num;
		base->max_send_wr = cap.max_send_wr;
		base->max_recv_wr = cap.max_recv_wr;
		base->max_send_sge = cap.max_send_sge;
		base->max_recv_sge = cap.max_recv_sge;
		base->max_inline_data = cap.max_inline_data;
	}
	ret = lite_cmd_create_done(cmd, uobj, &base->qp_handle, resp, len);
	up_write(&ufile->obj_rwsem);
	return ret;

err_free:
	up_write(&ufile->obj_rwsem);
	kfree(qp);
	return ret;
}

int lite_cmd_create_qp(struct lite_cmd *cmd)
{
	struct ib_uverbs_create_qp_resp resp = {};
	struct ib_uverbs_create_qp req;
	struct lite_qp_args a;
	int ret;

	ret = lite_cmd_ctx_request(cmd, &req, sizeof(req));
	if (ret)
		return ret;
	a = LITE_QP_ARGS(req);
	return lite_qp_create(cmd, &a, &resp, &resp, sizeof(resp));
}

int lite_cmd_ex_create_qp(struct lite_cmd *cmd)
{
	struct ib_uverbs_ex_create_qp_resp resp = {};
	struct ib_uverbs_ex_create_qp req;
	struct lite_qp_args a;
	int ret;

	ret = lite_cmd_ctx_request(cmd, &req, sizeof(req));
	if (ret)
		return ret;
	if (req.comp_mask & ~IB_UVERBS_CREATE_QP_SUP_COMP_MASK || req.reserved)
		return -EINVAL;
	/* RSS indirection tables, create flags, source QPNs: not offered. */
	if (req.comp_mask || req.create_flags || req.source_qpn)
		return -EOPNOTSUPP;
	a = LITE_QP_ARGS(req);
	resp.response_length = min_t(size_t, cmd->outlen, sizeof(resp));
	return lite_qp_create(cmd, &a, &resp.base, &resp, sizeof(resp));
}

int lite_cmd_query_qp(struct lite_cmd *cmd)
{
	struct lite_ufile *ufile = cmd->ufile;
	struct ib_uverbs_query_qp_resp resp = {};
	struct ib_uverbs_query_qp req;
	const struct lite_qp_attr *at;
	struct lite_qp *qp;
	int ret;

	ret = lite_cmd_ctx_request(cmd, &req, sizeof(req));
	if (ret)
		return ret;
	down_read(&ufile->obj_rwsem);
	qp = lite_uobj_get_obj(ufile, req.qp_handle, LITE_UOBJ_QP);
	if (!qp) {
		up_read(&ufile->obj_rwsem);
		return -EINVAL;
	}
	/* All attributes, whatever the mask asks: it is only a hint. */
	mutex_lock(&qp->attr_lock);
	at = &qp->attr;
	lite_ah_to_dest(&resp.dest, &at->ah_attr);
	lite_ah_to_dest(&resp.alt_dest, &at->alt_ah_attr);
	resp.max_send_wr = at->cap.max_send_wr;
	resp.max_recv_wr = at->cap.max_recv_wr;
	resp.max_send_sge = at->cap.max_send_sge;
	resp.max_recv_sge = at->cap.max_recv_sge;
	resp.max_inline_data = at->cap.max_inline_data;
	resp.qkey = at->qkey;
	resp.rq_psn = at->rq_psn;
	resp.sq_psn = at->sq_psn;
	resp.dest_qp_num = at->dest_qp_num;
	resp.qp_access_flags = at->qp_access_flags;
	resp.pkey_index = at->pkey_index;
	resp.alt_pkey_index = at->alt_pkey_index;
	resp.qp_state = qp->state;
	resp.cur_qp_state = qp->state;
	resp.path_mtu = at->path_mtu;
	resp.path_mig_state = at->path_mig_state;
	resp.max_rd_atomic = at->max_rd_atomic;
	resp.max_dest_rd_atomic = at->max_dest_rd_atomic;
	resp.min_rnr_timer = at->min_rnr_timer;
	resp.port_num = at->port_num;
	resp.timeout = at->timeout;
	resp.retry_cnt = at->retry_cnt;
	resp.rnr_retry = at->rnr_retry;
	resp.alt_port_num = at->alt_port_num;
	resp.alt_timeout = at->alt_timeout;
	resp.sq_sig_all = qp->sq_sig_all;
	mutex_unlock(&qp->attr_lock);
	up_read(&ufile->obj_rwsem);
	return lite_cmd_response(cmd, &resp, sizeof(resp));
}

/*
 * Apply the attributes of @req that @mask names to @at, checking each
 * value: -EINVAL for an out-of-range value, -EPERM for a privileged QKEY
 * without CAP_NET_RAW.
 */
static int lite_qp_attr_from_user(struct lite_device *dev,
				  struct lite_qp_attr *at,
				  const struct ib_uverbs_modify_qp *req,
				  u32 mask)
{
	const struct lite_device_attr *attrs = &dev->attrs;
	int ret;

	if ((mask & LITE_QP_PORT) && req->port_num != LITE_PORT)
		return -EINVAL;
	if ((mask & LITE_QP_PKEY_INDEX) && req->pkey_index >= 1)
		return -EINVAL;
	if ((mask & LITE_QP_QKEY) && (req->qkey & 0x80000000) &&
	    !capable(CAP_NET_RAW))
		return -EPERM;
	if ((mask & LITE_QP_ACCESS_FLAGS) &&
	    (req->qp_access_flags & ~LITE_QP_ACCESS_ALL))
		return -EINVAL;
	if ((mask & LITE_QP_PATH_MTU) &&
	    (req->path_mtu < LITE_IB_MTU_256 || req->path_mtu > attrs->max_mtu))
		return -EINVAL;
	if (((mask & LITE_QP_TIMEOUT) && req->timeout > 31) ||
	    ((mask & LITE_QP_RETRY_CNT) && req->retry_cnt > 7) ||
	    ((mask & LITE_QP_RNR_RETRY) && req->rnr_retry > 7) ||
	    ((mask & LITE_QP_MIN_RNR_TIMER) && req->min_rnr_timer > 31))
		return -EINVAL;
	if ((mask & LITE_QP_MAX_QP_RD_ATOMIC) &&
	    req->max_rd_atomic > attrs->max_qp_init_rd_atom)
		return -EINVAL;
	if ((mask & LITE_QP_MAX_DEST_RD_ATOMIC) &&
	    req->max_dest_rd_atomic > attrs->max_qp_rd_atom)
		return -EINVAL;
	if ((mask & LITE_QP_DEST_QPN) && req->dest_qp_num > LITE_QPN_MASK)
		return -EINVAL;
	if ((mask & LITE_QP_PATH_MIG_STATE) &&
	    req->path_mig_state > LITE_MIG_ARMED)
		return -EINVAL;
	if (mask & LITE_QP_AV) {
		ret = lite_ah_from_dest(dev, &at->ah_attr, &req->dest);
		if (ret)
			return ret;
	}
	if (mask & LITE_QP_ALT_PATH) {
		if (req->alt_port_num != LITE_PORT || req->alt_pkey_index >= 1 ||
		    req->alt_timeout > 31)
			return -EINVAL;
		ret = lite_ah_from_dest(dev, &at->alt_ah_attr, &req->alt_dest);
		if (ret)
			return ret;
		at->alt_port_num = req->alt_port_num;
		at->alt_pkey_index = req->alt_pkey_index;
		at->alt_timeout = req->alt_timeout;
	}

	if (mask & LITE_QP_PORT)
		at->port_num = req->port_num;
	if (mask & LITE_QP_PKEY_INDEX)
		at->pkey_index = req->pkey_index;
	if (mask & LITE_QP_QKEY)
		at->qkey = req->qkey;
	if (mask & LITE_QP_ACCESS_FLAGS)
		at->qp_access_flags = req->qp_access_flags;
	if (mask & LITE_QP_PATH_MTU)
		at->path_mtu = req->path_mtu;
	if (mask & LITE_QP_TIMEOUT)
		at->timeout = req->timeout;
	if (mask & LITE_QP_RETRY_CNT)
		at->retry_cnt = req->retry_cnt;
	if (mask & LITE_QP_RNR_RETRY)
		at->rnr_retry = req->rnr_retry;
	if (mask & LITE_QP_MIN_RNR_TIMER)
		at->min_rnr_timer = req->min_rnr_timer;
	if (mask & LITE_QP_MAX_QP_RD_ATOMIC)
		at->max_rd_atomic = req->max_rd_atomic;
	if (mask & LITE_QP_MAX_DEST_RD_ATOMIC)
		at->max_dest_rd_atomic = req->max_dest_rd_atomic;
	if (mask & LITE_QP_RQ_PSN)
		at->rq_psn = req->rq_psn & LITE_PSN_MASK;
	if (mask & LITE_QP_SQ_PSN)
		at->sq_psn = req->sq_psn & LITE_PSN_MASK;
	if (mask & LITE_QP_DEST_QPN)
		at->dest_qp_num = req->dest_qp_num;
	if (mask & LITE_QP_PATH_MIG_STATE)
		at->path_mig_state = req->path_mig_state;
	if (mask & LITE_QP_EN_SQD_ASYNC_NOTIFY)
		at->en_sqd_async_notify = !!req->en_sqd_async_notify;
	return 0;
}

static int lite_qp_modify(struct lite_cmd *cmd,
			  const struct ib_uverbs_modify_qp *req)
{
	struct lite_ufile *ufile = cmd->ufile;
	enum lite_qp_state cur, next;
	struct lite_qp_attr attr;
	u32 mask = req->attr_mask;
	struct lite_qp *qp;
	int ret;

	/* Rate limits and later attributes are not offered. */
	if (mask & ~LITE_QP_ATTR_ALL)
		return -EOPNOTSUPP;

	down_read(&ufile->obj_rwsem);
	qp = lite_uobj_get_obj(ufile, req->qp_handle, LITE_UOBJ_QP);
	if (!qp) {
		up_read(&ufile->obj_rwsem);
		return -EINVAL;
	}
	mutex_lock(&qp->attr_lock);
	cur = qp->state;
	next = (mask & LITE_QP_STATE) ? req->qp_state : cur;
	ret = -EINVAL;
	if ((mask & LITE_QP_CUR_STATE) && req->cur_qp_state != cur)
		goto out;
	ret = lite_qp_check_modify(qp->qp_type, cur, next, mask);
	if (ret)
		goto out;
	attr = qp->attr;
	ret = lite_qp_attr_from_user(cmd->ibdev, &attr, req, mask);
	if (ret)
		goto out;
	attr.qp_state = next;
	attr.cur_qp_state = cur;
	ret = cmd->ibdev->ops->modify_qp(qp, &attr, mask, &cmd->udata);
	if (ret)
		goto out;
	if (next == LITE_QPS_RESET) {
		/*
		 * Back to the start: only the capacities survive. They are
		 * never zeroed on the way (a fresh copy keeps them), since
		 * QUERY_QP may read them at any time.
		 */
		struct lite_qp_attr fresh = { .cap = qp->attr.cap };

		qp->attr = fresh;
	} else {
		qp->attr = attr;
	}
	/*
	 * RESET and ERR win over anything. Otherwise the driver may have
	 * moved the QP to ERR since @cur was read (a datapath error): that
	 * stays, as if it happened right after this modify.
	 */
	if (next == LITE_QPS_RESET || next == LITE_QPS_ERR)
		WRITE_ONCE(qp->state, next);
	else
		cmpxchg(&qp->state, cur, next);
out:
	mutex_unlock(&qp->attr_lock);
	up_read(&ufile->obj_rwsem);
	return ret;
}

int lite_cmd_modify_qp(struct lite_cmd *cmd)
{
	struct ib_uverbs_modify_qp req;
	int ret;

	ret = lite_cmd_ctx_request(cmd, &req, sizeof(req));
	return ret ? ret : lite_qp_modify(cmd, &req);
}

int lite_cmd_ex_modify_qp(struct lite_cmd *cmd)
{
	struct ib_uverbs_ex_modify_qp_resp resp = {};
	struct ib_uverbs_ex_modify_qp req;
	int ret;

	ret = lite_cmd_ctx_request(cmd, &req, sizeof(req));
	if (ret)
		return ret;
	if (req.reserved)
		return -EINVAL;
	if (req.rate_limit)
		return -EOPNOTSUPP;
	ret = lite_qp_modify(cmd, &req.base);
	if (ret)
		return ret;
	resp.response_length = min_t(size_t, cmd->outlen, sizeof(resp));
	return lite_cmd_response(cmd, &resp, sizeof(resp));
}

int lite_cmd_destroy_qp(struct lite_cmd *cmd)
{
	struct ib_uverbs_destroy_qp_resp resp = {};
	struct ib_uverbs_destroy_qp req;
	int ret;

	ret = lite_cmd_request(cmd, &req, sizeof(req));
	if (ret)
		return ret;
	ret = lite_cmd_destroy_handle(cmd, req.qp_handle, LITE_UOBJ_QP, NULL,
				      &resp.events_reported);
	return ret ? ret : lite_cmd_response(cmd, &resp, sizeof(resp));
}

/*
 * POST_SEND with no work requests in it: the doorbell of a send queue
 * that userspace fills through its mapping. Work requests inside the
 * command are not supported (-EOPNOTSUPP).
 */
int lite_cmd_post_send(struct lite_cmd *cmd)
{
	struct lite_ufile *ufile = cmd->ufile;
	struct ib_uverbs_post_send_resp resp = {};
	struct ib_uverbs_post_send req;
	struct lite_qp *qp;
	int ret;

	ret = lite_cmd_ctx_request(cmd, &req, sizeof(req));
	if (ret)
		return ret;
	if (req.wr_count || req.sge_count)
		return -EOPNOTSUPP;
	down_read(&ufile->obj_rwsem);
	qp = lite_uobj_get_obj(ufile, req.qp_handle, LITE_UOBJ_QP);
	ret = qp ? cmd->ibdev->ops->post_send(qp) : -EINVAL;
	up_read(&ufile->obj_rwsem);
	return ret ? ret : lite_cmd_response(cmd, &resp, sizeof(resp));
}

int lite_cmd_create_ah(struct lite_cmd *cmd)
{
	const struct lite_device_ops *ops = cmd->ibdev->ops;
	struct lite_ufile *ufile = cmd->ufile;
	struct ib_uverbs_create_ah_resp resp = {};
	const struct ib_uverbs_ah_attr *ua;
	struct ib_uverbs_create_ah req;
	struct lite_uobj *pd_uobj, *uobj;
	struct lite_ah *ah;
	int ret;

	ret = lite_cmd_ctx_request(cmd, &req, sizeof(req));
	if (ret)
		return ret;
	if (!ops->create_ah)
		return -EOPNOTSUPP;
	ah = kzalloc(max(ops->size_ah, sizeof(*ah)), GFP_KERNEL);
	if (!ah)
		return -ENOMEM;
	ua = &req.attr;
	memcpy(ah->attr.dgid.raw, ua->grh.dgid, sizeof(ah->attr.dgid.raw));
	ah->attr.flow_label = ua->grh.flow_label;
	ah->attr.sgid_index = ua->grh.sgid_index;
	ah->attr.hop_limit = ua->grh.hop_limit;
	ah->attr.traffic_class = ua->grh.traffic_class;
	ah->attr.sl = ua->sl;
	ah->attr.static_rate = ua->static_rate;
	ah->attr.port_num = ua->port_num;
	ret = lite_ah_attr_check(cmd->ibdev, &ah->attr, ua->is_global);
	if (ret)
		goto err_free;

	down_write(&ufile->obj_rwsem);
	pd_uobj = lite_uobj_get(ufile, req.pd_handle, LITE_UOBJ_PD, false);
	if (!pd_uobj) {
		ret = -EINVAL;
		goto err_unlock;
	}
	ah->device = cmd->ibdev;
	ah->pd = pd_uobj->object;
	ret = ops->create_ah(ah, &cmd->udata);
	if (ret)
		goto err_unlock;
	uobj = lite_uobj_add(ufile, cmd->ibdev, LITE_UOBJ_AH, ah, &pd_uobj, 1);
	if (!IS_ERR(uobj))
		uobj->user_handle = req.user_handle;
	ret = lite_cmd_create_done(cmd, uobj, &resp.ah_handle, &resp,
				   sizeof(resp));
	up_write(&ufile->obj_rwsem);
	return ret;

err_unlock:
	up_write(&ufile->obj_rwsem);
err_free:
	kfree(ah);
	return ret;
}

int lite_cmd_destroy_ah(struct lite_cmd *cmd)
{
	struct ib_uverbs_destroy_ah req;
	int ret;

	ret = lite_cmd_request(cmd, &req, sizeof(req));
	return ret ? ret : lite_cmd_destroy_handle(cmd, req.ah_handle,
						   LITE_UOBJ_AH, NULL, NULL);
}
