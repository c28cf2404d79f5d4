# 8 processes open()/close() /dev/infiniband/uverbsN during 100 link
# add/delete cycles (30 under check-debug): every open succeeds or fails
# with a "gone" errno
# (ENODEV from the core's fence; ENOENT/ENXIO from the VFS once the node or
# cdev is gone), no hang, no splat.
source "$LITE_ROOT/tests/guest/lib.sh"

veth_pair veth0 veth1
load_all
rdma link add rxe0 type rxe netdev veth0
uv=$(uverbs_of rxe0)
stop=/tmp/occ.stop
rm -f $stop
# Nothing else takes a minor, so the node name is the same every cycle.
nice -n 10 "$PROGS/open_close_stress" /dev/infiniband/$uv 8 600 $stop > /tmp/occ.out 2>&1 &
pid=$!
start=$(now_ms)
n=$(reps 100 30)
for i in $(seq $n); do
	rdma link delete rxe0
	rdma link add rxe0 type rxe netdev veth0
	expect_eq "cycle $i node" "$(uverbs_of rxe0)" "$uv"
done
log "$n cycles in $(( $(now_ms) - start )) ms"
touch $stop
wait $pid && rc=0 || rc=$?
out=$(cat /tmp/occ.out)
log "$out"
expect_eq "open_close_stress exit" $rc 0
[[ "$out" == *" other=0 close_fail=0" ]] || fail "unexpected errno: $out"
[[ "$out" != "ok=0 "* ]] || fail "no open succeeded"
