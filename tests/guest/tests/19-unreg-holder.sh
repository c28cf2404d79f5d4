# An in-kernel user keeping a registration reference makes unregistration
# wait (it may still call the driver), and the periodic warning names it:
# lite_test_client's test_order_a takes a reference in its remove() and
# drops it 13 s later (hold_ms). rdma link delete returns once it is
# dropped; the log has "unregistration waits" naming lite_test_client.
# Then the device comes back and unmodified ibv_rc_pingpong passes.
source "$LITE_ROOT/tests/guest/lib.sh"

veth_pair veth0 veth1 10.0.0.1/24 10.0.0.2/24
load_all
rdma link add rxe0 type rxe netdev veth0
insmod "$KO_TEST" duration_ms=0 hold_ms=13000
before=$(dmesg | wc -l)
start=$(now_ms)
rdma link delete rxe0
took=$(( $(now_ms) - start ))
log "rdma link delete took $took ms"
dmesg | tail -n +$((before + 1)) | grep 'rxe0: ' > /tmp/holder.log
sed 's/^\[[ 0-9.]*\] /      | /' /tmp/holder.log
(( took >= 12000 && took < 30000 )) ||
	fail "unregistration took $took ms with a 13 s hold"
grep -q 'rxe0: unregistration waits for 1 reference(s) to the device$' \
	/tmp/holder.log || fail "no unregistration warning with the count"
grep -q 'rxe0:   held by module lite_test_client: 1$' /tmp/holder.log ||
	fail "the warning does not name lite_test_client"
expect_eq "other holders named" \
	"$(grep -c 'held by' /tmp/holder.log)" "$(grep -c 'waits for' /tmp/holder.log)"
rmmod lite_test_client

rdma link add rxe0 type rxe netdev veth0
wait_for 5 test -d /sys/class/infiniband/rxe0 || fail "rxe0 not back"
pingpong_ok rxe0
show_objects
expect_objects_zero
