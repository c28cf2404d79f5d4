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

#include <linux/completion.h>
#include <linux/refcount.h>
#include <linux/spinlock.h>
#include <linux/timer.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>
#include <rdma_lite/ib_core_lite.h>
#include <uapi/rdma/ib_user_verbs.h>

#include "rxe_lite_hdr.h"
#include <uapi/rdma/rdma_user_rxe.h>

/* The user ABI version rdma-core's rxe provider accepts (1..2). */
#define RXE_LITE_UVERBS_ABI_VERSION	2
#define RXE_LITE_MAX_INLINE_DATA	512
#define RXE_LITE_MAX_SGE		32
/* Reads and atomics one QP may have in flight (and a responder replays). */
#define RXE_LITE_ATOMIC_SAVED		16

/*
 * One soft RoCE device. Allocated by the core (lite_alloc_device), bound to
 * one soft device of the core; freed by the core after dealloc_driver.
 * The xarrays name objects by number (MR/MW key index, QPN, SRQ number,
 * AH number); entries are added by create ops and erased by destroy ops,
 * so they are empty by dealloc_driver.
 */
struct rxe_lite_dev {
	struct lite_device ibdev;	/* must be first */
	struct net_device *ndev;	/* the bound netdev (core's reference) */
	struct list_head list;		/* rxe_lite_devs, RCU */
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

/*
 * The datapath finds MRs by key (rxe_lite_mr_get(): under the xarray lock,
 * so a found MR cannot be freed before it holds ->ref); dereg_mr drops the
 * initial reference and waits for the others on ->done.
 */
struct rxe_lite_mr {
	struct lite_mr mr;		/* must be first */
	refcount_t ref;
	u32 num_mw;			/* windows bound to it (keys lock) */
	struct completion done;
};

/*
 * A memory window. Its binding (state, the MR, range, access, the type 2
 * QP) is protected by the rxe->keys xarray lock, which the bind, the
 * invalidate, dealloc and every rkey lookup take: a lookup through the
 * window takes its reference on the MR under that lock, so the window
 * itself holds no reference. An MR being deregistered unbinds every
 * window bound to it (under the same lock) before it waits for its
 * references; dealloc_mw erases the key first, after which nothing can
 * reach the window. Both never wait for anything else.
 */
struct rxe_lite_mw {
	struct lite_mw mw;		/* must be first */
	struct rxe_lite_mr *mr;		/* bound to, NULL when not valid */
	u64 addr;
	u64 length;
	u32 access;			/* LITE_ACCESS_* granted remotely */
	u32 qpn;			/* type 2: the QP it is bound through */
};

struct rxe_lite_ah {
	struct lite_ah ah;		/* must be first */
	u32 ah_num;
	u32 pdn;			/* identifies ah.pd for lockless checks */
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

/* The result of an atomic the responder executed, kept for a duplicate. */
struct rxe_lite_atomic_saved {
	bool valid;
	u32 psn;
	u64 orig;
};

/* A send WQE as the requester keeps it: read from the ring once, checked. */
struct rxe_lite_swqe {
	u64 wr_id;
	u64 remote_addr;
	u64 compare_add;
	u64 swap;
	u64 atomic_orig;		/* the value an atomic ACK returned */
	struct lite_ah_attr av;		/* UD: the AH's address */
	__be32 imm;
	u32 opcode;			/* IB_UVERBS_WR_* */
	u32 send_flags;
	u32 rkey;
	u32 remote_qpn;
	u32 remote_qkey;
	u32 length;			/* bytes of the message */
	u32 first_psn;
	u32 last_psn;
	u32 sent;			/* bytes packetised so far */
	u32 resp_psn;			/* read: the next response expected */
	/*
	 * A read asks for RXE_LITE_READ_CHUNK responses at a time, the next
	 * part once all of one arrived. read_end: after the responses the
	 * last request sent asks for; read_asked: after all ever asked for,
	 * where the responder's expected PSN is (a request asking again
	 * after a loss asks for no more than that).
	 */
	u32 read_end;
	u32 read_asked;
	u8 state;			/* RXE_LITE_WQE_* */
	u8 status;			/* IB_UVERBS_WC_* status when done */
};

enum {
	RXE_LITE_WQE_NEW,		/* snapshotted, nothing sent */
	RXE_LITE_WQE_SENDING,		/* some packets sent */
	RXE_LITE_WQE_SENT,		/* all sent, waiting for ACK/response */
	RXE_LITE_WQE_DONE,		/* completed (ACKed or failed) */
};

/*
 * A QP's execution context (rxe_lite_task.c): the requester and the
 * timeout handling run only from it, one run at a time; the timer and
 * the completer only schedule it. Pause/stop wait until no run executes.
 */
struct rxe_lite_task {
	spinlock_t lock;		/* protects the fields below */
	bool busy;			/* ->run() executing */
	bool queued;			/* ->work queued */
	bool pending;			/* a run asked for, not yet served */
	unsigned int stopped;		/* pause depth: no run starts */
	wait_queue_head_t idle;		/* pause waits for !busy && !queued */
	struct work_struct work;
	/* One step of work; true if its budget ran out with more to do. */
	bool (*run)(struct rxe_lite_task *t);
};

void rxe_lite_task_init(struct rxe_lite_task *t,
			bool (*run)(struct rxe_lite_task *t));
void rxe_lite_task_run(struct rxe_lite_task *t);
void rxe_lite_task_sched(struct rxe_lite_task *t);
void rxe_lite_task_pause(struct rxe_lite_task *t);
void rxe_lite_task_resume(struct rxe_lite_task *t);
void rxe_lite_task_stop(struct rxe_lite_task *t);
int rxe_lite_task_init_wq(void);
void rxe_lite_task_exit_wq(void);

/*
 * A queue pair. The datapath finds it by QPN (rxe_lite_qp_get(), with
 * ->ref); destroy_qp removes it from the QPN map, waits for the
 * references (no packet is being processed for it any more), stops its
 * task (the shutdown point: no run executes or starts again) and then its
 * timer, which only schedules the task, before the core frees it. So
 * nothing of the QP runs or re-arms after destroy_qp returns.
 *
 * req_lock protects the send side: the SQ ring's consumer, the shadow
 * WQEs and the requester/completer state. resp_lock protects the receive
 * side: the RQ consumer and the responder state. Neither is held while a
 * packet is handed to the network (a loopback delivery runs the peer's
 * responder and then our completer in the same call chain).
 */
struct rxe_lite_qp {
	struct lite_qp qp;		/* must be first */
	refcount_t ref;
	struct completion done;
	struct rxe_lite_dev *rxe;

