#!/usr/bin/env python3
"""Decode the RoCEv2 packets of a pcap file, one line each, and check every
ICRC independently of both stacks. For the capture run-interop.sh writes
with LITE_INTEROP_PCAP=1 (no tcpdump or wireshark needed):

    tools/guest/roce-pcap.py build/interop-out/a.pcap | less

Each line: time (s from the first frame), source -> destination, UDP
source port, IP TTL, opcode, destination QP, AckReq, PSN, the bytes
between the BTH and the ICRC (extension headers + payload + pad), the AETH
of acknowledgements (syndrome 1f = ACK, 2x/3x = RNR NAK, 60 = NAK PSN
sequence error, 61-63 = other NAKs) and "icrc-ok" or "ICRC-BAD(got vs
computed)". Ethernet + IPv4 only.
"""
import signal
import struct
import sys
import zlib

OPS = {
    0x00: "SEND_FIRST", 0x01: "SEND_MIDDLE", 0x02: "SEND_LAST",
    0x03: "SEND_LAST_IMM", 0x04: "SEND_ONLY", 0x05: "SEND_ONLY_IMM",
    0x06: "WRITE_FIRST", 0x07: "WRITE_MIDDLE", 0x08: "WRITE_LAST",
    0x09: "WRITE_LAST_IMM", 0x0a: "WRITE_ONLY", 0x0b: "WRITE_ONLY_IMM",
    0x0c: "READ_REQ", 0x0d: "RRESP_FIRST", 0x0e: "RRESP_MIDDLE",
    0x0f: "RRESP_LAST", 0x10: "RRESP_ONLY", 0x11: "ACK", 0x12: "ATOMIC_ACK",
    0x13: "CMP_SWAP", 0x14: "FETCH_ADD", 0x16: "SEND_LAST_INV",
    0x17: "SEND_ONLY_INV",
    0x64: "UD_SEND_ONLY", 0x65: "UD_SEND_ONLY_IMM",
}
AETH_OPS = (0x0d, 0x0f, 0x10, 0x11, 0x12)


def icrc(ip, udp):
    """RoCEv2 ICRC (IBTA annex A17): CRC32 over 8 bytes of ones (the masked
    LRH), the IPv4 header with TOS, TTL and checksum masked to ones, the
    UDP header with its checksum masked, the BTH with resv8a masked, and
    the rest up to (not including) the ICRC."""
    ip = bytearray(ip)
    ip[1] = 0xff
    ip[8] = 0xff
    ip[10:12] = b"\xff\xff"
    u = bytearray(udp)
    u[6:8] = b"\xff\xff"
    u[8 + 4] = 0xff
    return zlib.crc32(b"\xff" * 8 + bytes(ip) + bytes(u)) & 0xffffffff


def main(path):
    with open(path, "rb") as f:
        magic = f.read(24)[:4]
        endian = "<" if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
        t0 = None
        while True:
            hdr = f.read(16)
            if len(hdr) < 16:
                break
            sec, frac, incl, _ = struct.unpack(endian + "IIII", hdr)
            d = f.read(incl)
            t = sec + frac / 1e6
            t0 = t if t0 is None else t0
            if d[12:14] != b"\x08\x00":
                continue
            ihl = (d[14] & 15) * 4
            ip = d[14:14 + ihl]
            if ip[9] != 17:
                continue
            tot = struct.unpack(">H", ip[2:4])[0]
            udp = d[14 + ihl:14 + tot]
            sport, dport = struct.unpack(">HH", udp[:4])
            if dport != 4791 or len(udp) < 8 + 12 + 4:
                continue
            bth = udp[8:20]
            op = bth[0]
            dqp = int.from_bytes(bth[5:8], "big")
            ackreq = bth[8] >> 7
            psn = int.from_bytes(bth[9:12], "big")
            extra = ""
            if op in AETH_OPS:
                extra = " AETH syn=%02x msn=%d" % (udp[20], int.from_bytes(udp[21:24], "big"))
            got = struct.unpack("<I", udp[-4:])[0]
            calc = icrc(ip, udp[:-4])
            ok = "icrc-ok" if got == calc else "ICRC-BAD(%08x vs %08x)" % (got, calc)
            print("%9.4f %s->%s sp=%5d ttl=%3d %-14s dqp=%#x ack=%d psn=%#08x len=%d%s %s" % (
                t - t0, ".".join(map(str, ip[12:16])), ".".join(map(str, ip[16:20])),
                sport, ip[8], OPS.get(op, hex(op)), dqp, ackreq, psn,
                len(udp) - 8 - 12 - 4, extra, ok))


if __name__ == "__main__":
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)   # | head
    if len(sys.argv) != 2:
        sys.exit("usage: roce-pcap.py FILE.pcap")
    main(sys.argv[1])
