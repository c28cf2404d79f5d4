# Nothing of a QP runs after its destroy (issue 14, defects 1 and 5), with
# tests/progs/qp_stress.c:
# 1. 1000 rounds of two RC QPs in RTS with unacknowledged RDMA WRITEs and
#    SENDs (RNR NAKs too) on a lossy wire path (drop_ppm 10%, loopback=0,
#    10 ms retransmission timeout), destroyed or closed with their context
#    0-15 ms after posting, in batches, with rmmod/insmod of rxe_lite
#    between batches: a retransmission timer or requester run left behind
#    would fire on freed memory or after the module went away (the debug
#    kernel's DEBUG_OBJECTS and KASAN report it; the runner fails on it).
# 2. A UD QP cycled RESET -> RTS -> RESET while datagrams with 2 SGEs flow
#    both ways: not one error completion, no QP in ERR (the datapath used
#    to read the capacities MODIFY_QP zeroes on RESET), loopback and wire.
# Object counters back to zero. check-debug runs fewer rounds.
source "$LITE_ROOT/tests/guest/lib.sh"

veth_pair veth0 veth1 10.0.0.1/24 10.0.0.2/24
load_all
rdma link add rxe0 type rxe netdev veth0
wait_for 5 grep -q ffff:0a00:0001 /sys/class/infiniband/rxe0/ports/1/gids/1 ||
	fail "no IPv4 GID on rxe0"
param=/sys/module/rxe_lite/parameters
debugfs_on

batches=$(reps 10 3)
per=$(reps 100 40)
start=$(now_ms)
for ((b = 1; b <= batches; b++)); do
	echo 0 > $param/loopback
	echo 100000 > $param/drop_ppm
	out=$("$PROGS/qp_stress" destroy rxe0 1 "$per") ||
		fail "batch $b: qp_stress destroy failed: $out"
	# The module goes away right after the last destroy returned.
	rmmod rxe_lite || fail "batch $b: rmmod rxe_lite failed"
	insmod "$KO_RXE" || fail "batch $b: insmod rxe_lite failed"
	wait_for 5 grep -q ffff:0a00:0001 /sys/class/infiniband/rxe0/ports/1/gids/1 ||
		fail "batch $b: rxe0 did not come back"
done
log "destroy: $((batches * per)) rounds in $batches batches, $(( $(now_ms) - start )) ms"
expect_objects_zero

rounds=$(reps 300 60)
for lb in 1 0; do
	echo "$lb" > $param/loopback
	echo 0 > $param/drop_ppm
	out=$("$PROGS/qp_stress" reset rxe0 1 "$rounds") ||
		fail "qp_stress reset (loopback=$lb) failed: $out"
	log "loopback=$lb: $out"
done
echo 1 > $param/loopback
expect_objects_zero
pingpong_ok rxe0 || fail "ibv_rc_pingpong after the rounds"
