# 20 load/unload cycles (5 under check-debug) of both modules, each with a
# link added and deleted: no splat (checked by the runner), module
# refcounts back to 0.
source "$LITE_ROOT/tests/guest/lib.sh"

veth_pair veth0 veth1
n=$(reps 20 5)
for i in $(seq $n); do
	insmod "$KO_CORE"
	insmod "$KO_RXE"
	rdma link add rxe0 type rxe netdev veth0
	[[ -d /sys/class/infiniband/rxe0 ]] || fail "cycle $i: rxe0 missing"
	rdma link delete rxe0
	[[ ! -e /sys/class/infiniband/rxe0 ]] || fail "cycle $i: rxe0 stays"
	expect_eq "cycle $i rxe_lite refcnt" "$(modref rxe_lite)" 0
	# The only user of the core is rxe_lite's symbol dependency.
	expect_eq "cycle $i ib_core_lite refcnt" "$(modref ib_core_lite)" 1
	expect_eq "cycle $i holders" "$(ls /sys/module/ib_core_lite/holders)" rxe_lite
	rmmod rxe_lite
	expect_eq "cycle $i ib_core_lite refcnt after rmmod" "$(modref ib_core_lite)" 0
	rmmod ib_core_lite
	[[ ! -e /sys/module/ib_core_lite ]] || fail "cycle $i: core still loaded"
	[[ ! -e /sys/class/infiniband ]] || fail "cycle $i: class infiniband stays"
	[[ ! -e /sys/class/infiniband_verbs ]] || fail "cycle $i: class infiniband_verbs stays"
done
log "$n cycles"
