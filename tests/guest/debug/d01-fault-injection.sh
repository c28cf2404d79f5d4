# Fault injection on the debug kernel, scoped to our own code: 10% of the
# calls of our create paths marked ALLOW_ERROR_INJECTION (device
# allocation and registration, port sysfs, the uverbs client's add, link
# add, the driver's probe) fail, through fail_function. Every request must
# succeed or fail with a clean errno and leave nothing behind; the kernel
# log stays clean (checked by the runner) and kmemleak finds nothing
# (checked at the end of the run).
#
# failslab is not used: its task filter would also fail the 9p reads that
# load the rdma tool itself, which breaks the guest's root filesystem.
source "$LITE_ROOT/tests/guest/lib.sh"

D=/sys/kernel/debug
[[ -d $D/fail_function ]] || fail "no fail_function in this kernel"
rounds=${LITE_FAULT_ROUNDS:-200}

veth_pair veth0 veth1
load_all

# fail_function: our functions marked ALLOW_ERROR_INJECTION.
# Lines of "injectable" read "func [module] TYPE"; ERRNO functions fail
# with -ENOMEM (written as a 64-bit hex value), NULL ones return NULL.
funcs=$(grep -E '^_?(lite|rxe_lite)_' $D/fail_function/injectable | awk '{print $1}' || true)
[[ -n "$funcs" ]] || fail "no injectable ib_core_lite function"
for f in $funcs; do
	echo "$f" > $D/fail_function/inject
	if grep -E "^$f " $D/fail_function/injectable | grep -q ERRNO; then
		printf '%#x' -12 > $D/fail_function/$f/retval
	fi
done
echo 10 > $D/fail_function/probability
echo -1 > $D/fail_function/times
echo 0 > $D/fail_function/interval
echo 0 > $D/fail_function/verbose
log "fail_function targets: $(echo $funcs)"

ok=0 failed=0
declare -A errs
for ((i = 0; i < rounds; i++)); do
	if out=$(rdma link add rxe0 type rxe netdev veth0 2>&1); then
		ok=$((ok + 1))
	else
		failed=$((failed + 1))
		errs["$out"]=$(( ${errs["$out"]:-0} + 1 ))
	fi
	if [[ -e /sys/class/infiniband/rxe0 ]]; then
		uv=$(uverbs_of rxe0) && sh -c "exec 3<>/dev/infiniband/$uv" 2>/dev/null || true
		rdma link delete rxe0 || fail "round $i: rxe0 cannot be deleted"
	fi
	# A failed add leaves nothing behind.
	[[ ! -e /sys/class/infiniband/rxe0 ]] || fail "round $i: rxe0 stays"
	n=$(ls /sys/bus/auxiliary/devices | grep -c '^ib_core_lite\.rxe\.' || true)
	expect_eq "round $i: soft devices" "$n" 0
done
echo > $D/fail_function/inject
log "rdma link add: $ok ok, $failed failed"
for e in "${!errs[@]}"; do
	log "  ${errs[$e]}x $e"
done
(( ok > 0 && failed > 0 )) || fail "injection did not bite (ok=$ok failed=$failed)"
# Every failure is a clean errno message from the rdma tool.
for e in "${!errs[@]}"; do
	[[ "$e" == *"error: "* || "$e" == *"Failed to"* || "$e" == *"Cannot"* ]] ||
		fail "unexpected failure output: $e"
done

# Afterwards everything works normally.
rdma link add rxe0 type rxe netdev veth0
ibv_devices | grep -q ' rxe0 ' || fail "rxe0 not usable after the injection"
rdma link delete rxe0
