# The operator drills of issue 7, 10 cycles each (under check-debug 3 of
# the unbind drill, one per trigger, and 2 of the upgrade drill, there and
# back: an even count ends it on the 0.1 build):
# tools/drill-unbind.sh (unbind/bind, rdma link delete/add and a netdev
# down/up in turn)
# and tools/drill-upgrade.sh (rxe_lite swapped with the 0.1-alt build and
# back, under traffic) with rcstream traffic on rxe0. Each drill exits 0
# only with 0 messages lost, duplicated or corrupted, every recovery under
# 2 s (scaled by LITE_SLOW_FACTOR) and a clean kernel log; its report and
# PNG timeline are kept in the guest's out dir (drills/).
# timeout: 600
source "$LITE_ROOT/tests/guest/lib.sh"

out=${LITE_GUEST_OUT:-/tmp}/drills
n=$(reps 10 3) n_up=$(reps 10 2)
export DRILL_MAX_DOWN_MS=$((2000 * ${LITE_SLOW_FACTOR:-1}))
veth_pair veth0 veth1 10.0.0.1/24 10.0.0.2/24
load_all
rdma link add rxe0 type rxe netdev veth0
wait_for 10 grep -q ffff:0a00:0001 /sys/class/infiniband/rxe0/ports/1/gids/1

DRILL_OUT=$out/unbind "$LITE_ROOT/tools/drill-unbind.sh" -n "$n" -m mix ||
	fail "unbind drill (report above)"
# The builds of this run (check-debug has its own, for its kernel).
DRILL_OUT=$out/upgrade "$LITE_ROOT/tools/drill-upgrade.sh" -n "$n_up" -b "$KO_RXE" \
	-a "$MOD_ROOT/build/alt/drivers/rxe_lite/rxe_lite.ko" ||
	fail "upgrade drill (report above)"
[[ $(cat /sys/module/rxe_lite/version) == 0.1 ]] || fail "not back on the 0.1 build"
rdma link delete rxe0
show_objects
expect_objects_zero
