// SPDX-License-Identifier: GPL-2.0
/*
 * rxe_lite verbs: the device's capabilities and its user contexts.
 *
 * The limits are what this driver's objects are sized for; they are
 * reported by QUERY_DEVICE/QUERY_PORT through the core.
 */
#include <linux/bits.h>
#include <linux/cpumask.h>
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
	a->max_mr_size = U64_MAX;
	a->page_size_cap = 0xfffff000;	/* 4 KiB and up */
	a->device_cap_flags = IB_UVERBS_DEVICE_SYS_IMAGE_GUID;
	a->max_qp = 16384;
	a->max_qp_wr = 16384;
	a->max_sge = 32;
	a->max_sge_rd = 32;
	a->max_cq = 16384;
	a->max_cqe = (1 << 15) - 1;
	a->max_mr = 65536;
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

/* A user context has no driver state yet; the core owns its memory. */
int rxe_lite_alloc_ucontext(struct lite_ucontext *uctx,
			    struct lite_udata *udata)
{
	/* The rxe provider sends no driver data with GET_CONTEXT. */
	return udata->inlen ? -EINVAL : 0;
}

void rxe_lite_dealloc_ucontext(struct lite_ucontext *uctx)
{
}

int rxe_lite_alloc_pd(struct lite_pd *pd, struct lite_udata *udata)
{
	return udata->inlen ? -EINVAL : 0;
}

void rxe_lite_dealloc_pd(struct lite_pd *pd)
{
}
