# rmmod rxe_lite with soft devices present, then insmod: the devices come
# back without re-adding the links (the soft devices belong to the core).
source "$LITE_ROOT/tests/guest/lib.sh"

veth_pair veth0 veth1
load_all
rdma link add rxe0 type rxe netdev veth0
rdma link add rxe1 type rxe netdev veth1
g0=$(cat /sys/class/infiniband/rxe0/node_guid)

for i in 1 2 3; do
	rmmod rxe_lite
	[[ ! -e /sys/class/infiniband/rxe0 && ! -e /sys/class/infiniband/rxe1 ]] ||
		fail "round $i: devices stay after rmmod"
	expect_eq "round $i: soft devices" \
		"$(ls /sys/bus/auxiliary/devices | grep -c '^ib_core_lite\.rxe\.')" 2
	expect_eq "round $i: core refcnt" "$(modref ib_core_lite)" 0
	insmod "$KO_RXE"
	[[ -d /sys/class/infiniband/rxe0 && -d /sys/class/infiniband/rxe1 ]] ||
		fail "round $i: devices not back"
	expect_eq "round $i: guid" "$(cat /sys/class/infiniband/rxe0/node_guid)" "$g0"
	expect_eq "round $i: links" "$(rdma link show | wc -l)" 2
done
ibv_devices | sed 's/^/  | /'
