// SPDX-License-Identifier: GPL-2.0
/*
 * rxe_lite opcode table: which headers each supported opcode carries and
 * what it means to the requester, responder and completer. Opcodes not in
 * the table are dropped on receive.
 */
#include <linux/bits.h>
#include <linux/kernel.h>

#include "rxe_lite_hdr.h"

#define BTH	sizeof(struct rxe_lite_bth)
#define DETH	sizeof(struct rxe_lite_deth)
#define RETH	sizeof(struct rxe_lite_reth)
#define ATMETH	sizeof(struct rxe_lite_atmeth)
#define AETH	sizeof(struct rxe_lite_aeth)
#define ATMACK	sizeof(struct rxe_lite_atmack)
#define IMM	sizeof(struct rxe_lite_immdt)

#define M(x)	RXE_LITE_M_##x
#define OP(code, m, len)						\
	[code] = { .mask = (m) | M(VALID), .hdr_len = BTH + (len) }

/* Flags of the send and write opcodes, which RC and UC share. */
#define SEND_F		(M(REQ) | M(SEND) | M(PAYLOAD))
#define WRITE_F		(M(REQ) | M(WRITE) | M(PAYLOAD))
#define FL		(M(FIRST) | M(LAST))

const struct rxe_lite_opinfo rxe_lite_opinfo[RXE_LITE_OP_NUM] = {
	OP(RXE_LITE_OP_RC | RXE_LITE_OP_SEND_FIRST, SEND_F | M(FIRST), 0),
	OP(RXE_LITE_OP_RC | RXE_LITE_OP_SEND_MIDDLE, SEND_F | M(MIDDLE), 0),
	OP(RXE_LITE_OP_RC | RXE_LITE_OP_SEND_LAST, SEND_F | M(LAST), 0),
	OP(RXE_LITE_OP_RC | RXE_LITE_OP_SEND_LAST_IMM, SEND_F | M(LAST) | M(IMM), IMM),
	OP(RXE_LITE_OP_RC | RXE_LITE_OP_SEND_ONLY, SEND_F | FL, 0),
	OP(RXE_LITE_OP_RC | RXE_LITE_OP_SEND_ONLY_IMM, SEND_F | FL | M(IMM), IMM),
	OP(RXE_LITE_OP_RC | RXE_LITE_OP_WRITE_FIRST, WRITE_F | M(FIRST) | M(RETH), RETH),
	OP(RXE_LITE_OP_RC | RXE_LITE_OP_WRITE_MIDDLE, WRITE_F | M(MIDDLE), 0),
	OP(RXE_LITE_OP_RC | RXE_LITE_OP_WRITE_LAST, WRITE_F | M(LAST), 0),
	OP(RXE_LITE_OP_RC | RXE_LITE_OP_WRITE_LAST_IMM, WRITE_F | M(LAST) | M(IMM), IMM),
	OP(RXE_LITE_OP_RC | RXE_LITE_OP_WRITE_ONLY, WRITE_F | FL | M(RETH), RETH),
	OP(RXE_LITE_OP_RC | RXE_LITE_OP_WRITE_ONLY_IMM, WRITE_F | FL | M(RETH) | M(IMM),
	   RETH + IMM),
	OP(RXE_LITE_OP_UC | RXE_LITE_OP_SEND_FIRST, SEND_F | M(FIRST), 0),
	OP(RXE_LITE_OP_UC | RXE_LITE_OP_SEND_MIDDLE, SEND_F | M(MIDDLE), 0),
	OP(RXE_LITE_OP_UC | RXE_LITE_OP_SEND_LAST, SEND_F | M(LAST), 0),
	OP(RXE_LITE_OP_UC | RXE_LITE_OP_SEND_LAST_IMM, SEND_F | M(LAST) | M(IMM), IMM),
	OP(RXE_LITE_OP_UC | RXE_LITE_OP_SEND_ONLY, SEND_F | FL, 0),
	OP(RXE_LITE_OP_UC | RXE_LITE_OP_SEND_ONLY_IMM, SEND_F | FL | M(IMM), IMM),
	OP(RXE_LITE_OP_UC | RXE_LITE_OP_WRITE_FIRST, WRITE_F | M(FIRST) | M(RETH), RETH),
	OP(RXE_LITE_OP_UC | RXE_LITE_OP_WRITE_MIDDLE, WRITE_F | M(MIDDLE), 0),
	OP(RXE_LITE_OP_UC | RXE_LITE_OP_WRITE_LAST, WRITE_F | M(LAST), 0),
	OP(RXE_LITE_OP_UC | RXE_LITE_OP_WRITE_LAST_IMM, WRITE_F | M(LAST) | M(IMM), IMM),
	OP(RXE_LITE_OP_UC | RXE_LITE_OP_WRITE_ONLY, WRITE_F | FL | M(RETH), RETH),
	OP(RXE_LITE_OP_UC | RXE_LITE_OP_WRITE_ONLY_IMM, WRITE_F | FL | M(RETH) | M(IMM),
	   RETH + IMM),
	OP(RXE_LITE_OP_READ_REQ, M(REQ) | M(READ) | M(FIRST) | M(LAST) |
	   M(RETH), RETH),
	OP(RXE_LITE_OP_READ_RESP_FIRST, M(READ_RESP) | M(PAYLOAD) |
	   M(FIRST) | M(AETH), AETH),
	OP(RXE_LITE_OP_READ_RESP_MIDDLE, M(READ_RESP) | M(PAYLOAD) |
	   M(MIDDLE), 0),
	OP(RXE_LITE_OP_READ_RESP_LAST, M(READ_RESP) | M(PAYLOAD) |
	   M(LAST) | M(AETH), AETH),
	OP(RXE_LITE_OP_READ_RESP_ONLY, M(READ_RESP) | M(PAYLOAD) |
	   M(FIRST) | M(LAST) | M(AETH), AETH),
	OP(RXE_LITE_OP_ACK, M(ACK) | M(AETH), AETH),
	OP(RXE_LITE_OP_ATOMIC_ACK, M(ACK) | M(AETH) | M(ATMACK),
	   AETH + ATMACK),
	OP(RXE_LITE_OP_CMP_SWAP, M(REQ) | M(ATOMIC) | M(FIRST) | M(LAST) |
	   M(ATMETH), ATMETH),
	OP(RXE_LITE_OP_FETCH_ADD, M(REQ) | M(ATOMIC) | M(FIRST) | M(LAST) |
	   M(ATMETH), ATMETH),
	OP(RXE_LITE_OP_UD | RXE_LITE_OP_SEND_ONLY, M(REQ) | M(SEND) |
	   M(PAYLOAD) | M(FIRST) | M(LAST) | M(DETH), DETH),
	OP(RXE_LITE_OP_UD | RXE_LITE_OP_SEND_ONLY_IMM, M(REQ) | M(SEND) |
	   M(PAYLOAD) | M(FIRST) | M(LAST) | M(DETH) | M(IMM), DETH + IMM),
};

/* Headers in wire order with their sizes. */
static const struct {
	u32 mask;
	u8 len;
} rxe_lite_hdr_order[] = {
	{ RXE_LITE_M_DETH, DETH },
	{ RXE_LITE_M_RETH, RETH },
	{ RXE_LITE_M_ATMETH, ATMETH },
	{ RXE_LITE_M_AETH, AETH },
	{ RXE_LITE_M_ATMACK, ATMACK },
	{ RXE_LITE_M_IMM, IMM },
};

unsigned int rxe_lite_hdr_offset(u8 opcode, u32 which)
{
	u32 mask = rxe_lite_opinfo[opcode & (RXE_LITE_OP_NUM - 1)].mask;
	unsigned int off = BTH, i;

	for (i = 0; i < ARRAY_SIZE(rxe_lite_hdr_order); i++) {
		if (rxe_lite_hdr_order[i].mask == which)
			break;
		if (mask & rxe_lite_hdr_order[i].mask)
			off += rxe_lite_hdr_order[i].len;
	}
	return off;
}
