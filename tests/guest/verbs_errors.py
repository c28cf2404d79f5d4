#!/usr/bin/env python3
"""Raw write() commands for the verbs objects (PD, MR, MW, CQ, QP, SRQ, AH)
and mmap() of their rings: every bad input fails with the errno of the
"errno" table in Documentation/uverbs.md, and the objects it named keep
working.

usage: verbs_errors.py DEVNODE            as root (CAP_NET_RAW, CAP_IPC_LOCK)
       verbs_errors.py DEVNODE --unpriv   as a user without capabilities and
                                          with RLIMIT_MEMLOCK = 64 KiB

The device needs GID index 1 (the IPv4-mapped GID of its netdev); index
15 must be empty.
"""
import ctypes
import errno
import os
import resource
import struct
import sys
from errno import EBUSY, EFAULT, EINVAL, ENOMEM, ENOSPC, EOPNOTSUPP, EPERM

from uverbs_raw import buf, cmd, errname, ex_cmd, expect, failed

# enum ib_uverbs_write_cmds (the extended ones share the numbers)
GET_CONTEXT, ALLOC_PD, DEALLOC_PD = 0, 3, 4
CREATE_AH, DESTROY_AH = 5, 8
REG_MR, REREG_MR, DEREG_MR, ALLOC_MW, DEALLOC_MW = 9, 11, 13, 14, 16
CREATE_COMP_CHANNEL, CREATE_CQ, DESTROY_CQ, REQ_NOTIFY_CQ = 17, 18, 20, 23
CREATE_QP, QUERY_QP, MODIFY_QP, DESTROY_QP, POST_SEND = 24, 25, 26, 27, 28
CREATE_SRQ, QUERY_SRQ, DESTROY_SRQ = 32, 34, 35

# enum ib_uverbs_access_flags
LOCAL_WRITE, REMOTE_WRITE, REMOTE_READ, REMOTE_ATOMIC = 1, 2, 4, 8
MW_BIND, ZERO_BASED, ON_DEMAND, HUGETLB = 16, 32, 64, 128

# QP types, states and enum ibv_qp_attr_mask
RC, UD = 2, 4
RESET, INIT, RTR, RTS, SQD, SQE, ERR = range(7)
STATES = ["RESET", "INIT", "RTR", "RTS", "SQD", "SQE", "ERR"]
MASK_NAMES = ["STATE", "CUR_STATE", "EN_SQD_ASYNC_NOTIFY", "ACCESS_FLAGS",
              "PKEY_INDEX", "PORT", "QKEY", "AV", "PATH_MTU", "TIMEOUT",
              "RETRY_CNT", "RNR_RETRY", "RQ_PSN", "MAX_QP_RD_ATOMIC",
              "ALT_PATH", "MIN_RNR_TIMER", "SQ_PSN", "MAX_DEST_RD_ATOMIC",
              "PATH_MIG_STATE", "CAP", "DEST_QPN"]
(STATE, CUR_STATE, EN_SQD, ACCESS, PKEY, PORT, QKEY, AV, PATH_MTU, TIMEOUT,
 RETRY_CNT, RNR_RETRY, RQ_PSN, MAX_QP_RD_ATOMIC, ALT_PATH, MIN_RNR_TIMER,
 SQ_PSN, MAX_DEST_RD_ATOMIC, PATH_MIG, CAP, DEST_QPN) = \
    [1 << i for i in range(len(MASK_NAMES))]

PAGE = os.sysconf("SC_PAGE_SIZE")
UNKNOWN = 0xdead

libc = ctypes.CDLL(None, use_errno=True)
libc.mmap.restype = ctypes.c_void_p
libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int,
                      ctypes.c_int, ctypes.c_int, ctypes.c_long]
libc.munmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
PROT_READ, PROT_WRITE = 1, 2
MAP_SHARED, MAP_PRIVATE, MAP_ANONYMOUS = 1, 2, 0x20
MAP_FAILED = ctypes.c_void_p(-1).value


def mmap(length, prot=PROT_READ | PROT_WRITE, flags=MAP_SHARED, fd=-1,
         offset=0):
    """(0, address) or (errno, None)."""
    if fd < 0:
        flags = MAP_PRIVATE | MAP_ANONYMOUS
    addr = libc.mmap(None, length, prot, flags, fd, offset)
    if addr == MAP_FAILED:
        return ctypes.get_errno(), None
    return 0, addr


def munmap(addr, length):
    assert libc.munmap(addr, length) == 0


def unmapped(length):
    """An address where nothing is mapped (right now)."""
    r, addr = mmap(length)
    munmap(addr, length)
    return addr


def maskstr(mask):
    return "|".join(n for i, n in enumerate(MASK_NAMES) if mask & (1 << i)) \
        or "0"


def info(line):
    print("  " + line)


