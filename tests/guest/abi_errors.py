#!/usr/bin/env python3
"""Raw write() commands against /dev/infiniband/uverbsN: errno checks.

usage: abi_errors.py DEVNODE 'COMMAND THAT REMOVES THE DEVICE'
"""
import ctypes
import errno
import os
import struct
import subprocess
import sys

from uverbs_raw import EXTENDED, buf, cmd, errno_of, expect, failed

GET_CONTEXT, QUERY_DEVICE, QUERY_PORT = 0, 1, 2


dev, remove = sys.argv[1], sys.argv[2]
fd = os.open(dev, os.O_RDWR)
resp, resp_addr = buf(512)

expect("QUERY_PORT before GET_CONTEXT",
       cmd(fd, QUERY_PORT, struct.pack("<QB7x", resp_addr, 1), 10), errno.EINVAL)
expect("4-byte write", errno_of(os.write, fd, b"\0" * 4), errno.EINVAL)
expect("unknown command 200", cmd(fd, 200, b"\0" * 8, 0), errno.EOPNOTSUPP)
expect("unknown extended command", cmd(fd, EXTENDED | 77, b"\0" * 24, 0),
       errno.EOPNOTSUPP)
expect("reserved command bits", cmd(fd, 0x100 | GET_CONTEXT, b"\0" * 8, 2),
       errno.EOPNOTSUPP)
expect("in_words not matching the write length",
       cmd(fd, GET_CONTEXT, struct.pack("<Q", resp_addr), 2, in_words=6),
       errno.EINVAL)
expect("GET_CONTEXT with a short request",
       cmd(fd, GET_CONTEXT, b"\0" * 4, 2), errno.ENOSPC)
expect("GET_CONTEXT with a short response buffer",
       cmd(fd, GET_CONTEXT, struct.pack("<Q", resp_addr), 1), errno.ENOSPC)
expect("GET_CONTEXT with a bad response address",
       cmd(fd, GET_CONTEXT, struct.pack("<Q", 8), 2), errno.EFAULT)
expect("GET_CONTEXT with driver data rxe does not take",
       cmd(fd, GET_CONTEXT, struct.pack("<QQ", resp_addr, 1), 2), errno.EINVAL)
expect("GET_CONTEXT", cmd(fd, GET_CONTEXT, struct.pack("<Q", resp_addr), 2), 0)
async_fd, vectors = struct.unpack_from("<II", resp.raw)
print("  async_fd %d, num_comp_vectors %d" % (async_fd, vectors))
expect("second GET_CONTEXT on the same fd",
       cmd(fd, GET_CONTEXT, struct.pack("<Q", resp_addr), 2), errno.EINVAL)
expect("QUERY_PORT port 2",
       cmd(fd, QUERY_PORT, struct.pack("<QB7x", resp_addr, 2), 10), errno.EINVAL)
expect("QUERY_PORT with non-zero bytes past the request",
       cmd(fd, QUERY_PORT, struct.pack("<QB7xQ", resp_addr, 1, 5), 10),
       errno.EOPNOTSUPP)
expect("QUERY_PORT with zero bytes past the request",
       cmd(fd, QUERY_PORT, struct.pack("<QB7xQ", resp_addr, 1, 0), 10), 0)
ctypes.memset(resp_addr, 0xaa, 512)
expect("QUERY_PORT", cmd(fd, QUERY_PORT, struct.pack("<QB7x", resp_addr, 1), 12), 0)
state, link_layer = resp.raw[26], resp.raw[37]
tail = resp.raw[40:48]
print("  state %d, link_layer %d" % (state, link_layer))
expect("QUERY_PORT state ACTIVE(4), link layer Ethernet(2), tail zeroed",
       0 if (state, link_layer, tail) == (4, 2, b"\0" * 8) else errno.EIO, 0)
