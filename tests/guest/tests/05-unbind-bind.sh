# Driver unbind through sysfs removes the RDMA device; bind brings it back
# under the same name. The soft device (auxiliary device) stays.
source "$LITE_ROOT/tests/guest/lib.sh"

veth_pair veth0 veth1
load_all
rdma link add rxe0 type rxe netdev veth0
aux=$(aux_dev_of rxe0)

for i in 1 2 3; do
	echo "$aux" > $AUX_DRV/unbind
	[[ ! -e /sys/class/infiniband/rxe0 ]] || fail "round $i: rxe0 stays after unbind"
	[[ -z "$(uverbs_of rxe0)" ]] || fail "round $i: uverbs stays"
	[[ -e /sys/bus/auxiliary/devices/$aux ]] || fail "round $i: soft device gone"
	expect_eq "round $i: link show" "$(rdma link show)" ""
	echo "$aux" > $AUX_DRV/bind
	[[ -d /sys/class/infiniband/rxe0 ]] || fail "round $i: rxe0 not back"
	uv=$(uverbs_of rxe0) || fail "round $i: uverbs not back"
	[[ -c /dev/infiniband/$uv ]] || fail "round $i: /dev node not back"
	ibv_devices | grep -q ' rxe0 ' || fail "round $i: ibv_devices misses rxe0"
done
rdma link delete rxe0
[[ ! -e /sys/bus/auxiliary/devices/$aux ]] || fail "soft device stays after delete"