class Dev:
    """One open command fd with its user context."""

    def __init__(self, path):
        self.fd = os.open(path, os.O_RDWR)
        self.async_fd = None

    def get_context(self):
        resp, addr = buf(64)
        r = cmd(self.fd, GET_CONTEXT, struct.pack("<Q", addr), 2)
        if r == 0:
            self.async_fd = struct.unpack_from("<I", resp.raw)[0]
        return r

    def close(self):
        if self.async_fd is not None:
            os.close(self.async_fd)
        os.close(self.fd)

    # Each create returns (errno, handle, ...); handle is None on failure.

    def alloc_pd(self):
        resp, addr = buf(64)
        r = cmd(self.fd, ALLOC_PD, struct.pack("<Q", addr), 1)
        return r, struct.unpack_from("<I", resp.raw)[0] if r == 0 else None

    def dealloc_pd(self, pd):
        return cmd(self.fd, DEALLOC_PD, struct.pack("<I", pd), 0)

    def reg_mr(self, pd, start, length, access=LOCAL_WRITE | REMOTE_READ,
               hca_va=None):
        resp, addr = buf(64)
        req = struct.pack("<QQQQII", addr, start, length,
                          start if hca_va is None else hca_va, pd, access)
        r = cmd(self.fd, REG_MR, req, 3)
        return r, struct.unpack_from("<I", resp.raw)[0] if r == 0 else None

    def rereg_mr(self, mr, flags, start=0, length=0, pd=0,
                 access=LOCAL_WRITE):
        resp, addr = buf(64)
        req = struct.pack("<QIIQQQII", addr, mr, flags, start, length, start,
                          pd, access)
        return cmd(self.fd, REREG_MR, req, 2)

    def dereg_mr(self, mr):
        return cmd(self.fd, DEREG_MR, struct.pack("<I", mr), 0)

    def alloc_mw(self, pd, mw_type=2):
        resp, addr = buf(64)
        r = cmd(self.fd, ALLOC_MW, struct.pack("<QIB3x", addr, pd, mw_type),
                2)
        return r, struct.unpack_from("<I", resp.raw)[0] if r == 0 else None

    def dealloc_mw(self, mw):
        return cmd(self.fd, DEALLOC_MW, struct.pack("<I", mw), 0)

    def create_comp_channel(self):
        resp, addr = buf(64)
        r = cmd(self.fd, CREATE_COMP_CHANNEL, struct.pack("<Q", addr), 1)
        return r, struct.unpack_from("<I", resp.raw)[0] if r == 0 else None

    @staticmethod
    def cq_req(addr, cqe=16, vector=0, channel=-1):
        return struct.pack("<QQIIiI", addr, 0xc0, cqe, vector, channel, 0)

    def create_cq(self, cqe=16, vector=0, channel=-1, out_words=6,
                  extra=b"", in_words=None, req=None):
        """(errno, handle, (ring offset, ring size))"""
        resp, addr = buf(256)
        if req is None:
            req = self.cq_req(addr, cqe, vector, channel)
        r = cmd(self.fd, CREATE_CQ, req + extra, out_words, in_words)
        if r:
            return r, None, None
        h, = struct.unpack_from("<I", resp.raw)
        return r, h, struct.unpack_from("<QI", resp.raw, 8)

    @staticmethod
    def ex_cq_core(cqe=16, comp_mask=0, flags=0, reserved=0):
        return struct.pack("<QIIiIII", 0xc1, cqe, 0, -1, comp_mask, flags,
                           reserved)

    def ex_create_cq(self, core=None, out_words=2, provider_out_words=2,
                     driver=b"", response=True, **kw):
        """(errno, handle); keyword arguments go to ex_cmd()."""
        resp, addr = buf(256)
        if core is None:
            core = self.ex_cq_core()
        r = ex_cmd(self.fd, CREATE_CQ, core, addr if response else 0,
                   out_words, driver, provider_out_words, **kw)
        return r, struct.unpack_from("<I", resp.raw)[0] if r == 0 else None

    def destroy_cq(self, cq, extra=b""):
        resp, addr = buf(64)
        return cmd(self.fd, DESTROY_CQ, struct.pack("<QII", addr, cq, 0) +
                   extra, 2)

    def req_notify_cq(self, cq, extra=b""):
        return cmd(self.fd, REQ_NOTIFY_CQ, struct.pack("<II", cq, 0) + extra,
                   0)

    @staticmethod
    def qp_req(addr, pd, scq, rcq, qp_type=RC, srq=None, send_wr=4,
               recv_wr=4, send_sge=1, recv_sge=1, inline=0):
        return struct.pack("<QQIIIIIIIIIBBBB", addr, 0x9b, pd, scq, rcq,
                           srq or 0, send_wr, recv_wr, send_sge, recv_sge,
                           inline, 0, qp_type, srq is not None, 0)

    def create_qp(self, pd, scq, rcq, qp_type=RC, srq=None, out_words=16,
                  extra=b"", in_words=None, **caps):
        """(errno, handle, qpn)"""
        resp, addr = buf(256)
        req = self.qp_req(addr, pd, scq, rcq, qp_type, srq, **caps)
        r = cmd(self.fd, CREATE_QP, req + extra, out_words, in_words)
        if r:
            return r, None, None
        return (r,) + struct.unpack_from("<II", resp.raw)

    @staticmethod
    def ex_qp_core(pd, scq, rcq, qp_type=RC, comp_mask=0, create_flags=0,
                   source_qpn=0, reserved=0):
        return struct.pack("<QIIIIIIIIIBBBBIIII", 0x9c, pd, scq, rcq, 0, 4, 4,
                           1, 1, 0, 0, qp_type, 0, reserved, comp_mask,
                           create_flags, 0, source_qpn)

    def ex_create_qp(self, core, out_words=5, provider_out_words=4,
                     driver=b"", **kw):
        """(errno, handle)"""
        resp, addr = buf(256)
        r = ex_cmd(self.fd, CREATE_QP, core, addr, out_words, driver,
                   provider_out_words, **kw)
        return r, struct.unpack_from("<I", resp.raw)[0] if r == 0 else None

    def modify_qp(self, qp, mask, a, extended=None):
        req = pack_modify(qp, mask, a)
        if extended is not None:
            resp, addr = buf(64)
            return ex_cmd(self.fd, MODIFY_QP,
                          req + struct.pack("<II", extended, 0), addr, 1)
        return cmd(self.fd, MODIFY_QP, req, 0)

    def query_qp(self, qp, out_words=32):
        """(errno, response bytes)"""
        resp, addr = buf(256)
        r = cmd(self.fd, QUERY_QP, struct.pack("<QII", addr, qp, 0),
                out_words)
        return r, resp.raw[:128]

    def qp_state(self, qp):
        r, raw = self.query_qp(qp)
        return raw[108] if r == 0 else "QUERY_QP " + errname(r)

    def destroy_qp(self, qp):
        resp, addr = buf(64)
        return cmd(self.fd, DESTROY_QP, struct.pack("<QII", addr, qp, 0), 1)

    def post_send(self, qp, wr_count=0, sge_count=0, extra=b""):
        resp, addr = buf(64)
        return cmd(self.fd, POST_SEND, struct.pack(
            "<QIIII", addr, qp, wr_count, sge_count, 0) + extra, 1)

    def create_srq(self, pd, max_wr=16, max_sge=1, limit=0, out_words=10):
        resp, addr = buf(256)
        r = cmd(self.fd, CREATE_SRQ, struct.pack(
            "<QQIIII", addr, 0x5e, pd, max_wr, max_sge, limit), out_words)
        return r, struct.unpack_from("<I", resp.raw)[0] if r == 0 else None

    def query_srq(self, srq):
        resp, addr = buf(64)
        return cmd(self.fd, QUERY_SRQ, struct.pack("<QII", addr, srq, 0), 4)

    def destroy_srq(self, srq):
        resp, addr = buf(64)
        return cmd(self.fd, DESTROY_SRQ, struct.pack("<QII", addr, srq, 0), 1)

    def create_ah(self, pd, gid, sgid_index=1, is_global=1, port=1,
                  out_words=3, short=False):
        resp, addr = buf(64)
        grh = struct.pack("<16sIBBBB", gid, 0, sgid_index, 1, 0, 0)
        attr = grh + struct.pack("<HBBBBBB", 0, 0, 0, 0, is_global, port, 0)
        req = struct.pack("<QQII", addr, 0xa4, pd, 0) + attr
        if short:
            req = req[:-8]
        r = cmd(self.fd, CREATE_AH, req, out_words)
        return r, struct.unpack_from("<I", resp.raw)[0] if r == 0 else None

    def destroy_ah(self, ah):
        return cmd(self.fd, DESTROY_AH, struct.pack("<I", ah), 0)


def qp_attrs(gid, qpn):
    """Valid values for every MODIFY_QP attribute; the mask picks."""
    return dict(dgid=gid, sgid_index=1, hop_limit=1, is_global=1,
                av_port=1, qkey=0x11111111, rq_psn=0x100, sq_psn=0x200,
                dest_qp_num=qpn,
                access=LOCAL_WRITE | REMOTE_WRITE | REMOTE_READ,
                pkey_index=0, qp_state=0, cur_qp_state=0, path_mtu=3,
                path_mig_state=0, en_sqd=0, max_rd_atomic=1,
                max_dest_rd_atomic=1, min_rnr_timer=12, port=1, timeout=14,
                retry_cnt=7, rnr_retry=7)


def pack_modify(qp, mask, a):
    """struct ib_uverbs_modify_qp (112 bytes)"""
    dest = struct.pack("<16sIHHBBBBBBBB", a["dgid"], 0, 0, 0, a["sgid_index"],
                       a["hop_limit"], 0, 0, 0, 0, a["is_global"],
                       a["av_port"])
    alt = b"\0" * 32
    return dest + alt + struct.pack(
        "<IIIIIIIHHBBBBBBBBBBBBBB2x", qp, mask, a["qkey"], a["rq_psn"],
        a["sq_psn"], a["dest_qp_num"], a["access"], a["pkey_index"], 0,
        a["qp_state"], a["cur_qp_state"], a["path_mtu"], a["path_mig_state"],
        a["en_sqd"], a["max_rd_atomic"], a["max_dest_rd_atomic"],
        a["min_rnr_timer"], a["port"], a["timeout"], a["retry_cnt"],
        a["rnr_retry"], 0, 0)


def gid_of(devnode, index):
    uv = os.path.basename(devnode)
    with open("/sys/class/infiniband_verbs/%s/ibdev" % uv) as f:
        ibdev = f.read().strip()
    path = "/sys/class/infiniband/%s/ports/1/gids/%d" % (ibdev, index)
    with open(path) as f:
        return bytes.fromhex(f.read().strip().replace(":", ""))


# ---------------------------------------------------------------------------
# The QP state machine (Documentation/uverbs.md, "The QP state machine";
# the attributes per transition as in lite_qp_state.c).

TO_INIT = {RC: PKEY | PORT | ACCESS, UD: PKEY | PORT | QKEY}
TO_RTR = {RC: AV | PATH_MTU | DEST_QPN | RQ_PSN | MAX_DEST_RD_ATOMIC |
          MIN_RNR_TIMER, UD: 0}
