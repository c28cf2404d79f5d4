# The create_qp unwinding (issue 14, defect 4: the shadow WQE array leaked
# when the receive ring could not be made): fail_function fails the
# driver's ring allocation (rxe_lite_queue_init, which CREATE_QP calls for
# the send ring and then the receive ring) in half of its calls while QPs
# of 1024 + 1024 WRs are created and destroyed. Each create succeeds or
# fails with ENOMEM; the object counters end at zero and the kmemleak scan
# at the end of the run (zz-kmemleak) finds nothing.
source "$LITE_ROOT/tests/guest/lib.sh"

D=/sys/kernel/debug
debugfs_on
[[ -d $D/fail_function ]] || fail "no fail_function in this kernel"
veth_pair veth0 veth1
load_all
rdma link add rxe0 type rxe netdev veth0

grep -q '^rxe_lite_queue_init ' $D/fail_function/injectable ||
	fail "rxe_lite_queue_init is not injectable"
echo rxe_lite_queue_init > $D/fail_function/inject
printf '%#x' -12 > $D/fail_function/rxe_lite_queue_init/retval
echo 50 > $D/fail_function/probability
echo -1 > $D/fail_function/times
echo 0 > $D/fail_function/interval
echo 0 > $D/fail_function/verbose
out=$("$PROGS/qp_stress" create rxe0 0 "$(reps 400 200)") ||
	{ echo > $D/fail_function/inject; fail "qp_stress create: $out"; }
echo > $D/fail_function/inject
log "$out"
[[ $out =~ ([0-9]+)\ created,\ ([0-9]+)\ failed ]] || fail "no summary: $out"
(( BASH_REMATCH[1] > 0 && BASH_REMATCH[2] > 0 )) ||
	fail "injection did not bite: $out"
expect_objects_zero
rdma link delete rxe0