	/* Attributes the datapath uses, copied by modify_qp under both locks. */
	u32 mtu;			/* path MTU in bytes */
	u32 dest_qpn;
	u32 qkey;
	u32 access;			/* LITE_ACCESS_REMOTE_* the peer may use */
	u8 timeout;			/* local ACK timeout code */
	u8 retry_cnt;
	u8 rnr_retry;
	u8 min_rnr_timer;
	struct lite_ah_attr av;		/* RC/UC: the peer */
	/*
	 * Capacities fixed at create (the datapath reads these, never
	 * qp->attr, which MODIFY_QP rewrites).
	 */
	u32 max_send_sge;
	u32 max_inline;
	u32 max_recv_sge;
	struct rxe_lite_task task;	/* requester + timeouts, see above */

	/*
	 * The route of the last wire packet and the addresses it is for (a
	 * connected QP sends everything to one peer), with a reference;
	 * dropped at destroy. route_lock protects it.
	 */
	spinlock_t route_lock;
	struct dst_entry *route;
	union lite_gid route_sgid;
	union lite_gid route_dgid;
	u32 route_cookie;		/* IPv6: the route's validity cookie */

	spinlock_t req_lock;		/* the send side, see above */
	struct rxe_lite_queue sq;
	struct rxe_lite_swqe *swqe;	/* one per SQ slot */
	u32 sq_next;			/* next WQE to (re)send */
	u32 sq_snap;			/* WQEs before it are in swqe[] */
	u32 req_psn;			/* PSN of the next WQE read */
	u32 req_acked;			/* PSNs before it are acknowledged */
	u8 max_rd_atomic;		/* reads/atomics in flight, at most */
	u8 retries_left;
	u8 rnr_retries_left;
	/*
	 * The retransmission timeout counts from retrans_from (the last
	 * progress). The timer is left pending when the clock restarts or
	 * nothing is in flight; when it fires it schedules the task, which
	 * re-arms it, resends, or does nothing. The same timer ends an RNR
	 * wait (at rnr_until).
	 */
	struct timer_list retrans_timer;
	unsigned long retrans_from;
	unsigned long rnr_until;
	bool rnr_wait;			/* sending paused until rnr_until */
	/*
	 * After a retransmission timeout only the oldest unacknowledged
	 * packet is sent again, asking for an ACK, until the peer answers:
	 * the timeout may only mean that the peer (or this host's receive
	 * backlog) is slow, and resending a whole window each time piles
	 * up duplicates the peer must wade through before its ACKs can
	 * come. Its answer (an ACK with progress, or a NAK) ends the probe
	 * and sending resumes from what it acknowledged.
	 */
	bool retrans_probe;
	/*
	 * A read response past a gap asks again at once from the missing
	 * one, once per gap: read_again_psn is where it asked (valid if
	 * read_again), so the rest of the old burst does not ask again.
	 */
	bool read_again;
	u32 read_again_psn;
	/*
	 * SQD (send queue drain): no WQE starts, the ones begun (read into
	 * swqe[], so holding PSNs) finish, with retransmissions. When the
	 * last of them completes the SQ is drained: SQ_DRAINED is raised
	 * if the modify to SQD asked for it, and the QP may be modified.
	 */
	bool sqd;			/* no new WQE starts */
	bool sqd_draining;		/* begun WQEs not all complete yet */
	bool sqd_notify;		/* raise SQ_DRAINED when drained */

