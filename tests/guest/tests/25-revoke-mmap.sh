# Mapped rings after a revoke (tests/progs/revoke_mmap.c): an unmodified
# libibverbs process with CQ, SRQ and QP rings mapped, one ring's VMA split
# by mprotect, another cut by a partial munmap, and a forked child holding
# the mappings; after the unbind every page reads and writes (no SIGBUS),
# the split and cut behave as plain memory, mmap() of the old fd fails
# with ENODEV, destroys and close return 0, and the child still uses the
# rings after the parent closed everything. Then 8 processes that exit
# (with their contexts and mappings open) around the moment of an unbind:
# the unbind stays bounded. Nothing is left over, and a fresh
# ibv_rc_pingpong passes on the device.
source "$LITE_ROOT/tests/guest/lib.sh"

veth_pair veth0 veth1 10.0.0.1/24 10.0.0.2/24
load_all
rdma link add rxe0 type rxe netdev veth0
aux=$(aux_dev_of rxe0)
fifo=/tmp/revoke_mmap.fifo
rm -f "$fifo"
mkfifo "$fifo"

"$PROGS/revoke_mmap" rxe0 < "$fifo" > /tmp/revoke_mmap.log 2>&1 &
pid=$!
exec 7> "$fifo"
wait_for $((10 * ${LITE_SLOW_FACTOR:-1})) grep -q '^ready' /tmp/revoke_mmap.log ||
	{ cat /tmp/revoke_mmap.log; fail "revoke_mmap did not get ready"; }
t0=$(now_ms)
echo "$aux" > $AUX_DRV/unbind
ms=$(( $(now_ms) - t0 ))
(( ms < REMOVAL_LIMIT_MS )) || fail "unbind took $ms ms"
echo go >&7
exec 7>&-
rc=0
wait "$pid" || rc=$?
sed 's/^/  | /' /tmp/revoke_mmap.log
(( rc == 0 )) || fail "revoke_mmap: exit status $rc"
log "unbind with rings mapped: $ms ms"
echo "$aux" > $AUX_DRV/bind
wait_for 10 grep -q ffff:0a00:0001 /sys/class/infiniband/rxe0/ports/1/gids/1

# Processes exiting while the revoke runs.
for round in 1 2 3; do
	pids=()
	for i in 1 2 3 4 5 6 7 8; do
		"$PROGS/revoke_mmap" -x rxe0 $((RANDOM % 300)) > /dev/null 2>&1 &
		pids+=($!)
	done
	sleep "0.$((RANDOM % 3))"
	aux=$(aux_dev_of rxe0)
	t0=$(now_ms)
	echo "$aux" > $AUX_DRV/unbind
	ms=$(( $(now_ms) - t0 ))
	(( ms < REMOVAL_LIMIT_MS )) || fail "round $round: unbind took $ms ms"
	for p in "${pids[@]}"; do
		wait "$p" || true	# setup may fail once the device is gone
	done
	log "round $round: unbind while 8 processes exit: $ms ms"
	echo "$aux" > $AUX_DRV/bind
	wait_for 10 grep -q ffff:0a00:0001 /sys/class/infiniband/rxe0/ports/1/gids/1
done
pingpong_ok rxe0
rdma link delete rxe0
show_objects
expect_objects_zero