TO_RTS = {RC: TIMEOUT | RETRY_CNT | RNR_RETRY | SQ_PSN | MAX_QP_RD_ATOMIC,
          UD: SQ_PSN}
# The required attributes of the transitions into each state (from the
# state before it on the way up); the others have none.
TARGET_REQ = {INIT: TO_INIT, RTR: TO_RTR, RTS: TO_RTS}
LEGAL = {(RESET, INIT), (INIT, INIT), (INIT, RTR), (RTR, RTS), (RTS, RTS),
         (RTS, SQD), (SQD, RTS), (SQD, SQD)}
LEGAL_UD = {(SQE, RTS)}
# How a fresh QP gets to each state; SQE cannot be reached by MODIFY_QP.
PATH = {RESET: [], INIT: [INIT], RTR: [INIT, RTR], RTS: [INIT, RTR, RTS],
        SQD: [INIT, RTR, RTS, SQD], ERR: [INIT, ERR]}


def legal(qp_type, cur, nxt):
    if nxt in (RESET, ERR):
        return True
    return (cur, nxt) in LEGAL or (qp_type == UD and (cur, nxt) in LEGAL_UD)


def required(qp_type, cur, nxt):
    """The attributes the legal transition cur -> nxt requires."""
    if (cur, nxt) == (RESET, INIT):
        return TO_INIT[qp_type]
    if (cur, nxt) == (INIT, RTR):
        return TO_RTR[qp_type]
    if (cur, nxt) == (RTR, RTS):
        return TO_RTS[qp_type]
    return 0


class QpLab:
    """Fresh QPs of one type on one PD and CQ, driven through MODIFY_QP."""

    def __init__(self, d, pd, cq, gid, qp_type):
        self.d, self.pd, self.cq, self.gid = d, pd, cq, gid
        self.type = qp_type
        self.tname = "RC" if qp_type == RC else "UD"
        self.steps = 0
        self.step_err = 0      # first failure while driving
        self.step_what = ""

    def new(self):
        r, qp, qpn = self.d.create_qp(self.pd, self.cq, self.cq, self.type)
        if r:
            raise SystemExit("FATAL: CREATE_QP %s: %s" % (self.tname,
                                                          errname(r)))
        self.qpn = qpn
        return qp

    def attrs(self, **over):
        a = qp_attrs(self.gid, self.qpn)
        a.update(over)
        return a

    def modify(self, qp, nxt, mask, **over):
        return self.d.modify_qp(qp, mask, self.attrs(qp_state=nxt, **over))

    def drive(self, qp, state):
        """Legal steps from RESET to state, each with exactly its required
        attributes; QUERY_QP must show each new state. True if it got
        there."""
        cur = RESET
        for nxt in PATH[state]:
            mask = STATE | required(self.type, cur, nxt)
            r = self.modify(qp, nxt, mask)
            got = self.d.qp_state(qp)
            self.steps += 1
            if r or got != nxt:
                if not self.step_err:
                    self.step_err = r or errno.EIO
                    self.step_what = "%s %s->%s [%s]: %s, QUERY_QP %s" % (
                        self.tname, STATES[cur], STATES[nxt], maskstr(mask),
                        errname(r), STATES[got] if isinstance(got, int)
                        else got)
                return False
            cur = nxt
        return True

    def check(self, qp, cur, nxt, mask, want, what=None, **over):
        """MODIFY_QP from cur; want its errno, then QUERY_QP showing nxt
        (success) or cur (failure)."""
        what = what or "%s %s->%s [%s]" % (self.tname, STATES[cur],
                                           STATES[nxt], maskstr(mask))
        r = self.modify(qp, nxt, mask, **over)
        if r == want:
            st = self.d.qp_state(qp)
            after = nxt if r == 0 else cur
            if st != after:
                what += ": then QUERY_QP %s, want %s" % (
                    STATES[st] if isinstance(st, int) else st, STATES[after])
                r = errno.EIO
        return expect(what, r, want)

    def at(self, state):
        """A fresh QP in state (or None)."""
        qp = self.new()
        if self.drive(qp, state):
            return qp
        self.d.destroy_qp(qp)
        return None

    def every_transition(self):
        for cur in (RESET, INIT, RTR, RTS, SQD, ERR):
            qp = None
            for nxt in range(len(STATES)):
                if legal(self.type, cur, nxt):
                    q = self.at(cur)
                    if q is not None:
                        self.check(q, cur, nxt,
                                   STATE | required(self.type, cur, nxt), 0)
                        self.d.destroy_qp(q)
                    continue
                # Illegal: one QP in cur serves all attempts (they fail).
                if qp is None:
                    qp = self.at(cur)
                    if qp is None:
                        break
                masks = [STATE]
                tr = TARGET_REQ.get(nxt, {}).get(self.type, 0)
                if tr:
                    masks.append(STATE | tr)
                for m in masks:
                    if not self.check(qp, cur, nxt, m, EINVAL):
                        # Not where it was any more: start afresh.
                        self.d.destroy_qp(qp)
                        qp = None
                        break
            if qp is not None:
                self.d.destroy_qp(qp)
        expect("%s: %d legal steps to reach those states, QUERY_QP after each"
               % (self.tname, self.steps), self.step_err, 0)
        if self.step_err:
            info("first failed step: " + self.step_what)


# ---------------------------------------------------------------------------


