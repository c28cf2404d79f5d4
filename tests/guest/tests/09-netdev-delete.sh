# Deleting the netdev removes its soft device and RDMA device, promptly
# (the netdev's references are dropped from a work item, never under RTNL),
# and leaves a device on another netdev alone.
source "$LITE_ROOT/tests/guest/lib.sh"

veth_pair veth0 veth1
veth_pair veth2 veth3 10.0.1.1/24 10.0.1.2/24
load_all
rdma link add rxe0 type rxe netdev veth0
rdma link add rxe2 type rxe netdev veth2
uv=$(uverbs_of rxe0)
start=$(now_ms)
ip link del veth0
took=$(( $(now_ms) - start ))
log "ip link del took $took ms"
(( took < 2000 )) || fail "netdev deletion took $took ms"
wait_for 5 test ! -e /sys/class/infiniband/rxe0 || fail "rxe0 stays"
[[ ! -e /dev/infiniband/$uv ]] || fail "/dev/infiniband/$uv stays"
expect_eq "soft devices" "$(ls /sys/bus/auxiliary/devices | grep -c '^ib_core_lite\.rxe\.')" 1
expect_eq "link show" "$(rdma link show)" \
	"link rxe2/1 state ACTIVE physical_state LINK_UP netdev veth2 "

# With the driver unloaded the soft device goes too.
rmmod rxe_lite
ip link del veth2
wait_for 5 sh -c '! ls /sys/bus/auxiliary/devices | grep -q "^ib_core_lite\.rxe\."' ||
	fail "unbound soft device stays after netdev deletion"
