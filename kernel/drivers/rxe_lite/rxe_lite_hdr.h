/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rxe_lite wire format: the InfiniBand transport headers as RoCEv2 carries
 * them in UDP (IBTA vol. 1 ch. 9 and the RoCEv2 annex A17). All fields are
 * big-endian on the wire; the structures are packed to their wire size.
 *
 * Header order in a packet: BTH, DETH, RETH, AtomicETH, AETH,
 * AtomicAckETH, ImmDt, then payload, 0-3 pad bytes, and the ICRC.
 */
#ifndef _RXE_LITE_HDR_H
#define _RXE_LITE_HDR_H

#include <linux/types.h>

#define RXE_LITE_UDP_PORT	4791
#define RXE_LITE_ICRC_LEN	4
#define RXE_LITE_GRH_LEN	40	/* what UD receives see before data */
#define RXE_LITE_PSN_MASK	0xffffff
#define RXE_LITE_QPN_MASK	0xffffff
#define RXE_LITE_DEFAULT_PKEY	0xffff

struct rxe_lite_bth {
	u8 opcode;
	u8 flags;		/* SE, M, PadCnt (2), TVer (4) */
	__be16 pkey;
	__be32 qpn;		/* resv8a (FECN, BECN, resv6), DestQP (24) */
	__be32 apsn;		/* AckReq, resv7, PSN (24) */
} __packed;

#define RXE_LITE_BTH_SE		0x80
#define RXE_LITE_BTH_PAD_SHIFT	4
#define RXE_LITE_BTH_PAD_MASK	0x30
#define RXE_LITE_BTH_ACKREQ	0x80000000

struct rxe_lite_deth {
	__be32 qkey;
	__be32 sqp;		/* resv8, SrcQP (24) */
} __packed;

struct rxe_lite_reth {
	__be64 va;
	__be32 rkey;
	__be32 len;
} __packed;

struct rxe_lite_atmeth {
	__be64 va;
	__be32 rkey;
	__be64 swap_add;
	__be64 comp;
} __packed;

struct rxe_lite_aeth {
	__be32 smsn;		/* Syndrome (8), MSN (24) */
} __packed;

struct rxe_lite_atmack {
	__be64 orig;
} __packed;

struct rxe_lite_immdt {
	__be32 imm;
} __packed;

/* AETH syndromes: the top 3 bits say which, the low 5 a value. */
#define RXE_LITE_AETH_ACK		0x00	/* | credit count */
#define RXE_LITE_AETH_RNR_NAK		0x20	/* | RNR timer code */
#define RXE_LITE_AETH_NAK		0x60	/* | NAK code below */
#define RXE_LITE_AETH_TYPE_MASK		0xe0
#define RXE_LITE_NAK_PSN_SEQ		0
#define RXE_LITE_NAK_INVALID_REQ	1
#define RXE_LITE_NAK_REM_ACCESS		2
#define RXE_LITE_NAK_REM_OP		3
#define RXE_LITE_AETH_NO_CREDIT		0x1f

/* Opcodes: transport (RC 0x00, UC 0x20, UD 0x60) | operation. */
enum {
	RXE_LITE_OP_RC = 0x00,
	RXE_LITE_OP_UC = 0x20,
	RXE_LITE_OP_UD = 0x60,

	RXE_LITE_OP_SEND_FIRST = 0x00,
	RXE_LITE_OP_SEND_MIDDLE = 0x01,
	RXE_LITE_OP_SEND_LAST = 0x02,
	RXE_LITE_OP_SEND_LAST_IMM = 0x03,
	RXE_LITE_OP_SEND_ONLY = 0x04,
	RXE_LITE_OP_SEND_ONLY_IMM = 0x05,
	RXE_LITE_OP_WRITE_FIRST = 0x06,
	RXE_LITE_OP_WRITE_MIDDLE = 0x07,
	RXE_LITE_OP_WRITE_LAST = 0x08,
	RXE_LITE_OP_WRITE_LAST_IMM = 0x09,
	RXE_LITE_OP_WRITE_ONLY = 0x0a,
	RXE_LITE_OP_WRITE_ONLY_IMM = 0x0b,
	RXE_LITE_OP_READ_REQ = 0x0c,
	RXE_LITE_OP_READ_RESP_FIRST = 0x0d,
	RXE_LITE_OP_READ_RESP_MIDDLE = 0x0e,
	RXE_LITE_OP_READ_RESP_LAST = 0x0f,
	RXE_LITE_OP_READ_RESP_ONLY = 0x10,
	RXE_LITE_OP_ACK = 0x11,
	RXE_LITE_OP_ATOMIC_ACK = 0x12,
	RXE_LITE_OP_CMP_SWAP = 0x13,
	RXE_LITE_OP_FETCH_ADD = 0x14,
	RXE_LITE_OP_NUM = 0x80,
};

/* What an opcode carries and means (rxe_lite_opcode.c). */
enum {
	RXE_LITE_M_DETH = BIT(0),
	RXE_LITE_M_RETH = BIT(1),
	RXE_LITE_M_ATMETH = BIT(2),
	RXE_LITE_M_AETH = BIT(3),
	RXE_LITE_M_ATMACK = BIT(4),
	RXE_LITE_M_IMM = BIT(5),
	RXE_LITE_M_PAYLOAD = BIT(6),
	RXE_LITE_M_REQ = BIT(7),	/* requester to responder */
	RXE_LITE_M_SEND = BIT(8),
	RXE_LITE_M_WRITE = BIT(9),
	RXE_LITE_M_READ = BIT(10),	/* read request */
	RXE_LITE_M_ATOMIC = BIT(11),
	RXE_LITE_M_READ_RESP = BIT(12),
	RXE_LITE_M_ACK = BIT(13),	/* ACK or atomic ACK */
	RXE_LITE_M_FIRST = BIT(14),
	RXE_LITE_M_MIDDLE = BIT(15),
	RXE_LITE_M_LAST = BIT(16),	/* last or only */
	RXE_LITE_M_VALID = BIT(17),
};

struct rxe_lite_opinfo {
	u32 mask;
	u8 hdr_len;			/* all headers, BTH included */
};

extern const struct rxe_lite_opinfo rxe_lite_opinfo[RXE_LITE_OP_NUM];

/* Offset of a header (by its mask bit) within an opcode's headers. */
unsigned int rxe_lite_hdr_offset(u8 opcode, u32 which);

#endif /* _RXE_LITE_HDR_H */
