// SPDX-License-Identifier: GPL-2.0
/*
 * ib_core_lite QP state machine: which transitions MODIFY_QP may make and
 * which attributes each requires or allows, per QP type (IBTA vol. 1,
 * 11.2.4.2 / 10.3 "QP state transition"; the same rules Linux's
 * ib_modify_qp_is_ok() encodes). Every QP can go to RESET and to ERR from
 * any state; the other transitions are listed below.
 */
#include "lite_uverbs.h"

enum { T_UD, T_UC, T_RC, T_NUM };

struct lite_qp_trans {
	bool valid;
	u32 req[T_NUM];
	u32 opt[T_NUM];
};

#define ALT_ACC	(LITE_QP_ALT_PATH | LITE_QP_ACCESS_FLAGS)
#define TO_RTS_UD	(LITE_QP_CUR_STATE | LITE_QP_QKEY)
#define TO_RTS_UC	(LITE_QP_CUR_STATE | ALT_ACC | LITE_QP_PATH_MIG_STATE)
#define TO_RTS_RC	(TO_RTS_UC | LITE_QP_MIN_RNR_TIMER)

static const struct lite_qp_trans lite_qp_table[LITE_QPS_ERR + 1]
					       [LITE_QPS_ERR + 1] = {
	[LITE_QPS_RESET] = {
		[LITE_QPS_INIT] = {
			.valid = true,
			.req = {
				[T_UD] = LITE_QP_PKEY_INDEX | LITE_QP_PORT |
					 LITE_QP_QKEY,
				[T_UC] = LITE_QP_PKEY_INDEX | LITE_QP_PORT |
					 LITE_QP_ACCESS_FLAGS,
				[T_RC] = LITE_QP_PKEY_INDEX | LITE_QP_PORT |
					 LITE_QP_ACCESS_FLAGS,
			},
		},
	},
	[LITE_QPS_INIT] = {
		[LITE_QPS_INIT] = {
			.valid = true,
			.opt = {
				[T_UD] = LITE_QP_PKEY_INDEX | LITE_QP_PORT |
					 LITE_QP_QKEY,
				[T_UC] = LITE_QP_PKEY_INDEX | LITE_QP_PORT |
					 LITE_QP_ACCESS_FLAGS,
				[T_RC] = LITE_QP_PKEY_INDEX | LITE_QP_PORT |
					 LITE_QP_ACCESS_FLAGS,
			},
		},
		[LITE_QPS_RTR] = {
			.valid = true,
			.req = {
				[T_UC] = LITE_QP_AV | LITE_QP_PATH_MTU |
					 LITE_QP_DEST_QPN | LITE_QP_RQ_PSN,
				[T_RC] = LITE_QP_AV | LITE_QP_PATH_MTU |
					 LITE_QP_DEST_QPN | LITE_QP_RQ_PSN |
					 LITE_QP_MAX_DEST_RD_ATOMIC |
					 LITE_QP_MIN_RNR_TIMER,
			},
			.opt = {
				[T_UD] = LITE_QP_PKEY_INDEX | LITE_QP_QKEY,
				[T_UC] = ALT_ACC | LITE_QP_PKEY_INDEX,
				[T_RC] = ALT_ACC | LITE_QP_PKEY_INDEX,
			},
		},
	},
	[LITE_QPS_RTR] = {
		[LITE_QPS_RTS] = {
			.valid = true,
			.req = {
				[T_UD] = LITE_QP_SQ_PSN,
				[T_UC] = LITE_QP_SQ_PSN,
				[T_RC] = LITE_QP_TIMEOUT | LITE_QP_RETRY_CNT |
					 LITE_QP_RNR_RETRY | LITE_QP_SQ_PSN |
					 LITE_QP_MAX_QP_RD_ATOMIC,
			},
			.opt = {
				[T_UD] = TO_RTS_UD,
				[T_UC] = TO_RTS_UC,
				[T_RC] = TO_RTS_RC,
			},
		},
	},
	[LITE_QPS_RTS] = {
		[LITE_QPS_RTS] = {
			.valid = true,
			.opt = {
				[T_UD] = TO_RTS_UD,
				[T_UC] = TO_RTS_UC,
				[T_RC] = TO_RTS_RC,
			},
		},
		[LITE_QPS_SQD] = {
			.valid = true,
			.opt = {
				[T_UD] = LITE_QP_EN_SQD_ASYNC_NOTIFY,
				[T_UC] = LITE_QP_EN_SQD_ASYNC_NOTIFY,
				[T_RC] = LITE_QP_EN_SQD_ASYNC_NOTIFY,
			},
		},
	},
	[LITE_QPS_SQD] = {
		[LITE_QPS_RTS] = {
			.valid = true,
			.opt = {
				[T_UD] = TO_RTS_UD,
				[T_UC] = TO_RTS_UC,
				[T_RC] = TO_RTS_RC,
			},
		},
		[LITE_QPS_SQD] = {
			.valid = true,
			.opt = {
				[T_UD] = LITE_QP_PKEY_INDEX | LITE_QP_QKEY,
				[T_UC] = LITE_QP_AV | ALT_ACC |
					 LITE_QP_PKEY_INDEX |
					 LITE_QP_PATH_MIG_STATE,
				[T_RC] = LITE_QP_PORT | LITE_QP_AV |
					 LITE_QP_TIMEOUT | LITE_QP_RETRY_CNT |
					 LITE_QP_RNR_RETRY |
					 LITE_QP_MAX_QP_RD_ATOMIC |
					 LITE_QP_MAX_DEST_RD_ATOMIC | ALT_ACC |
					 LITE_QP_PKEY_INDEX |
					 LITE_QP_MIN_RNR_TIMER |
					 LITE_QP_PATH_MIG_STATE,
			},
		},
	},
	[LITE_QPS_SQE] = {
		[LITE_QPS_RTS] = {
			.valid = true,
			.opt = {
				[T_UD] = TO_RTS_UD,
				[T_UC] = LITE_QP_CUR_STATE |
					 LITE_QP_ACCESS_FLAGS,
			},
		},
	},
};

/*
 * Is MODIFY_QP from @cur to @next with attributes @mask (LITE_QP_STATE
 * and LITE_QP_CUR_STATE included or not) a legal transition for @type?
 * 0 or -EINVAL.
 */
int lite_qp_check_modify(enum lite_qp_type type, enum lite_qp_state cur,
			 enum lite_qp_state next, u32 mask)
{
	const struct lite_qp_trans *t;
	u32 attrs = mask & ~LITE_QP_STATE;
	int ti;

	if (cur > LITE_QPS_ERR || next > LITE_QPS_ERR)
		return -EINVAL;
	switch (type) {
	case LITE_QPT_UD:
		ti = T_UD;
		break;
	case LITE_QPT_UC:
		ti = T_UC;
		break;
	case LITE_QPT_RC:
		ti = T_RC;
		break;
	default:
		return -EINVAL;
	}
	/* SQE exists only for unreliable QPs. */
	if ((cur == LITE_QPS_SQE || next == LITE_QPS_SQE) && ti == T_RC)
		return -EINVAL;
	if (next == LITE_QPS_RESET || next == LITE_QPS_ERR) {
		/* Only the state (and the current state) may be given. */
		return attrs & ~LITE_QP_CUR_STATE ? -EINVAL : 0;
	}

	t = &lite_qp_table[cur][next];
	if (!t->valid)
		return -EINVAL;
	if ((attrs & t->req[ti]) != t->req[ti])
		return -EINVAL;
	if (attrs & ~(t->req[ti] | t->opt[ti]))
		return -EINVAL;
	return 0;
}
