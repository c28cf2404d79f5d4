"""Raw write() commands on /dev/infiniband/uverbsN, and one printed line
per errno check. Shared by abi_errors.py and verbs_errors.py; importing it
has no side effects.

Every check goes through expect(); failed() says whether any of them did.
"""
import ctypes
import errno
import os
import struct

EXTENDED = 0x80000000
_failures = 0


def buf(n):
    """A zeroed n-byte buffer and its address (for response pointers)."""
    b = ctypes.create_string_buffer(n)
    return b, ctypes.addressof(b)


def _write(fd, msg):
    try:
        n = os.write(fd, msg)
        assert n == len(msg), "short write %d of %d" % (n, len(msg))
        return 0
    except OSError as e:
        return e.errno


def cmd(fd, command, payload, out_words, in_words=None):
    """Write header + payload; return 0 or the errno."""
    data = payload
    if in_words is None:
        in_words = (8 + len(data)) // 4
    msg = struct.pack("<IHH", command, in_words, out_words) + data
    return _write(fd, msg)


def ex_cmd(fd, command, core, response, out_words, driver=b"",
           provider_out_words=0, in_words=None, provider_in_words=None,
           reserved=0):
    """An extended command: header, extended header, core request, driver
    data. Word counts are in 8-byte words and default to the lengths of
    core and driver. Returns 0 or the errno."""
    if in_words is None:
        in_words = len(core) // 8
    if provider_in_words is None:
        provider_in_words = len(driver) // 8
    msg = (struct.pack("<IHH", command | EXTENDED, in_words, out_words) +
           struct.pack("<QHHI", response, provider_in_words,
                       provider_out_words, reserved) + core + driver)
    return _write(fd, msg)


def errno_of(fn, *args):
    """0 if fn(*args) succeeds, else its OSError's errno."""
    try:
        fn(*args)
        return 0
    except OSError as e:
        return e.errno


def errname(e):
    return errno.errorcode.get(e, str(e)) if e else "0"


def expect(what, got, want):
    """Print one check line; returns whether got == want."""
    global _failures
    ok = got == want
    print("  %-58s %-10s %s" % (what, errname(got),
                                "ok" if ok else "WANT " + errname(want)))
    _failures += not ok
    return ok


def failed():
    """Whether any expect() so far failed."""
    return _failures != 0
