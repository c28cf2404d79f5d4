/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _RXE_LITE_H
#define _RXE_LITE_H

#include <rdma_lite/ib_core_lite.h>

/* The user ABI version rdma-core's rxe provider accepts (1..2). */
#define RXE_LITE_UVERBS_ABI_VERSION	2

/*
 * One soft RoCE device. Allocated by the core (lite_alloc_device), bound to
 * one soft device of the core; freed by the core after dealloc_driver.
 */
struct rxe_lite_dev {
	struct lite_device ibdev;	/* must be first */
};

struct rxe_lite_ucontext {
	struct lite_ucontext uctx;	/* must be first */
};

struct rxe_lite_pd {
	struct lite_pd pd;		/* must be first */
};

/* rxe_lite_verbs.c */
void rxe_lite_init_attrs(struct lite_device_attr *attrs);
int rxe_lite_alloc_ucontext(struct lite_ucontext *uctx,
			    struct lite_udata *udata);
void rxe_lite_dealloc_ucontext(struct lite_ucontext *uctx);
int rxe_lite_alloc_pd(struct lite_pd *pd, struct lite_udata *udata);
void rxe_lite_dealloc_pd(struct lite_pd *pd);

#endif /* _RXE_LITE_H */
