/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rxe_lite private definitions. One file per concern: main (binding,
 * registration), verbs (capabilities, contexts, PDs, AHs), mr (MRs, MWs
 * and their keys), queue (rings in core-owned user memory), cq, qp (QPs
 * and SRQs), stats (object counters for tests).
 *
 * Every object below embeds the core's object at offset 0; the core
 * allocates and frees the memory, the driver's create/destroy ops set up
 * and tear down what follows the core part.
 */
#ifndef _RXE_LITE_H
#define _RXE_LITE_H

#include <linux/spinlock.h>
#include <linux/xarray.h>
#include <rdma_lite/ib_core_lite.h>
#include <uapi/rdma/rdma_user_rxe.h>

/* The user ABI version rdma-core's rxe provider accepts (1..2). */
#define RXE_LITE_UVERBS_ABI_VERSION	2
#define RXE_LITE_MAX_INLINE_DATA	512

/*
 * One soft RoCE device. Allocated by the core (lite_alloc_device), bound to
 * one soft device of the core; freed by the core after dealloc_driver.
 * The xarrays name objects by number (MR/MW key index, QPN, SRQ number,
 * AH number); entries are added by create ops and erased by destroy ops,
 * so they are empty by dealloc_driver.
 */
struct rxe_lite_dev {
	struct lite_device ibdev;	/* must be first */
	struct xarray keys;		/* key index -> lite_mr / lite_mw */
	struct xarray qpns;		/* QPN -> rxe_lite_qp */
	struct xarray srqns;		/* SRQ number -> rxe_lite_srq */
	struct xarray ahs;		/* AH number -> rxe_lite_ah */
	u32 next_key;			/* low byte of new keys (no lock) */
	u32 next_qpn;			/* for xa_alloc_cyclic on qpns */
};

static inline struct rxe_lite_dev *to_rxe_dev(struct lite_device *dev)
{
	return container_of(dev, struct rxe_lite_dev, ibdev);
}

struct rxe_lite_ucontext {
	struct lite_ucontext uctx;	/* must be first */
};

struct rxe_lite_pd {
	struct lite_pd pd;		/* must be first */
};

struct rxe_lite_mr {
	struct lite_mr mr;		/* must be first */
};

struct rxe_lite_mw {
	struct lite_mw mw;		/* must be first */
};

struct rxe_lite_ah {
	struct lite_ah ah;		/* must be first */
	u32 ah_num;
};

/*
 * A ring in the rxe user layout (struct rxe_queue_buf) inside a core-owned
 * user mapping. The driver owns one index (consumer of SQ/RQ/SRQ,
 * producer of CQ) and keeps its own copy; the other side's index is read
 * from the shared page and masked before use.
 */
struct rxe_lite_queue {
	struct lite_umap *umap;
	struct rxe_queue_buf *buf;
	u32 log2_elem_size;
	u32 index_mask;			/* slots - 1 */
	u32 index;			/* the driver's own index */
};

struct rxe_lite_cq {
	struct lite_cq cq;		/* must be first */
	spinlock_t lock;		/* protects the queue (producer) */
	struct rxe_lite_queue queue;
};

struct rxe_lite_srq {
	struct lite_srq srq;		/* must be first */
	spinlock_t lock;		/* protects the queue (consumer) */
	struct rxe_lite_queue queue;
};

struct rxe_lite_qp {
	struct lite_qp qp;		/* must be first */
	spinlock_t sq_lock;		/* protects sq */
	spinlock_t rq_lock;		/* protects rq */
	struct rxe_lite_queue sq;
	struct rxe_lite_queue rq;	/* unused with an SRQ */
};

/* rxe_lite_verbs.c */
void rxe_lite_init_attrs(struct lite_device_attr *attrs);
int rxe_lite_alloc_ucontext(struct lite_ucontext *uctx,
			    struct lite_udata *udata);
void rxe_lite_dealloc_ucontext(struct lite_ucontext *uctx);
int rxe_lite_alloc_pd(struct lite_pd *pd, struct lite_udata *udata);
void rxe_lite_dealloc_pd(struct lite_pd *pd);
int rxe_lite_create_ah(struct lite_ah *ah, struct lite_udata *udata);
void rxe_lite_destroy_ah(struct lite_ah *ah);
int rxe_lite_udata_out(struct lite_udata *udata, const void *src,
		       size_t len);
int rxe_lite_no_udata_in(const struct lite_udata *udata);

/* rxe_lite_mr.c */
int rxe_lite_reg_user_mr(struct lite_mr *mr, struct lite_udata *udata);
void rxe_lite_dereg_mr(struct lite_mr *mr);
int rxe_lite_alloc_mw(struct lite_mw *mw, struct lite_udata *udata);
void rxe_lite_dealloc_mw(struct lite_mw *mw);

/* rxe_lite_queue.c */
int rxe_lite_queue_init(struct lite_ucontext *uctx, struct rxe_lite_queue *q,
			u32 *num_elem, size_t elem_size, struct mminfo *mi);
void rxe_lite_queue_cleanup(struct rxe_lite_queue *q);
u32 rxe_lite_queue_count(const struct rxe_lite_queue *q, u32 prod, u32 cons);
void *rxe_lite_queue_slot(const struct rxe_lite_queue *q, u32 index);
u32 rxe_lite_queue_user_index(const struct rxe_lite_queue *q, bool producer);

/* rxe_lite_cq.c */
int rxe_lite_create_cq(struct lite_ucontext *uctx, struct lite_cq *cq,
		       u32 cqe, struct lite_udata *udata);
int rxe_lite_resize_cq(struct lite_ucontext *uctx, struct lite_cq *cq,
		       u32 cqe, struct lite_udata *udata);
void rxe_lite_destroy_cq(struct lite_cq *cq);

/* rxe_lite_qp.c */
int rxe_lite_create_qp(struct lite_ucontext *uctx, struct lite_qp *qp,
		       struct lite_qp_cap *cap, struct lite_udata *udata);
int rxe_lite_modify_qp(struct lite_qp *qp, const struct lite_qp_attr *attr,
		       u32 mask, struct lite_udata *udata);
int rxe_lite_post_send(struct lite_qp *qp);
void rxe_lite_destroy_qp(struct lite_qp *qp);
int rxe_lite_create_srq(struct lite_ucontext *uctx, struct lite_srq *srq,
			struct lite_srq_attr *attr, struct lite_udata *udata);
int rxe_lite_modify_srq(struct lite_ucontext *uctx, struct lite_srq *srq,
			const struct lite_srq_attr *attr, u32 mask,
			struct lite_udata *udata);
void rxe_lite_destroy_srq(struct lite_srq *srq);

/* rxe_lite_stats.c: /sys/kernel/debug/rxe_lite/objects */
enum rxe_lite_stat {
	RXE_LITE_STAT_UCONTEXT,
	RXE_LITE_STAT_PD,
	RXE_LITE_STAT_MR,
	RXE_LITE_STAT_MW,
	RXE_LITE_STAT_CQ,
	RXE_LITE_STAT_QP,
	RXE_LITE_STAT_SRQ,
	RXE_LITE_STAT_AH,
	RXE_LITE_STAT_MAX,
};

void rxe_lite_stat_add(enum rxe_lite_stat stat, int n);
void rxe_lite_stats_init(void);
void rxe_lite_stats_exit(void);

#endif /* _RXE_LITE_H */
