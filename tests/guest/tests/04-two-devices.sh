# Two soft devices on two netdevs at once, each with its own GUID, GIDs,
# uverbs node, and its own lifetime.
source "$LITE_ROOT/tests/guest/lib.sh"

veth_pair veth0 veth1 10.0.0.1/24 10.0.0.2/24
load_all
rdma link add rxe0 type rxe netdev veth0
rdma link add rxe1 type rxe netdev veth1

g0=$(mac_to_guid "$(netdev_mac veth0)")
g1=$(mac_to_guid "$(netdev_mac veth1)")
[[ "$g0" != "$g1" ]] || fail "same GUID"
expect_eq rxe0.guid "$(cat /sys/class/infiniband/rxe0/node_guid)" "$g0"
expect_eq rxe1.guid "$(cat /sys/class/infiniband/rxe1/node_guid)" "$g1"
expect_eq rxe1.gid1 "$(cat /sys/class/infiniband/rxe1/ports/1/gids/1)" \
	"0000:0000:0000:0000:0000:ffff:0a00:0002"
expect_eq rxe1.ndev "$(cat /sys/class/infiniband/rxe1/ports/1/gid_attrs/ndevs/0)" veth1

out=$(ibv_devices)
echo "$out" | sed 's/^/  | /'
echo "$out" | grep -Eq "^[[:space:]]+rxe0[[:space:]]+${g0//:/}\$" || fail "rxe0 not listed"
echo "$out" | grep -Eq "^[[:space:]]+rxe1[[:space:]]+${g1//:/}\$" || fail "rxe1 not listed"
expect_eq "link count" "$(rdma link show | wc -l)" 2
u0=$(uverbs_of rxe0) && u1=$(uverbs_of rxe1) || fail "uverbs nodes missing"
[[ "$u0" != "$u1" && -c /dev/infiniband/$u0 && -c /dev/infiniband/$u1 ]] ||
	fail "uverbs nodes: $u0 $u1"

# A second link with a name in use is refused; the first one is unharmed.
err=$(rdma link add rxe0 type rxe netdev veth1 2>&1) && fail "duplicate name accepted"
[[ "$err" == *"File exists"* ]] || fail "duplicate name: '$err'"

# libibverbs discovers devices through our netlink and matches the rxe
# provider by driver id: a name that does not start with "rxe" (which the
# sysfs fallback's name match would drop) is listed too.
veth_pair veth2 veth3 10.0.1.1/24 10.0.1.2/24
rdma link add lite2 type rxe netdev veth2
ibv_devices | grep -Eq "^[[:space:]]+lite2[[:space:]]" || fail "lite2 not listed by ibv_devices"
rdma link delete lite2

rdma link delete rxe0
[[ ! -e /sys/class/infiniband/rxe0 && -d /sys/class/infiniband/rxe1 ]] ||
	fail "deleting rxe0 touched rxe1"
expect_eq "rdma link show" "$(rdma link show)" \
	"link rxe1/1 state ACTIVE physical_state LINK_UP netdev veth1 "
rdma link delete rxe1