def handles(d, d2, gid, mem):
    print("handles: unknown, of another type, another file's, destroyed")
    r, kpd = d.alloc_pd()
    r1, kcq, _ = d.create_cq()
    r2, pd = d.alloc_pd()
    r3, cq, _ = d.create_cq()
    r4, qp, _ = d.create_qp(pd, cq, cq, UD)
    r5, srq = d.create_srq(pd)
    expect("setup: PD, CQ, and PD, CQ, UD QP, SRQ", r or r1 or r2 or r3 or
           r4 or r5, 0)
    info("handles: pd %d cq %d qp %d srq %d (and pd %d cq %d)"
         % (pd, cq, qp, srq, kpd, kcq))
    a = qp_attrs(gid, 0)

    def all_kinds(f, pd_h, cq_h, qp_h, srq_h, kind):
        """Every command that names a handle, with handles that are not
        there (for this file, of this type, or any more)."""
        expect("DEALLOC_PD, %s" % kind, f.dealloc_pd(pd_h), EINVAL)
        expect("REG_MR pd_handle, %s" % kind,
               f.reg_mr(pd_h, mem, PAGE)[0], EINVAL)
        expect("ALLOC_MW pd_handle, %s" % kind, f.alloc_mw(pd_h)[0], EINVAL)
        expect("CREATE_AH pd_handle, %s" % kind,
               f.create_ah(pd_h, gid)[0], EINVAL)
        expect("CREATE_SRQ pd_handle, %s" % kind,
               f.create_srq(pd_h)[0], EINVAL)
        expect("DESTROY_CQ, %s" % kind, f.destroy_cq(cq_h), EINVAL)
        expect("REQ_NOTIFY_CQ, %s" % kind, f.req_notify_cq(cq_h), EINVAL)
        expect("MODIFY_QP, %s" % kind,
               f.modify_qp(qp_h, STATE, dict(a, qp_state=ERR)), EINVAL)
        expect("QUERY_QP, %s" % kind, f.query_qp(qp_h)[0], EINVAL)
        expect("POST_SEND, %s" % kind, f.post_send(qp_h), EINVAL)
        expect("DESTROY_QP, %s" % kind, f.destroy_qp(qp_h), EINVAL)
        expect("QUERY_SRQ, %s" % kind, f.query_srq(srq_h), EINVAL)
        expect("DESTROY_SRQ, %s" % kind, f.destroy_srq(srq_h), EINVAL)

    def create_qp_kinds(pd_h, cq_h, srq_h, kind):
        """CREATE_QP with one bad handle, the others good."""
        expect("CREATE_QP pd_handle, %s" % kind,
               d.create_qp(pd_h, kcq, kcq)[0], EINVAL)
        expect("CREATE_QP send_cq_handle, %s" % kind,
               d.create_qp(kpd, cq_h, kcq)[0], EINVAL)
        expect("CREATE_QP recv_cq_handle, %s" % kind,
               d.create_qp(kpd, kcq, cq_h)[0], EINVAL)
        if srq_h is not None:
            expect("CREATE_QP srq_handle, %s" % kind,
                   d.create_qp(kpd, kcq, kcq, srq=srq_h)[0], EINVAL)

    # Unknown: a number no object of the file has.
    all_kinds(d, UNKNOWN, UNKNOWN, UNKNOWN, UNKNOWN, "unknown")
    create_qp_kinds(UNKNOWN, UNKNOWN, UNKNOWN, "unknown")
    expect("DEREG_MR, unknown", d.dereg_mr(UNKNOWN), EINVAL)
    expect("REREG_MR, unknown", d.rereg_mr(UNKNOWN, 4), EINVAL)
    expect("DESTROY_AH, unknown", d.destroy_ah(UNKNOWN), EINVAL)
    expect("DEALLOC_MW, unknown", d.dealloc_mw(UNKNOWN), EINVAL)

    # Another type: each handle where another type is wanted.
    all_kinds(d, cq, qp, srq, pd, "another type")
    create_qp_kinds(cq, pd, qp, "another type")
    expect("DEREG_MR, a PD's", d.dereg_mr(pd), EINVAL)
    expect("REREG_MR, a CQ's", d.rereg_mr(cq, 4), EINVAL)
    expect("DESTROY_AH, a QP's", d.destroy_ah(qp), EINVAL)
    expect("DEALLOC_MW, an SRQ's", d.dealloc_mw(srq), EINVAL)

    # Another file's: the second file has a context and no objects.
    all_kinds(d2, pd, cq, qp, srq, "another file's")
    expect("CREATE_QP with another file's PD and CQs",
           d2.create_qp(pd, cq, cq)[0], EINVAL)

    # Completion channels are per context too.
    r, chan = d2.create_comp_channel()
    expect("CREATE_COMP_CHANNEL on the second fd", r, 0)
    expect("CREATE_CQ on another file's completion channel",
           d.create_cq(channel=chan)[0], EINVAL)
    if chan is not None:
        os.close(chan)

    # All of them still work in their own file.
    expect("own QUERY_QP afterwards", d.query_qp(qp)[0], 0)
    expect("own REQ_NOTIFY_CQ afterwards", d.req_notify_cq(cq), 0)
    expect("own QUERY_SRQ afterwards", d.query_srq(srq), 0)
    expect("own MODIFY_QP afterwards (RESET->ERR)",
           d.modify_qp(qp, STATE, dict(a, qp_state=ERR)), 0)

    # Destroyed: handle numbers are reused, so nothing is created between
    # the destroys and these checks.
    r = d.destroy_qp(qp) or d.destroy_srq(srq) or d.destroy_cq(cq) or \
        d.dealloc_pd(pd)
    expect("destroy QP, SRQ, CQ, PD", r, 0)
    all_kinds(d, pd, cq, qp, srq, "destroyed")
    create_qp_kinds(pd, cq, srq, "destroyed")
    expect("cleanup", d.destroy_cq(kcq) or d.dealloc_pd(kpd), 0)