expect("QUERY_DEVICE", cmd(fd, QUERY_DEVICE, struct.pack("<Q", resp_addr), 44), 0)
ex = struct.pack("<QHHI", resp_addr, 0, 0, 0) + struct.pack("<II", 0, 0)
expect("EX_QUERY_DEVICE", cmd(fd, EXTENDED | QUERY_DEVICE, ex, 38, in_words=1), 0)
resp_len = struct.unpack_from("<I", resp.raw, 180)[0]
expect("EX_QUERY_DEVICE response_length == 304",
       0 if resp_len == 304 else errno.EIO, 0)
ex_bad = struct.pack("<QHHI", resp_addr, 0, 0, 1) + struct.pack("<II", 0, 0)
expect("EX_QUERY_DEVICE with cmd_hdr_reserved set",
       cmd(fd, EXTENDED | QUERY_DEVICE, ex_bad, 38, in_words=1), errno.EINVAL)
ex_mask = struct.pack("<QHHI", resp_addr, 0, 0, 0) + struct.pack("<II", 1, 0)
expect("EX_QUERY_DEVICE with an unknown comp_mask",
       cmd(fd, EXTENDED | QUERY_DEVICE, ex_mask, 38, in_words=1), errno.EINVAL)

ALLOC_PD, DEALLOC_PD = 3, 4


def alloc_pd(f):
    r = cmd(f, ALLOC_PD, struct.pack("<Q", resp_addr), 1)
    return r, struct.unpack_from("<I", resp.raw)[0]


r, pd1 = alloc_pd(fd)
expect("ALLOC_PD", r, 0)
r, pd2 = alloc_pd(fd)
expect("ALLOC_PD again: another handle", 0 if r == 0 and pd2 != pd1 else errno.EIO, 0)
expect("ALLOC_PD with driver data", cmd(fd, ALLOC_PD, struct.pack("<QQ", resp_addr, 7), 1),
       errno.EINVAL)
expect("DEALLOC_PD of an unknown handle", cmd(fd, DEALLOC_PD, struct.pack("<I", 999), 0),
       errno.EINVAL)
expect("DEALLOC_PD", cmd(fd, DEALLOC_PD, struct.pack("<I", pd2), 0), 0)
expect("DEALLOC_PD twice", cmd(fd, DEALLOC_PD, struct.pack("<I", pd2), 0), errno.EINVAL)
fd2 = os.open(dev, os.O_RDWR)
expect("GET_CONTEXT on a second fd", cmd(fd2, GET_CONTEXT, struct.pack("<Q", resp_addr), 2), 0)
async2 = struct.unpack_from("<I", resp.raw)[0]
expect("DEALLOC_PD of the first fd's handle on the second fd",
       cmd(fd2, DEALLOC_PD, struct.pack("<I", pd1), 0), errno.EINVAL)
os.close(async2)
os.close(fd2)

# Remove the device: the async fd yields DEVICE_FATAL, then ENODEV.
subprocess.run(remove, shell=True, check=True)
expect("QUERY_PORT after removal",
       cmd(fd, QUERY_PORT, struct.pack("<QB7x", resp_addr, 1), 10), errno.ENODEV)
expect("GET_CONTEXT after removal",
       cmd(fd, GET_CONTEXT, struct.pack("<Q", resp_addr), 2), errno.ENODEV)
expect("ALLOC_PD after removal", alloc_pd(fd)[0], errno.ENODEV)
expect("DEALLOC_PD after removal of a PD from before",
       cmd(fd, DEALLOC_PD, struct.pack("<I", pd1), 0), 0)
expect("DEALLOC_PD after removal, unknown handle",
       cmd(fd, DEALLOC_PD, struct.pack("<I", pd1), 0), errno.EINVAL)
try:
    ev = os.read(async_fd, 16)
    element, etype = struct.unpack("<QI4x", ev)
    got = 0 if (element, etype) == (0, 8) else errno.EIO
except OSError as e:
    got = e.errno
expect("async read: DEVICE_FATAL(8) with element 0", got, 0)
expect("async read with an 8-byte buffer", errno_of(os.read, async_fd, 8),
       errno.EINVAL)
expect("async read after DEVICE_FATAL", errno_of(os.read, async_fd, 16),
       errno.ENODEV)
os.close(async_fd)
os.close(fd)
print("  close: ok")
sys.exit(1 if failed() else 0)
