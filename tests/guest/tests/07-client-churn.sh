# A test client registers and unregisters in a loop (lite_test_client's
# kthread) while devices are added and removed in another loop, for 30 s
# and at least 6 device cycles (2 under check-debug; the kthread runs
# until the test stops it),
# and unmodified ibv_rc_pingpong pairs run on both devices (traffic_loop),
# so that most removals revoke open user contexts while the client
# registry changes: every add has exactly one remove, clients keep
# registration order, no deadlock, no application hangs, nothing is left
# over, no splat.
source "$LITE_ROOT/tests/guest/lib.sh"

secs=${LITE_CHURN_SECS:-30}
min_cycles=$(reps 6 2)
veth_pair veth0 veth1 10.0.0.1/24 10.0.0.2/24
load_all
debugfs_on
stop=/tmp/churn.stop
rm -f "$stop"*
traffic_loop rxe0 "$stop" 18515 &
tl0=$!
traffic_loop rxe1 "$stop.1" 18516 &
tl1=$!
# The kthread's own limit is a safety net; the loop below stops it.
insmod "$KO_TEST" duration_ms=3600000
P=/sys/module/lite_test_client/parameters

cycles=0 start=$(now_ms) max=0
while (( $(now_ms) - start < secs * 1000 || cycles < min_cycles )); do
	t0=$(now_ms)
	rdma link add rxe0 type rxe netdev veth0
	rdma link add rxe1 type rxe netdev veth1
	# Let traffic start on them (mostly), so removals revoke contexts:
	# wait for an open uverbs file (the core's counter; a scan of
	# /proc/*/fd takes seconds on the debug kernel).
	wait_for 2 grep -q '^ufile [1-9]' /sys/kernel/debug/ib_core_lite/objects || true
	sleep "0.$((RANDOM % 4))"
	rdma link delete rxe0
	# Exercise the other removal paths too.
	if (( cycles % 2 )); then
		echo "$(aux_dev_of rxe1)" > $AUX_DRV/unbind
		rdma link delete rxe1 2>/dev/null && fail "delete of an unbound link succeeded"
		rmmod rxe_lite
		insmod "$KO_RXE"
		wait_for 5 test -d /sys/class/infiniband/rxe1 || fail "rxe1 not rebound"
	fi
	rdma link delete rxe1
	cycles=$((cycles + 1))
	t0=$(( $(now_ms) - t0 ))
	(( t0 > max )) && max=$t0
	[[ "$(cat $P/done)" == 1 ]] && fail "the client loop ended before the device loop"
done
loop_ms=$(( $(now_ms) - start ))
echo 1 > $P/stop
wait_for 10 grep -qx 1 $P/done || fail "the client loop does not stop"
t1=$(now_ms)
traffic_stop "$stop" "$tl0"
traffic_stop "$stop.1" "$tl1"
log "traffic pairs started: rxe0 $(traffic_pairs $stop), rxe1 $(traffic_pairs $stop.1)"
log "device loop $loop_ms ms, client loop stopped in $(( t1 - start - loop_ms )) ms," \
    "traffic in $(( $(now_ms) - t1 )) ms"
adds=$(cat $P/adds) removes=$(cat $P/removes) rounds=$(cat $P/rounds)
log "device cycles=$cycles (longest $max ms) in $(( $(now_ms) - start )) ms," \
    "client rounds=$rounds adds=$adds removes=$removes"
expect_eq errors "$(cat $P/errors)" 0
expect_eq order_errors "$(cat $P/order_errors)" 0
expect_eq "adds == removes" "$adds" "$removes"
# Enough of both loops that they overlapped many times (the debug kernel
# is several times slower, so the floors are low and the run is long).
(( rounds > 100 )) || fail "only $rounds client rounds"
(( adds > 10 )) || fail "only $adds adds: the loops did not overlap"
rmmod lite_test_client
show_objects
expect_objects_zero