def buffers(d, gid, mem):
    print("command buffers: short, long, word counts")
    r, pd = d.alloc_pd()
    r2, cq, _ = d.create_cq()
    expect("setup: PD, CQ", r or r2, 0)
    resp, addr = buf(256)

    # CREATE_CQ
    req = Dev.cq_req(addr)
    expect("CREATE_CQ, request 4 bytes short",
           d.create_cq(req=req[:-4])[0], ENOSPC)
    expect("CREATE_CQ, response of 4 bytes (out_words 1)",
           d.create_cq(out_words=1)[0], ENOSPC)
    expect("CREATE_CQ, no room for the rxe response (out_words 2)",
           d.create_cq(out_words=2)[0], EINVAL)
    expect("CREATE_CQ, rxe response 8 of 16 bytes (out_words 4)",
           d.create_cq(out_words=4)[0], EINVAL)
    expect("CREATE_CQ, in_words one more than written",
           d.create_cq(in_words=11)[0], EINVAL)
    expect("CREATE_CQ, in_words one less than written",
           d.create_cq(in_words=9)[0], EINVAL)
    r, h, _ = d.create_cq(extra=b"\0" * 8)
    expect("CREATE_CQ, 8 zero bytes of driver data", r, 0)
    if h is not None:
        d.destroy_cq(h)
    r, h, _ = d.create_cq(extra=struct.pack("<Q", 7))
    expect("CREATE_CQ, 8 non-zero bytes of driver data", r, EINVAL)
    if h is not None:
        d.destroy_cq(h)

    # CREATE_QP
    req = Dev.qp_req(addr, pd, cq, cq)
    expect("CREATE_QP, request 8 bytes short",
           cmd(d.fd, CREATE_QP, req[:-8], 16), ENOSPC)
    expect("CREATE_QP, response 28 of 32 bytes (out_words 7)",
           d.create_qp(pd, cq, cq, out_words=7)[0], ENOSPC)
    expect("CREATE_QP, no room for the rxe response (out_words 8)",
           d.create_qp(pd, cq, cq, out_words=8)[0], EINVAL)
    expect("CREATE_QP, in_words one more than written",
           d.create_qp(pd, cq, cq, in_words=17)[0], EINVAL)
    r, h = d.create_qp(pd, cq, cq, extra=b"\0" * 8)[:2]
    expect("CREATE_QP with driver data (zero) rxe does not take", r, 0)
    if h is not None:
        d.destroy_qp(h)
    expect("CREATE_QP with driver data (non-zero) rxe does not take",
           d.create_qp(pd, cq, cq, extra=struct.pack("<Q", 1))[0], EINVAL)

    # Others
    expect("ALLOC_PD, no response (out_words 0)",
           cmd(d.fd, ALLOC_PD, struct.pack("<Q", addr), 0), ENOSPC)
    expect("ALLOC_PD with driver data",
           cmd(d.fd, ALLOC_PD, struct.pack("<QQ", addr, 1), 1), EINVAL)
    expect("REG_MR, request 4 bytes short",
           cmd(d.fd, REG_MR, struct.pack("<QQQQI", addr, mem, PAGE, mem, pd),
               3), ENOSPC)
    expect("REG_MR, response 8 of 12 bytes",
           cmd(d.fd, REG_MR, struct.pack("<QQQQII", addr, mem, PAGE, mem, pd,
                                         LOCAL_WRITE), 2), ENOSPC)
    expect("CREATE_SRQ, response 12 of 16 bytes (out_words 3)",
           d.create_srq(pd, out_words=3)[0], ENOSPC)
    expect("CREATE_SRQ, no room for the rxe response (out_words 4)",
           d.create_srq(pd, out_words=4)[0], EINVAL)
    expect("CREATE_AH, request 8 bytes short",
           d.create_ah(pd, gid, short=True)[0], ENOSPC)
    expect("CREATE_AH, no response (out_words 0)",
           d.create_ah(pd, gid, out_words=0)[0], ENOSPC)
    r, ah = d.create_ah(pd, gid, out_words=1)
    expect("CREATE_AH, no room for the rxe response (old provider)", r, 0)
    if ah is not None:
        d.destroy_ah(ah)
    expect("QUERY_QP, response 124 of 128 bytes",
           d.query_qp(0, out_words=31)[0], ENOSPC)
    expect("MODIFY_QP, request 8 bytes short",
           cmd(d.fd, MODIFY_QP,
               pack_modify(UNKNOWN, STATE, qp_attrs(gid, 0))[:-8], 0), ENOSPC)
    expect("REQ_NOTIFY_CQ, 8 non-zero bytes past the request",
           d.req_notify_cq(cq, struct.pack("<Q", 1)), EOPNOTSUPP)
    expect("REQ_NOTIFY_CQ, 8 zero bytes past the request",
           d.req_notify_cq(cq, b"\0" * 8), 0)
    expect("DESTROY_CQ, 8 non-zero bytes past the request",
           d.destroy_cq(cq, struct.pack("<Q", 1)), EOPNOTSUPP)
    expect("DEALLOC_PD, 4 non-zero bytes past the request",
           cmd(d.fd, DEALLOC_PD, struct.pack("<II", pd, 1), 0), EOPNOTSUPP)
    expect("DEALLOC_PD, request 4 bytes short",
           cmd(d.fd, DEALLOC_PD, b"", 0), ENOSPC)
    expect("DESTROY_CQ, response 4 of 8 bytes",
           cmd(d.fd, DESTROY_CQ, struct.pack("<QII", addr, cq, 0), 1), ENOSPC)

    # EX_CREATE_CQ (8-byte words; core request 32, response 16 bytes)
    core = Dev.ex_cq_core()
    expect("EX_CREATE_CQ, request 8 bytes short",
           d.ex_create_cq(core[:-8])[0], ENOSPC)
    expect("EX_CREATE_CQ, response 8 of 16 bytes (out_words 1)",
           d.ex_create_cq(out_words=1)[0], ENOSPC)
    expect("EX_CREATE_CQ, provider_out_words 0: no room for rxe's",
           d.ex_create_cq(provider_out_words=0)[0], EINVAL)
    expect("EX_CREATE_CQ, provider_out_words 1 (rxe's needs 2)",
           d.ex_create_cq(provider_out_words=1)[0], EINVAL)
    expect("EX_CREATE_CQ, provider_in_words 1, nothing written",
           d.ex_create_cq(provider_in_words=1)[0], EINVAL)
    expect("EX_CREATE_CQ, in_words one more than written",
           d.ex_create_cq(in_words=5)[0], EINVAL)
    expect("EX_CREATE_CQ, cmd_hdr_reserved set",
           d.ex_create_cq(reserved=1)[0], EINVAL)
    expect("EX_CREATE_CQ, response 0 with out_words",
           d.ex_create_cq(response=False)[0], EINVAL)
    expect("EX_CREATE_CQ, response without out_words",
           d.ex_create_cq(out_words=0, provider_out_words=0)[0], EINVAL)
    expect("EX_CREATE_CQ, 8 non-zero bytes past the request",
           d.ex_create_cq(core + struct.pack("<Q", 1))[0], EOPNOTSUPP)
    r, h = d.ex_create_cq(core + b"\0" * 8)
    expect("EX_CREATE_CQ, 8 zero bytes past the request", r, 0)
    if h is not None:
        d.destroy_cq(h)
    r, h = d.ex_create_cq(driver=struct.pack("<Q", 5))
    expect("EX_CREATE_CQ with non-zero provider data", r, EINVAL)
    if h is not None:
        d.destroy_cq(h)
    r, h = d.ex_create_cq()
    expect("EX_CREATE_CQ", r, 0)
    if h is not None:
        d.destroy_cq(h)

    # EX_CREATE_QP (core request 64, response 40 bytes)
    core = Dev.ex_qp_core(pd, cq, cq)
    expect("EX_CREATE_QP, request 8 bytes short",
           d.ex_create_qp(core[:-8])[0], ENOSPC)
    expect("EX_CREATE_QP, response 32 of 40 bytes (out_words 4)",
           d.ex_create_qp(core, out_words=4)[0], ENOSPC)
    expect("EX_CREATE_QP, provider_out_words 0: no room for rxe's",
           d.ex_create_qp(core, provider_out_words=0)[0], EINVAL)
    expect("EX_CREATE_QP, provider_out_words 3 (rxe's needs 4)",
           d.ex_create_qp(core, provider_out_words=3)[0], EINVAL)
    expect("EX_CREATE_QP, provider_in_words 1, nothing written",
           d.ex_create_qp(core, provider_in_words=1)[0], EINVAL)
    expect("EX_CREATE_QP, non-zero provider data rxe does not take",
           d.ex_create_qp(core, driver=struct.pack("<Q", 9))[0], EINVAL)
    r, h = d.ex_create_qp(core, driver=b"\0" * 8)
    expect("EX_CREATE_QP, zero provider data", r, 0)
    if h is not None:
        d.destroy_qp(h)
    expect("EX_CREATE_QP, in_words one less than written",
           d.ex_create_qp(core, in_words=7)[0], EINVAL)
    expect("EX_CREATE_QP, 8 non-zero bytes past the request",
           d.ex_create_qp(core + struct.pack("<Q", 1))[0], EOPNOTSUPP)
    r, h = d.ex_create_qp(core + b"\0" * 8)
    expect("EX_CREATE_QP, 8 zero bytes past the request", r, 0)
    if h is not None:
        d.destroy_qp(h)
    r, h = d.ex_create_qp(core)
    expect("EX_CREATE_QP", r, 0)
    if h is not None:
        d.destroy_qp(h)
    expect("cleanup", d.destroy_cq(cq) or d.dealloc_pd(pd), 0)


def flags(d, gid, mem):
    print("unsupported and unknown flags")
    r, pd = d.alloc_pd()
    r2, cq, _ = d.create_cq()
    expect("setup: PD, CQ", r or r2, 0)
    for name, acc, want in [
            ("ZERO_BASED", LOCAL_WRITE | ZERO_BASED, EOPNOTSUPP),
            ("ON_DEMAND", LOCAL_WRITE | ON_DEMAND, EOPNOTSUPP),
            ("HUGETLB", LOCAL_WRITE | HUGETLB, EOPNOTSUPP),
            ("unknown bit 8", LOCAL_WRITE | 1 << 8, EINVAL),
            ("unknown bit 31", LOCAL_WRITE | 1 << 31, EINVAL),
            ("REMOTE_WRITE without LOCAL_WRITE", REMOTE_WRITE, EINVAL),
            ("REMOTE_ATOMIC without LOCAL_WRITE", REMOTE_ATOMIC, EINVAL)]:
        expect("REG_MR access %s" % name,
               d.reg_mr(pd, mem, PAGE, access=acc)[0], want)
    r, mr = d.reg_mr(pd, mem, PAGE)
    expect("REG_MR", r, 0)
    expect("REREG_MR flags 0", d.rereg_mr(mr, 0), EINVAL)
    expect("REREG_MR flags 8 (unknown)", d.rereg_mr(mr, 8), EINVAL)
    expect("REREG_MR access ON_DEMAND", d.rereg_mr(mr, 4, access=ON_DEMAND),
           EOPNOTSUPP)
    expect("REREG_MR access LOCAL_WRITE", d.rereg_mr(mr, 4), 0)
    expect("DEREG_MR", d.dereg_mr(mr), 0)
    expect("ALLOC_MW type 3", d.alloc_mw(pd, 3)[0], EINVAL)

    for name, f, want in [("TIMESTAMP_COMPLETION", 1, EOPNOTSUPP),
                          ("IGNORE_OVERRUN", 2, EOPNOTSUPP),
                          ("bit 7", 0x80, EOPNOTSUPP)]:
        expect("EX_CREATE_CQ flags %s" % name,
               d.ex_create_cq(Dev.ex_cq_core(flags=f))[0], want)
    expect("EX_CREATE_CQ comp_mask 1",
           d.ex_create_cq(Dev.ex_cq_core(comp_mask=1))[0], EINVAL)
    expect("EX_CREATE_CQ reserved",
           d.ex_create_cq(Dev.ex_cq_core(reserved=1))[0], EINVAL)
    expect("CREATE_CQ cqe 0", d.create_cq(cqe=0)[0], EINVAL)
    expect("CREATE_CQ cqe 32768 (max_cqe 32767)",
           d.create_cq(cqe=32768)[0], EINVAL)
    expect("CREATE_CQ comp_vector 4096", d.create_cq(vector=4096)[0], EINVAL)
    expect("CREATE_CQ comp_channel: not a channel (fd 0)",
           d.create_cq(channel=0)[0], EINVAL)

    for name, kw, want in [
            ("create_flags 1", dict(create_flags=1), EOPNOTSUPP),
            ("create_flags 1<<31", dict(create_flags=1 << 31), EOPNOTSUPP),
            ("comp_mask IND_TABLE", dict(comp_mask=1), EOPNOTSUPP),
            ("comp_mask 2 (unknown)", dict(comp_mask=2), EINVAL),
            ("source_qpn", dict(source_qpn=5), EOPNOTSUPP),
            ("reserved", dict(reserved=1), EINVAL)]:
        expect("EX_CREATE_QP %s" % name,
               d.ex_create_qp(Dev.ex_qp_core(pd, cq, cq, **kw))[0], want)
    for t, want in [(8, EOPNOTSUPP), (9, EOPNOTSUPP), (10, EOPNOTSUPP),
                    (0xff, EOPNOTSUPP), (7, EINVAL), (0, EINVAL),
                    (1, EINVAL), (5, EINVAL)]:
        expect("CREATE_QP qp_type %d" % t,
               d.create_qp(pd, cq, cq, t)[0], want)
    expect("CREATE_QP max_send_wr 16385",
           d.create_qp(pd, cq, cq, send_wr=16385)[0], EINVAL)
    expect("CREATE_QP max_recv_sge 33",
           d.create_qp(pd, cq, cq, recv_sge=33)[0], EINVAL)
    expect("CREATE_QP max_inline_data 513",
           d.create_qp(pd, cq, cq, inline=513)[0], EINVAL)

    r, qp, _ = d.create_qp(pd, cq, cq)
    expect("CREATE_QP RC", r, 0)
    a = qp_attrs(gid, 0)
    for bit in (21, 25, 31):
        expect("MODIFY_QP mask bit %d" % bit,
               d.modify_qp(qp, STATE | 1 << bit, dict(a, qp_state=ERR)),
               EOPNOTSUPP)
    expect("EX_MODIFY_QP rate_limit 10",
           d.modify_qp(qp, STATE, dict(a, qp_state=ERR), extended=10),
           EOPNOTSUPP)
    expect("EX_MODIFY_QP RESET->ERR", d.modify_qp(
        qp, STATE, dict(a, qp_state=ERR), extended=0), 0)
    expect("CREATE_SRQ max_wr 0", d.create_srq(pd, max_wr=0)[0], EINVAL)
    expect("CREATE_SRQ srq_limit above max_wr",
           d.create_srq(pd, max_wr=4, limit=5)[0], EINVAL)
    expect("cleanup", d.destroy_qp(qp) or d.destroy_cq(cq) or
           d.dealloc_pd(pd), 0)


