// SPDX-License-Identifier: GPL-2.0
/*
 * rxe_lite verbs: the device's capabilities, user contexts, protection
 * domains and address handles.
 *
 * The limits are what this driver's objects are sized for; they are
 * reported by QUERY_DEVICE/QUERY_PORT through the core.
 */
#include <linux/bits.h>
#include <linux/cpumask.h>
#include <linux/uaccess.h>
#include <uapi/rdma/ib_user_verbs.h>

#include "rxe_lite.h"

/* IBTA vendor id of a device without an OUI, as soft RoCE reports. */
#define RXE_LITE_VENDOR_ID	0xffffff
#define RXE_LITE_IB_MTU_4096	5
#define RXE_LITE_PORT_CM_SUP	BIT(16)
#define RXE_LITE_ATOMIC_HCA	1
#define RXE_LITE_WIDTH_1X	1
#define RXE_LITE_SPEED_SDR	1

void rxe_lite_init_attrs(struct lite_device_attr *a)
{
	a->vendor_id = RXE_LITE_VENDOR_ID;
	/* One MR may cover up to 4 GiB of pinned memory. */
	a->max_mr_size = 1ULL << 32;
	a->page_size_cap = 0xfffff000;	/* 4 KiB and up */
	a->device_cap_flags = IB_UVERBS_DEVICE_SYS_IMAGE_GUID;
	a->max_qp = 16384;
	a->max_qp_wr = 16384;
	a->max_sge = 32;
	a->max_sge_rd = 32;
	a->max_cq = 16384;
	a->max_cqe = (1 << 15) - 1;
	a->max_mr = 65536;
	a->max_mw = 65536;
	a->max_pd = 16384;
	a->max_qp_rd_atom = 128;
	a->max_res_rd_atom = 16384;
	a->max_qp_init_rd_atom = 128;
	a->atomic_cap = RXE_LITE_ATOMIC_HCA;
	a->max_ah = (1 << 15) - 1;
	a->max_srq = 16384;
	a->max_srq_wr = 16384;
	a->max_srq_sge = 32;
	a->max_pkeys = 1;
	a->local_ca_ack_delay = 15;
	a->num_comp_vectors = num_possible_cpus();

	a->port_cap_flags = RXE_LITE_PORT_CM_SUP;
	a->max_msg_sz = 1 << 23;	/* 8 MiB */
	a->max_mtu = RXE_LITE_IB_MTU_4096;
	a->active_width = RXE_LITE_WIDTH_1X;
	a->active_speed = RXE_LITE_SPEED_SDR;
}

/*
 * rxe takes no driver data in any command but MODIFY_SRQ: what comes must
 * be zero (-EINVAL otherwise), so that a field a later ABI adds is never
 * silently ignored.
 */
int rxe_lite_no_udata_in(const struct lite_udata *udata)
{
	if (!udata->inlen)
		return 0;
	return memchr_inv(udata->inbuf, 0, udata->inlen) ? -EINVAL : 0;
}

/*
 * A create command whose driver response (@resp_len bytes: the rings'
 * mappings) the provider needs: no driver data in, room for it out.
 */
int rxe_lite_udata_io(const struct lite_udata *udata, size_t resp_len)
{
	int ret = rxe_lite_no_udata_in(udata);

	if (ret)
		return ret;
	return udata->outlen < resp_len ? -EINVAL : 0;
}

/*
 * Write a driver response, truncated to what userspace made room for.
 * The buffer is the core's kernel copy (struct lite_udata): it cannot fail.
 */
int rxe_lite_udata_out(struct lite_udata *udata, const void *src, size_t len)
{
	memcpy(udata->outbuf, src, min(len, udata->outlen));
	return 0;
}

/* A user context has no driver state; the core owns its memory. */
int rxe_lite_alloc_ucontext(struct lite_ucontext *uctx,
			    struct lite_udata *udata)
{
	int ret = rxe_lite_no_udata_in(udata);

	if (ret)
		return ret;
	rxe_lite_stat_add(RXE_LITE_STAT_UCONTEXT, 1);
	return 0;
}

void rxe_lite_dealloc_ucontext(struct lite_ucontext *uctx)
{
	rxe_lite_stat_add(RXE_LITE_STAT_UCONTEXT, -1);
}

int rxe_lite_alloc_pd(struct lite_pd *pd, struct lite_udata *udata)
{
	int ret = rxe_lite_no_udata_in(udata);

	if (ret)
		return ret;
	rxe_lite_stat_add(RXE_LITE_STAT_PD, 1);
	return 0;
}

void rxe_lite_dealloc_pd(struct lite_pd *pd)
{
	rxe_lite_stat_add(RXE_LITE_STAT_PD, -1);
}

/*
 * An address handle gets a number (1..max_ah) that the provider puts in
 * UD work requests instead of the whole address vector.
 */
int rxe_lite_create_ah(struct lite_ah *ah, struct lite_udata *udata)
{
	struct rxe_lite_dev *rxe = to_rxe_dev(ah->device);
	struct rxe_lite_ah *rah = container_of(ah, struct rxe_lite_ah, ah);
	struct rxe_create_ah_resp resp = {};
	int ret;

	ret = rxe_lite_no_udata_in(udata);
	if (ret)
		return ret;
	ret = xa_alloc_bh(&rxe->ahs, &rah->ah_num, rah,
			  XA_LIMIT(1, ah->device->attrs.max_ah), GFP_KERNEL);
	if (ret)
		return ret == -EBUSY ? -ENOMEM : ret;
	/* Old providers leave no room for it: then they do without. */
	if (udata->outlen >= sizeof(resp)) {
		resp.ah_num = rah->ah_num;
		ret = rxe_lite_udata_out(udata, &resp, sizeof(resp));
		if (ret) {
			xa_erase_bh(&rxe->ahs, rah->ah_num);
			return ret;
		}
	}
	rxe_lite_stat_add(RXE_LITE_STAT_AH, 1);
	return 0;
}

void rxe_lite_destroy_ah(struct lite_ah *ah)
{
	struct rxe_lite_ah *rah = container_of(ah, struct rxe_lite_ah, ah);

	xa_erase_bh(&to_rxe_dev(ah->device)->ahs, rah->ah_num);
	rxe_lite_stat_add(RXE_LITE_STAT_AH, -1);
}
