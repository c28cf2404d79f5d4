# The GID table follows the netdev's addresses (keeping indexes stable) and
# the port state follows the netdev's state.
source "$LITE_ROOT/tests/guest/lib.sh"

veth_pair veth0 veth1 10.0.0.1/24 10.0.0.2/24
load_all
rdma link add rxe0 type rxe netdev veth0
G=/sys/class/infiniband/rxe0/ports/1/gids
gid_listed() {
	grep -qx "$1" $G/*
}

ip addr add 10.7.0.1/16 dev veth0
wait_for 5 gid_listed 0000:0000:0000:0000:0000:ffff:0a07:0001 ||
	fail "new IPv4 address has no GID"
expect_eq "gid1 kept" "$(cat $G/1)" 0000:0000:0000:0000:0000:ffff:0a00:0001
ip -6 addr add fd00::1/64 dev veth0 nodad
wait_for 5 gid_listed fd00:0000:0000:0000:0000:0000:0000:0001 ||
	fail "new IPv6 address has no GID"
ip addr del 10.0.0.1/24 dev veth0
wait_for 5 sh -c "! grep -qx 0000:0000:0000:0000:0000:ffff:0a00:0001 $G/*" ||
	fail "GID of a deleted address stays"
expect_eq "gid1 freed" "$(cat $G/1)" 0000:0000:0000:0000:0000:0000:0000:0000
ls -1 $G | sort -n | while read -r i; do
	g=$(cat $G/$i)
	[[ $g == 0000:0000:0000:0000:0000:0000:0000:0000 ]] || echo "  gid $i $g"
done

# Port state follows the netdev (a veth has carrier while both ends are up).
ip link set veth1 down
wait_for 5 grep -qx "1: DOWN" /sys/class/infiniband/rxe0/ports/1/state ||
	fail "state not DOWN: $(cat /sys/class/infiniband/rxe0/ports/1/state)"
expect_eq phys_state "$(cat /sys/class/infiniband/rxe0/ports/1/phys_state)" "3: Disabled"
[[ "$(rdma link show)" == *"state DOWN physical_state DISABLED"* ]] ||
	fail "rdma link show: $(rdma link show)"
ip link set veth1 up
wait_for 5 grep -qx "4: ACTIVE" /sys/class/infiniband/rxe0/ports/1/state ||
	fail "state not ACTIVE again"
rdma link delete rxe0
