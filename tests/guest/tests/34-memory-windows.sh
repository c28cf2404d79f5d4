# Memory windows (tests/progs/mw.c) on one device, two RC QPs connected
# to each other: type 2 bind (IBV_WR_BIND_MW), RDMA write/read through the
# window byte for byte, access past the window (remote access error), the
# MR's own rkey without remote access, local invalidate and access through
# the invalidated window, a bind past the MR (MW bind error), a type 1
# bind through ibv_bind_mw and access through it, dealloc of a bound type
# 2 window and access through its old rkey. Run on rxe_lite, then the same
# program on Linux's rdma_rxe (never both loaded at once: they would fight
# over "rdma link add ... type rxe"); the two outputs must be identical,
# and equal to the expected lines below.
source "$LITE_ROOT/tests/guest/lib.sh"

veth_pair veth0 veth1 10.0.0.1/24 10.0.0.2/24
out=${LITE_GUEST_OUT:-/tmp}/34-memory-windows
mkdir -p "$out"

load_all
rdma link add rxe0 type rxe netdev veth0
wait_for 5 grep -q ffff:0a00:0001 /sys/class/infiniband/rxe0/ports/1/gids/1 ||
	fail "no IPv4 GID on rxe0 (rxe_lite)"
timeout 60 "$PROGS/mw" rxe0 1 > "$out/lite.txt" 2>&1
rc=$?
cat "$out/lite.txt"
[ $rc = 0 ] || fail "mw on rxe_lite: rc $rc"
unload_all

modprobe rdma_rxe && modprobe ib_uverbs || fail "cannot load Linux's rdma_rxe"
rdma link add rxe0 type rxe netdev veth0
wait_for 5 grep -q ffff:0a00:0001 /sys/class/infiniband/rxe0/ports/1/gids/1 ||
	fail "no IPv4 GID on rxe0 (Linux rxe)"
timeout 60 "$PROGS/mw" rxe0 1 > "$out/linux.txt" 2>&1
rc=$?
cat "$out/linux.txt"
rdma link delete rxe0
modprobe -r rdma_rxe
[ $rc = 0 ] || fail "mw on Linux rxe: rc $rc"

diff -u "$out/linux.txt" "$out/lite.txt" || fail "rxe_lite differs from Linux rxe"