	spinlock_t resp_lock;		/* the receive side, see above */
	struct rxe_lite_queue rq;	/* unused with an SRQ */
	u32 resp_epsn;			/* next PSN expected */
	u32 resp_msn;
	bool resp_nak_sent;		/* a sequence NAK is outstanding */
	/* the receive WQE a multi-packet SEND is filling */
	bool resp_wqe_valid;
	u64 resp_wr_id;
	u32 resp_num_sge;
	u32 resp_offset;
	struct rxe_sge resp_sge[RXE_LITE_MAX_SGE];
	/* the results of the last atomics executed, for duplicates */
	struct rxe_lite_atomic_saved resp_atomic[RXE_LITE_ATOMIC_SAVED];
	/* the RDMA WRITE in progress */
	u64 resp_va;
	u32 resp_rkey;
	u32 resp_len;
	u32 resp_done;
};

/* Completion status, opcodes and flags as userspace reads them (ibv_wc). */
enum {
	RXE_LITE_WC_SUCCESS = 0,
	RXE_LITE_WC_LOC_LEN_ERR = 1,
	RXE_LITE_WC_LOC_QP_OP_ERR = 2,
	RXE_LITE_WC_LOC_PROT_ERR = 4,
	RXE_LITE_WC_WR_FLUSH_ERR = 5,
	RXE_LITE_WC_MW_BIND_ERR = 6,
	RXE_LITE_WC_BAD_RESP_ERR = 7,
	RXE_LITE_WC_LOC_ACCESS_ERR = 8,
	RXE_LITE_WC_REM_INV_REQ_ERR = 9,
	RXE_LITE_WC_REM_ACCESS_ERR = 10,
	RXE_LITE_WC_REM_OP_ERR = 11,
	RXE_LITE_WC_RETRY_EXC_ERR = 12,
	RXE_LITE_WC_RNR_RETRY_EXC_ERR = 13,
};

#define RXE_LITE_WC_RECV		128
#define RXE_LITE_WC_RECV_RDMA_WITH_IMM	129
#define RXE_LITE_WC_GRH			1
#define RXE_LITE_WC_WITH_IMM		2

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
int rxe_lite_udata_io(const struct lite_udata *udata, size_t resp_len);

/* rxe_lite_mr.c */
int rxe_lite_reg_user_mr(struct lite_mr *mr, struct lite_udata *udata);
void rxe_lite_dereg_mr(struct lite_mr *mr);
int rxe_lite_alloc_mw(struct lite_mw *mw, struct lite_udata *udata);
void rxe_lite_dealloc_mw(struct lite_mw *mw);
int rxe_lite_bind_mw(struct rxe_lite_qp *rqp, u32 mw_rkey, u32 new_key,
		     u32 mr_lkey, u64 addr, u64 length, u32 access);
int rxe_lite_local_inv(struct rxe_lite_qp *rqp, u32 rkey);
struct rxe_lite_mr *rxe_lite_mw_mr_get(struct rxe_lite_qp *rqp, u32 rkey,
				       u64 va, u32 len, u32 access);

struct rxe_lite_mr *rxe_lite_mr_get(struct rxe_lite_dev *rxe, u32 key);
void rxe_lite_mr_put(struct rxe_lite_mr *rmr);
int rxe_lite_mr_check(struct rxe_lite_mr *rmr, const struct lite_pd *pd,
		      u64 va, u32 len, u32 access);
/*
 * Packet payload. On the wire and in an skb it is bytes (@buf). A packet
 * between two devices of this host (loopback) may instead name a range of
 * the sender's MR (@mr, a reference the packet holds, from @va), which
 * the receiver copies straight to its destination: one copy per byte and
 * no skb. The sender keeps the range valid until the packet is delivered
 * (delivery is synchronous).
 */
struct rxe_lite_data {
	void *buf;
	struct rxe_lite_mr *mr;
	u64 va;
};

u64 *rxe_lite_mr_map_u64(const struct rxe_lite_mr *rmr, u64 va);
void rxe_lite_mr_copy(struct rxe_lite_mr *rmr, u64 va, void *buf, u32 len,
		      bool to_mr);
void rxe_lite_data_copy(struct rxe_lite_data *d, struct rxe_lite_mr *rmr,
			u64 va, u32 len, bool to_mr);
int rxe_lite_sge_copy(struct rxe_lite_dev *rxe, const struct lite_pd *pd,
		      const struct rxe_sge *sge, u32 num_sge, u32 offset,
		      struct rxe_lite_data *d, u32 len, bool to_mem);
int rxe_lite_sge_ref(struct rxe_lite_dev *rxe, const struct lite_pd *pd,
		     const struct rxe_sge *sge, u32 num_sge, u32 offset,
		     u32 len, struct rxe_lite_data *d);

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
void rxe_lite_cq_post(struct lite_cq *cq, const struct ib_uverbs_wc *wc,
		      bool solicited);

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

/* Headers of any opcode fit: BTH + AtomicETH is the longest. */
#define RXE_LITE_MAX_HDR	48

/*
 * A packet being built or received. Built for the wire, it is in @skb;
 * built for a device of this host (loopback), @rxe is that device (with a
 * registration reference), the headers are in @hbuf and the payload is
 * named by @data (see struct rxe_lite_data) or in @bounce; a reply to a
 * loopback packet also knows its destination QP (@to, a reference).
 * Received, @rxe is the receiving device, @hdr/@data point into the
 * packet, and a loopback packet names its sender (@from, alive while the
 * packet is processed: the sender's call chain is waiting).
 */
struct rxe_lite_pkt {
	struct rxe_lite_dev *rxe;
	struct rxe_lite_qp *to;
	struct rxe_lite_qp *from;
	struct sk_buff *skb;
	u8 *hdr;			/* the BTH */
	struct rxe_lite_data data;
	void *bounce;			/* loopback payload gathered from SGEs */
	u32 paylen;			/* payload bytes, pad excluded */
	u32 mask;			/* RXE_LITE_M_* of the opcode */
	u32 psn;
	u8 opcode;
	bool ackreq;
	bool se;
	union lite_gid sgid;		/* received: source and destination */
	union lite_gid dgid;
	u8 hbuf[RXE_LITE_MAX_HDR];
};

/* rxe_lite_net.c */
int rxe_lite_net_init(void);
void rxe_lite_net_exit(void);
void rxe_lite_dev_list_add(struct rxe_lite_dev *rxe);
void rxe_lite_dev_list_del(struct rxe_lite_dev *rxe);
int rxe_lite_pkt_init(struct rxe_lite_qp *rqp, const struct lite_ah_attr *av,
		      u8 opcode, u32 paylen, u32 dqpn, u32 psn, u32 bth_flags,
		      const struct rxe_lite_pkt *req, struct rxe_lite_pkt *pkt);
void rxe_lite_pkt_release(struct rxe_lite_pkt *pkt);
void *rxe_lite_pkt_hdr(const struct rxe_lite_pkt *pkt, u32 which);
void rxe_lite_send(struct rxe_lite_qp *rqp, const struct lite_ah_attr *av,
		   struct rxe_lite_pkt *pkt);
void rxe_lite_route_drop(struct rxe_lite_qp *rqp);

/* rxe_lite_qp.c: the datapath's view of QPs */
struct rxe_lite_qp *rxe_lite_qp_get(struct rxe_lite_dev *rxe, u32 qpn);
void rxe_lite_qp_put(struct rxe_lite_qp *rqp);
void rxe_lite_qp_error(struct rxe_lite_qp *rqp);

/* rxe_lite_req.c */
bool rxe_lite_req_task(struct rxe_lite_task *t);
void rxe_lite_arm_retrans(struct rxe_lite_qp *rqp, bool restart);
void rxe_lite_retrans_timer(struct timer_list *t);
void rxe_lite_req_rewind(struct rxe_lite_qp *rqp);
void rxe_lite_req_flush(struct rxe_lite_qp *rqp);

/* rxe_lite_resp.c */
void rxe_lite_resp_rcv(struct rxe_lite_qp *rqp, struct rxe_lite_pkt *pkt);
void rxe_lite_resp_flush(struct rxe_lite_qp *rqp);

/* rxe_lite_comp.c */
void rxe_lite_comp_rcv(struct rxe_lite_qp *rqp, struct rxe_lite_pkt *pkt);
void rxe_lite_comp_advance(struct rxe_lite_qp *rqp);
void rxe_lite_sqd_check(struct rxe_lite_qp *rqp);

static inline bool rxe_lite_psn_before(u32 a, u32 b)
{
	return (s32)((a - b) << 8) < 0;
}

/* The requester sends (RTS, or SQD while draining what it began). */
static inline bool rxe_lite_qp_sending(struct rxe_lite_qp *rqp)
{
	enum lite_qp_state state = READ_ONCE(rqp->qp.state);

	return state == LITE_QPS_RTS || state == LITE_QPS_SQD;
}

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

/* Datapath event counters: /sys/kernel/debug/rxe_lite/counters. */
enum rxe_lite_counter {
	RXE_LITE_CNT_SENT,		/* packets handed to loopback or IP */
	RXE_LITE_CNT_RCVD,		/* packets given to a QP */
	RXE_LITE_CNT_DROPPED,		/* drop_ppm */
	RXE_LITE_CNT_BAD_ICRC,
	RXE_LITE_CNT_NO_QP,		/* destination QP unknown */
	RXE_LITE_CNT_RETRANS,		/* retransmission timeouts */
	RXE_LITE_CNT_SEQ_NAK_SENT,
	RXE_LITE_CNT_RNR_NAK_SENT,
	RXE_LITE_CNT_READ_AGAIN,	/* reads asked again past a gap */
	RXE_LITE_CNT_DUP,		/* duplicate requests answered */
	RXE_LITE_CNT_CQ_OVERFLOW,
	RXE_LITE_CNT_MAX,
};

void rxe_lite_count(enum rxe_lite_counter c);
void rxe_lite_stats_init(void);
void rxe_lite_stats_exit(void);

#endif /* _RXE_LITE_H */
