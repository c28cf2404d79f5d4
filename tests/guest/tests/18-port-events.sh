# Port events reach the async fd of every user context: PORT_ERR when the
# netdev goes down, PORT_ACTIVE when it comes back, GID_CHANGE when an
# address comes or goes; element = the port number (1).
source "$LITE_ROOT/tests/guest/lib.sh"

veth_pair veth0 veth1 10.0.0.1/24 10.0.0.2/24
load_all
rdma link add rxe0 type rxe netdev veth0
uv=$(uverbs_of rxe0)

python3 - "/dev/infiniband/$uv" <<'PY' || fail "port events"
import ctypes, os, select, struct, subprocess, sys

def get_context(fd):
    resp = ctypes.create_string_buffer(8)
    os.write(fd, struct.pack("<IHHQ", 0, 4, 2, ctypes.addressof(resp)))
    return struct.unpack_from("<I", resp.raw)[0]

def next_event(afd):
    r, _, _ = select.select([afd], [], [], 5)
    if not r:
        sys.exit("no event within 5 s")
    element, etype, _ = struct.unpack("<QII", os.read(afd, 16))
    return element, etype

# Two contexts: both get every event.
fds = [os.open(sys.argv[1], os.O_RDWR) for _ in range(2)]
afds = [get_context(fd) for fd in fds]

def expect(what, want, cmd):
    subprocess.run(cmd, shell=True, check=True)
    for afd in afds:
        got = next_event(afd)
        # A link flap may also change the GID table (IPv6 addresses).
        while want != GID_CHANGE and got == (1, GID_CHANGE):
            got = next_event(afd)
        print("  %-28s element %d type %d" % (what, got[0], got[1]))
        if got != (1, want):
            sys.exit("%s: got %s, want (1, %d)" % (what, got, want))

PORT_ACTIVE, PORT_ERR, GID_CHANGE = 9, 10, 18
expect("link down", PORT_ERR, "ip link set veth0 down")
expect("link up", PORT_ACTIVE, "ip link set veth0 up")
expect("address added", GID_CHANGE, "ip addr add 10.0.1.1/24 dev veth0")
expect("address removed", GID_CHANGE, "ip addr del 10.0.1.1/24 dev veth0")
for fd in fds + afds:
    os.close(fd)
PY
expect_objects_zero