def qp_values(d, gid):
    print("MODIFY_QP attributes and values")
    r, pd = d.alloc_pd()
    r2, cq, _ = d.create_cq()
    expect("setup: PD, CQ", r or r2, 0)
    rc, ud = QpLab(d, pd, cq, gid, RC), QpLab(d, pd, cq, gid, UD)

    # RESET -> INIT
    qp = rc.new()
    for mask, what in [(STATE | PKEY | PORT, "missing ACCESS_FLAGS"),
                       (STATE | PKEY | ACCESS, "missing PORT"),
                       (STATE | TO_INIT[RC] | QKEY, "extra QKEY"),
                       (STATE | TO_INIT[RC] | AV, "extra AV"),
                       (STATE | TO_INIT[RC] | CUR_STATE, "extra CUR_STATE"),
                       (STATE | TO_INIT[RC] | SQ_PSN, "extra SQ_PSN")]:
        rc.check(qp, RESET, INIT, mask, EINVAL, "RC RESET->INIT, " + what)
    for what, over in [("port 2", dict(port=2)),
                       ("port 0", dict(port=0)),
                       ("pkey_index 1", dict(pkey_index=1)),
                       ("access bit 5", dict(access=LOCAL_WRITE | 32))]:
        rc.check(qp, RESET, INIT, STATE | TO_INIT[RC], EINVAL,
                 "RC RESET->INIT, " + what, **over)
    rc.check(qp, RESET, INIT, STATE | TO_INIT[RC], 0)
    # INIT -> RTR
    for mask, what in [(STATE | TO_RTR[RC] & ~AV, "missing AV"),
                       (STATE | TO_RTR[RC] & ~MIN_RNR_TIMER,
                        "missing MIN_RNR_TIMER"),
                       (STATE | TO_RTR[RC] | SQ_PSN, "extra SQ_PSN"),
                       (STATE | TO_RTR[RC] | QKEY, "extra QKEY")]:
        rc.check(qp, INIT, RTR, mask, EINVAL, "RC INIT->RTR, " + what)
    for what, over in [("AV without is_global", dict(is_global=0)),
                       ("AV sgid_index 15 (empty)", dict(sgid_index=15)),
                       ("AV sgid_index 16 (out of range)",
                        dict(sgid_index=16)),
                       ("AV port 2", dict(av_port=2)),
                       ("path_mtu 6", dict(path_mtu=6)),
                       ("path_mtu 0", dict(path_mtu=0)),
                       ("min_rnr_timer 32", dict(min_rnr_timer=32)),
                       ("max_dest_rd_atomic 129",
                        dict(max_dest_rd_atomic=129)),
                       ("dest_qp_num 2^24", dict(dest_qp_num=1 << 24))]:
        rc.check(qp, INIT, RTR, STATE | TO_RTR[RC], EINVAL,
                 "RC INIT->RTR, " + what, **over)
    rc.check(qp, INIT, RTR, STATE | TO_RTR[RC], 0)
    # RTR -> RTS
    for mask, what in [(STATE | TO_RTS[RC] & ~SQ_PSN, "missing SQ_PSN"),
                       (STATE | TO_RTS[RC] & ~TIMEOUT, "missing TIMEOUT"),
                       (STATE | TO_RTS[RC] | AV, "extra AV"),
                       (STATE | TO_RTS[RC] | PORT, "extra PORT")]:
        rc.check(qp, RTR, RTS, mask, EINVAL, "RC RTR->RTS, " + what)
    for what, over in [("timeout 32", dict(timeout=32)),
                       ("retry_cnt 8", dict(retry_cnt=8)),
                       ("rnr_retry 8", dict(rnr_retry=8)),
                       ("max_rd_atomic 129", dict(max_rd_atomic=129))]:
        rc.check(qp, RTR, RTS, STATE | TO_RTS[RC], EINVAL,
                 "RC RTR->RTS, " + what, **over)
    rc.check(qp, RTR, RTS, STATE | TO_RTS[RC] | CUR_STATE, EINVAL,
             "RC RTR->RTS, cur_qp_state RTS (is RTR)", cur_qp_state=RTS)
    rc.check(qp, RTR, RTS, STATE | TO_RTS[RC] | CUR_STATE, 0,
             "RC RTR->RTS, cur_qp_state RTR", cur_qp_state=RTR)
    r, raw = d.query_qp(qp)
    got = struct.unpack_from("<IIII", raw, 88)   # rq_psn sq_psn dest_qp_num
    expect("QUERY_QP: rq_psn, sq_psn, dest_qp_num, path_mtu as set",
           r or (0 if got[:3] == (0x100, 0x200, rc.qpn) and raw[110] == 3
                 else errno.EIO), 0)
    rc.check(qp, RTS, ERR, STATE | CUR_STATE, EINVAL,
             "RC RTS->ERR, cur_qp_state INIT (is RTS)", cur_qp_state=INIT)
    rc.check(qp, RTS, ERR, STATE | PORT, EINVAL, "RC RTS->ERR, extra PORT")
    rc.check(qp, RTS, RESET, STATE | QKEY, EINVAL,
             "RC RTS->RESET, extra QKEY")
    rc.check(qp, RTS, RESET, STATE, 0)
    r, raw = d.query_qp(qp)
    got = struct.unpack_from("<IIII", raw, 88)
    expect("QUERY_QP after RESET: attributes forgotten, capacities kept",
           r or (0 if got == (0, 0, 0, 0) and raw[110] == 0 and
                 struct.unpack_from("<I", raw, 64)[0] >= 4 else errno.EIO), 0)
    d.destroy_qp(qp)

    # UD
    qp = ud.new()
    ud.check(qp, RESET, INIT, STATE | PKEY | PORT, EINVAL,
             "UD RESET->INIT, missing QKEY")
    ud.check(qp, RESET, INIT, STATE | TO_INIT[UD] | ACCESS, EINVAL,
             "UD RESET->INIT, extra ACCESS_FLAGS")
    ud.check(qp, RESET, INIT, STATE | TO_INIT[UD], 0,
             "UD RESET->INIT, QKEY 0x80000000 as root", qkey=0x80000000)
    ud.check(qp, INIT, RTR, STATE | AV, EINVAL, "UD INIT->RTR, extra AV")
    ud.check(qp, INIT, RTR, STATE | DEST_QPN, EINVAL,
             "UD INIT->RTR, extra DEST_QPN")
    ud.check(qp, INIT, RTR, STATE, 0)
    ud.check(qp, RTR, RTS, STATE, EINVAL, "UD RTR->RTS, missing SQ_PSN")
    ud.check(qp, RTR, RTS, STATE | SQ_PSN | TIMEOUT, EINVAL,
             "UD RTR->RTS, extra TIMEOUT")
    ud.check(qp, RTR, RTS, STATE | SQ_PSN, 0)
    d.destroy_qp(qp)
    expect("cleanup", d.destroy_cq(cq) or d.dealloc_pd(pd), 0)


