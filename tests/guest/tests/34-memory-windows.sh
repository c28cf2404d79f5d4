# Memory windows (tests/progs/mw.c) on one device, two RC QPs connected
# to each other: type 2 bind (IBV_WR_BIND_MW), RDMA write/read through the
# window byte for byte, access past the window (remote access error), the
# MR's own rkey without remote access, local invalidate and access through
# the invalidated window, a bind past the MR (MW bind error), a type 1
# bind through ibv_bind_mw and access through it, dealloc of a bound type
# 2 window and access through its old rkey. Run on rxe_lite, then the same
# program on Linux's rdma_rxe (never both loaded at once: they would fight
# over "rdma link add ... type rxe"); both outputs must equal the expected
# lines below, but for one intentional difference: Linux 6.1's rxe checks
# the range of an access through a window against the MR, not the window
# (rxe_resp.c check_rkey: mr_check_range() only; rxe_lookup_mw() checks
# no range), so "write past mw2" succeeds there; IBTA 10.6.7.2.3 (and
# rxe_lite) answer with a remote access error.
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

# The debug kernel of make check-debug builds no RDMA modules of its own:
# there the comparison with Linux's rxe is left to the stock run.
linux=0
if modinfo rdma_rxe > /dev/null 2>&1; then
	linux=1
	modprobe rdma_rxe && modprobe ib_uverbs || fail "cannot load Linux's rdma_rxe"
	rdma link add rxe0 type rxe netdev veth0
	wait_for 5 grep -q ffff:0a00:0001 /sys/class/infiniband/rxe0/ports/1/gids/1 ||
		fail "no IPv4 GID on rxe0 (Linux rxe)"
	timeout 60 "$PROGS/mw" rxe0 1 > "$out/linux.txt" 2>&1
	rc=$?
	cat "$out/linux.txt"
	rdma link delete rxe0
	# Linux's ib_core owns /sys/class/infiniband: unload the whole stack, or
	# the next suite's ib_core_lite cannot register its class.
	modprobe -r rdma_rxe ib_uverbs
	modprobe -r ib_core
	[ $rc = 0 ] || fail "mw on Linux rxe: rc $rc"
else
	log "no rdma_rxe module in this kernel: rxe_lite's output checked alone"
fi

expected() {
	cat <<'EOT'
bind type2: status=success opcode=5
write via mw2: status=success opcode=1 data=ok
read via mw2: status=success opcode=2 data=ok
write past mw2: status=PAST
write via mr rkey without remote access: status=remote access error
local inv mw2: status=success opcode=6
write via invalidated mw2: status=remote access error
bind type2 past mr: status=memory management operation error
bind type1: status=success opcode=5
write via mw1: status=success opcode=1 data=ok
read via mw1: status=success opcode=2 data=ok
rebind type2: status=success opcode=5
dealloc bound type2: ok
read via deallocated mw2: status=remote access error
done
EOT
}
expected | sed 's/status=PAST/status=remote access error/' > "$out/lite.exp"
expected | sed 's/status=PAST/status=success opcode=1 data=ok/' > "$out/linux.exp"
diff -u "$out/lite.exp" "$out/lite.txt" || fail "rxe_lite: unexpected output"
if ((linux)); then
	diff -u "$out/linux.exp" "$out/linux.txt" ||
		fail "Linux rxe: unexpected output"
fi