def transitions(d, gid):
    print("QP state machine: every (state, next state) pair, RC and UD")
    info("SQE cannot be reached by MODIFY_QP: only transitions into it")
    r, pd = d.alloc_pd()
    r2, cq, _ = d.create_cq(cqe=256)
    expect("setup: PD, CQ", r or r2, 0)
    for t in (RC, UD):
        QpLab(d, pd, cq, gid, t).every_transition()
    expect("cleanup", d.destroy_cq(cq) or d.dealloc_pd(pd), 0)


def memory(d):
    print("MR memory")
    r, pd = d.alloc_pd()
    expect("setup: PD", r, 0)
    expect("REG_MR over an unmapped range",
           d.reg_mr(pd, unmapped(16 * PAGE), 16 * PAGE)[0], EFAULT)
    expect("REG_MR at 0x1000", d.reg_mr(pd, 0x1000, PAGE)[0], EFAULT)
    r, ro = mmap(4 * PAGE, PROT_READ)
    expect("REG_MR LOCAL_WRITE over read-only memory",
           d.reg_mr(pd, ro, 4 * PAGE, LOCAL_WRITE)[0], EFAULT)
    r, mr = d.reg_mr(pd, ro, 4 * PAGE, REMOTE_READ)
    expect("REG_MR REMOTE_READ over read-only memory", r, 0)
    if mr is not None:
        d.dereg_mr(mr)
    munmap(ro, 4 * PAGE)
    r, mem = mmap(4 * PAGE)
    expect("REG_MR length 4 GiB + 1",
           d.reg_mr(pd, mem, (1 << 32) + 1)[0], EINVAL)
    expect("REG_MR length 0", d.reg_mr(pd, mem, 0)[0], EINVAL)
    expect("REG_MR past the end of the address space",
           d.reg_mr(pd, 0xfffffffffffff000, 0x2000)[0], EINVAL)
    expect("REG_MR beyond the user address space",
           d.reg_mr(pd, 0xffff800000000000, PAGE)[0], EINVAL)
    expect("REG_MR start offset 0x10, hca_va offset 0x20",
           d.reg_mr(pd, mem + 0x10, PAGE, hca_va=0x1000020)[0], EINVAL)
    r, mr = d.reg_mr(pd, mem + 0x10, PAGE, hca_va=0x1000010)
    expect("REG_MR start offset 0x10, hca_va offset 0x10", r, 0)
    expect("REREG_MR to an unmapped range",
           d.rereg_mr(mr, 1, unmapped(PAGE), PAGE), EFAULT)
    expect("DEREG_MR: the old registration stayed", d.dereg_mr(mr), 0)
    munmap(mem, 4 * PAGE)
    expect("cleanup", d.dealloc_pd(pd), 0)


def busy(d, gid, mem):
    print("destroying objects in use")
    r, pd = d.alloc_pd()
    r1, mr = d.reg_mr(pd, mem, PAGE)
    expect("setup: PD, MR", r or r1, 0)
    expect("DEALLOC_PD of a PD with an MR", d.dealloc_pd(pd), EBUSY)
    r, mr2 = d.reg_mr(pd, mem, 2 * PAGE)
    expect("the PD still works: REG_MR", r, 0)
    expect("DEREG_MR both", d.dereg_mr(mr) or d.dereg_mr(mr2), 0)
    r, mw = d.alloc_mw(pd)
    expect("ALLOC_MW", r, 0)
    expect("DEALLOC_PD of a PD with an MW", d.dealloc_pd(pd), EBUSY)
    expect("DEALLOC_MW", d.dealloc_mw(mw), 0)
    r, ah = d.create_ah(pd, gid)
    expect("CREATE_AH", r, 0)
    expect("DEALLOC_PD of a PD with an AH", d.dealloc_pd(pd), EBUSY)
    expect("DESTROY_AH", d.destroy_ah(ah), 0)

    r, scq, _ = d.create_cq()
    r1, rcq, _ = d.create_cq()
    r2, srq = d.create_srq(pd)
    r3, qp, _ = d.create_qp(pd, scq, rcq, RC, srq=srq)
    expect("CREATE_CQ x2, CREATE_SRQ, CREATE_QP on them", r or r1 or r2 or r3,
           0)
    expect("DEALLOC_PD of a PD with a QP and an SRQ", d.dealloc_pd(pd), EBUSY)
    expect("DESTROY_CQ of a QP's send CQ", d.destroy_cq(scq), EBUSY)
    expect("DESTROY_CQ of a QP's receive CQ", d.destroy_cq(rcq), EBUSY)
    expect("DESTROY_SRQ of an SRQ with a QP", d.destroy_srq(srq), EBUSY)
    r, mr = d.reg_mr(pd, mem, PAGE)
    expect("the PD still works: REG_MR", r, 0)
    expect("the CQ still works: REQ_NOTIFY_CQ", d.req_notify_cq(scq), 0)
    expect("the SRQ still works: QUERY_SRQ", d.query_srq(srq), 0)
    expect("DEREG_MR", d.dereg_mr(mr), 0)
    expect("DESTROY_QP", d.destroy_qp(qp), 0)
    expect("DESTROY_SRQ", d.destroy_srq(srq), 0)
    expect("DESTROY_CQ (send)", d.destroy_cq(scq), 0)
    expect("DESTROY_CQ (receive)", d.destroy_cq(rcq), 0)
    expect("DEALLOC_PD, nothing on it", d.dealloc_pd(pd), 0)


def rings(d):
    print("mmap of queue rings")
    r, cq, (off, size) = d.create_cq(cqe=256)
    r2, cq2, (off2, size2) = d.create_cq(cqe=256)
    expect("setup: CQ x2", r or r2, 0)
    info("CQ ring at offset %#x, %d bytes; next %#x" % (off, size, off2))
    top = max(off, off2) + max(size, size2)
    rw = PROT_READ | PROT_WRITE
    expect("mmap offset 0 (unknown)", mmap(size, rw, MAP_SHARED, d.fd, 0)[0],
           EINVAL)
    expect("mmap offset past every ring (unknown)",
           mmap(size, rw, MAP_SHARED, d.fd, top + 16 * PAGE)[0], EINVAL)
    expect("mmap one page into the ring (unknown offset)",
           mmap(PAGE, rw, MAP_SHARED, d.fd, off + PAGE)[0], EINVAL)
    expect("mmap MAP_PRIVATE", mmap(size, rw, MAP_PRIVATE, d.fd, off)[0],
           EINVAL)
    expect("mmap a page longer than the ring",
           mmap(size + PAGE, rw, MAP_SHARED, d.fd, off)[0], EINVAL)
    r, a = mmap(size, rw, MAP_SHARED, d.fd, off)
    expect("mmap the ring", r, 0)
    expect("mmap the same offset again",
           mmap(size, rw, MAP_SHARED, d.fd, off)[0], EINVAL)
    r, b = mmap(PAGE, rw, MAP_SHARED, d.fd, off2)
    expect("mmap the first page of the other ring", r, 0)
    if a is not None:
        head = ctypes.string_at(a, 8)
        # struct rxe_queue_buf: log2_elem_size, index_mask (512 slots)
        expect("ring header: index_mask 511",
               0 if struct.unpack("<II", head)[1] == 511 else errno.EIO, 0)
    r, cq3, (off3, size3) = d.create_cq(cqe=256)
    expect("DESTROY_CQ x3 (the third never mapped)",
           r or d.destroy_cq(cq) or d.destroy_cq(cq2) or d.destroy_cq(cq3), 0)
    expect("mmap the destroyed CQ's ring that was never mapped",
           mmap(size3, rw, MAP_SHARED, d.fd, off3)[0], EINVAL)
    if a is not None:
        ctypes.memmove(a + 256, b"\1\2\3\4", 4)    # consumer index
        expect("the mapped ring still usable after DESTROY_CQ",
               0 if ctypes.string_at(a, 8) == head else errno.EIO, 0)
        munmap(a, size)
    if b is not None:
        munmap(b, PAGE)


def post_send(d, gid):
    print("POST_SEND")
    r, pd = d.alloc_pd()
    r2, cq, _ = d.create_cq()
    expect("setup: PD, CQ", r or r2, 0)
    lab = QpLab(d, pd, cq, gid, RC)
    qp = lab.new()
    expect("POST_SEND wr_count 1", d.post_send(qp, 1), EOPNOTSUPP)
    expect("POST_SEND sge_count 1", d.post_send(qp, 0, 1), EOPNOTSUPP)
    expect("POST_SEND 8 non-zero bytes past the request",
           d.post_send(qp, extra=struct.pack("<Q", 3)), EOPNOTSUPP)
    expect("POST_SEND on a RESET QP", d.post_send(qp), EINVAL)
    lab.drive(qp, RTR)
    expect("POST_SEND on an RTR QP", d.post_send(qp), EINVAL)
    lab.check(qp, RTR, RTS, STATE | TO_RTS[RC], 0)
    expect("POST_SEND on an RTS QP (the doorbell)", d.post_send(qp), 0)
    expect("cleanup", d.destroy_qp(qp) or d.destroy_cq(cq) or
           d.dealloc_pd(pd), 0)


def rereg_to_younger_pd(devnode, mem):
    """REREG_MR moving an MR to a PD created after it, then close: the
    teardown (newest first) must still destroy the MR before that PD (a
    use-after-free the fuzzer found, seen by KASAN on the debug kernel)."""
    d = Dev(devnode)
    expect("GET_CONTEXT (rereg to a younger PD)", d.get_context(), 0)
    pd1 = d.alloc_pd()[1]
    r, mr = d.reg_mr(pd1, mem, PAGE)
    pd2 = d.alloc_pd()[1]
    expect("REREG_MR to a younger PD", d.rereg_mr(mr, 2, pd=pd2), 0)
    expect("DEALLOC_PD of the new PD of the MR", d.dealloc_pd(pd2), EBUSY)
    expect("DEALLOC_PD of its old PD", d.dealloc_pd(pd1), 0)
    d.close()
    print("  close with the MR on the younger PD: ok")


def before_context(devnode, mem):
    print("before GET_CONTEXT")
    d = Dev(devnode)
    expect("CREATE_CQ before GET_CONTEXT", d.create_cq()[0], EINVAL)
    expect("REG_MR before GET_CONTEXT", d.reg_mr(0, mem, PAGE)[0], EINVAL)
    expect("DEALLOC_PD before GET_CONTEXT", d.dealloc_pd(0), EINVAL)
    d.close()


def unprivileged(devnode, gid):
    print("without privileges (uid %d, RLIMIT_MEMLOCK %d)"
          % (os.geteuid(), resource.getrlimit(resource.RLIMIT_MEMLOCK)[0]))
    with open("/proc/self/status") as f:
        capeff = [l.split()[1] for l in f if l.startswith("CapEff:")][0]
    expect("not root, no capabilities, RLIMIT_MEMLOCK 64 KiB",
           0 if os.geteuid() != 0 and int(capeff, 16) == 0 and
           resource.getrlimit(resource.RLIMIT_MEMLOCK)[0] == 64 << 10
           else errno.EIO, 0)
    d = Dev(devnode)
    expect("GET_CONTEXT", d.get_context(), 0)
    r, pd = d.alloc_pd()
    r2, cq, _ = d.create_cq()
    expect("setup: PD, CQ", r or r2, 0)
    ud = QpLab(d, pd, cq, gid, UD)
    qp = ud.new()
    ud.check(qp, RESET, INIT, STATE | TO_INIT[UD], EPERM,
             "UD RESET->INIT, QKEY 0x80000000 without CAP_NET_RAW",
             qkey=0x80000000)
    ud.check(qp, RESET, INIT, STATE | TO_INIT[UD], EPERM,
             "UD RESET->INIT, QKEY 0xffffffff without CAP_NET_RAW",
             qkey=0xffffffff)
    ud.check(qp, RESET, INIT, STATE | TO_INIT[UD], 0,
             "UD RESET->INIT, QKEY 0x7fffffff", qkey=0x7fffffff)
    ud.check(qp, INIT, INIT, STATE | QKEY, EPERM,
             "UD INIT->INIT, QKEY 0x80000001 without CAP_NET_RAW",
             qkey=0x80000001)
    expect("DESTROY_QP", d.destroy_qp(qp), 0)

    r, big = mmap(1 << 20)
    expect("REG_MR 1 MiB beyond RLIMIT_MEMLOCK 64 KiB",
           d.reg_mr(pd, big, 1 << 20)[0], ENOMEM)
    r, mr = d.reg_mr(pd, big, 32 << 10)
    expect("REG_MR 32 KiB within RLIMIT_MEMLOCK", r, 0)
    expect("REG_MR another 64 KiB: beyond the limit with the first",
           d.reg_mr(pd, big + (64 << 10), 64 << 10)[0], ENOMEM)
    expect("DEREG_MR", d.dereg_mr(mr), 0)
    r, mr = d.reg_mr(pd, big, 64 << 10)
    expect("REG_MR 64 KiB after the first is given back", r, 0)
    expect("DEREG_MR", d.dereg_mr(mr), 0)
    munmap(big, 1 << 20)
    expect("cleanup", d.destroy_cq(cq) or d.dealloc_pd(pd), 0)
    d.close()


def main():
    devnode = sys.argv[1]
    gid = gid_of(devnode, 1)
    info("GID 1: %s; GID 15 empty: %s" % (
        gid.hex(), gid_of(devnode, 15) == bytes(16)))
    if len(sys.argv) > 2 and sys.argv[2] == "--unpriv":
        unprivileged(devnode, gid)
        return
    r, mem = mmap(64 * PAGE)
    ctypes.memset(mem, 0x5a, 64 * PAGE)
    before_context(devnode, mem)
    d = Dev(devnode)
    expect("GET_CONTEXT", d.get_context(), 0)
    d2 = Dev(devnode)
    expect("GET_CONTEXT on a second fd", d2.get_context(), 0)
    handles(d, d2, gid, mem)
    buffers(d, gid, mem)
    flags(d, gid, mem)
    memory(d)
    busy(d, gid, mem)
    rings(d)
    post_send(d, gid)
    qp_values(d, gid)
    transitions(d, gid)
    rereg_to_younger_pd(devnode, mem)
    d2.close()
    d.close()
    munmap(mem, 64 * PAGE)
    print("  close: ok")


if __name__ == "__main__":
    main()
    sys.exit(1 if failed() else 0)
