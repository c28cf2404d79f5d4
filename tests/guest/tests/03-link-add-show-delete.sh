# rdma link add: unmodified ibv_devices, rdma dev/link show, sysfs and /dev
# see the device with the GUID derived from the netdev MAC; rdma link
# delete removes it from sysfs, /dev and netlink.
source "$LITE_ROOT/tests/guest/lib.sh"

veth_pair veth0 veth1 10.0.0.1/24 10.0.0.2/24
load_all
rdma link add rxe0 type rxe netdev veth0

mac=$(netdev_mac veth0)
guid=$(mac_to_guid "$mac")
log "veth0 $mac -> node_guid $guid"

# sysfs, class infiniband
d=/sys/class/infiniband/rxe0
expect_eq node_type "$(cat $d/node_type)" "1: CA"
expect_eq node_guid "$(cat $d/node_guid)" "$guid"
expect_eq state "$(cat $d/ports/1/state)" "4: ACTIVE"
expect_eq phys_state "$(cat $d/ports/1/phys_state)" "5: LinkUp"
expect_eq link_layer "$(cat $d/ports/1/link_layer)" "Ethernet"
expect_eq pkey "$(cat $d/ports/1/pkeys/0)" "0xffff"
expect_eq gid0 "$(cat $d/ports/1/gids/0)" "fe80:0000:0000:0000:$guid"
expect_eq gid1 "$(cat $d/ports/1/gids/1)" "0000:0000:0000:0000:0000:ffff:0a00:0001"
expect_eq type0 "$(cat $d/ports/1/gid_attrs/types/0)" "RoCE v2"
expect_eq type1 "$(cat $d/ports/1/gid_attrs/types/1)" "RoCE v2"
expect_eq ndev0 "$(cat $d/ports/1/gid_attrs/ndevs/0)" "veth0"
# An empty entry: zero GID, and EINVAL for its type and netdev.
last=$(( $(ls $d/ports/1/gids | wc -l) - 1 ))
expect_eq "gid$last" "$(cat $d/ports/1/gids/$last)" "0000:0000:0000:0000:0000:0000:0000:0000"
err=$(cat $d/ports/1/gid_attrs/types/$last 2>&1 || true)
[[ "$err" == *"Invalid argument"* ]] || fail "empty gid type: '$err'"
err=$(cat $d/ports/1/gid_attrs/ndevs/$last 2>&1 || true)
[[ "$err" == *"Invalid argument"* ]] || fail "empty gid ndev: '$err'"
# The device hangs below its auxiliary device, which belongs to the core.
aux=$(aux_dev_of rxe0)
[[ "$aux" == ib_core_lite.rxe.* ]] || fail "parent is '$aux'"
expect_eq driver "$(basename "$(readlink -f /sys/bus/auxiliary/devices/$aux/driver)")" rxe_lite

# sysfs, class infiniband_verbs, and the char device
expect_eq global_abi "$(cat /sys/class/infiniband_verbs/abi_version)" 6
uv=$(uverbs_of rxe0) || fail "no uverbs device for rxe0"
expect_eq uverbs_abi "$(cat /sys/class/infiniband_verbs/$uv/abi_version)" 2
node=/dev/infiniband/$uv
[[ -c $node ]] || fail "$node is not a char device"
expect_eq mode "$(stat -c %a $node)" 666
expect_eq devt "$(printf '%d:%d' 0x$(stat -c %t $node) 0x$(stat -c %T $node))" \
	"$(cat /sys/class/infiniband_verbs/$uv/dev)"
# open and close work
exec 3<>"$node"
exec 3>&-

# Unmodified rdma-core: ibv_devices lists rxe0 with the GUID.
out=$(ibv_devices)
echo "$out" | sed 's/^/  | /'
echo "$out" | grep -Eq "^[[:space:]]+rxe0[[:space:]]+${guid//:/}\$" ||
	fail "ibv_devices does not list rxe0 with $guid"

# iproute2 rdma
out=$(rdma dev show)
echo "$out" | sed 's/^/  | /'
[[ "$out" == *"rxe0: node_type ca"*"node_guid $guid"* ]] || fail "rdma dev show: $out"
out=$(rdma link show)
echo "$out" | sed 's/^/  | /'
expect_eq "rdma link show" "$out" "link rxe0/1 state ACTIVE physical_state LINK_UP netdev veth0 "
out=$(rdma link show rxe0/1)
expect_eq "rdma link show rxe0/1" "$out" "link rxe0/1 state ACTIVE physical_state LINK_UP netdev veth0 "
out=$(rdma sys show)
[[ "$out" == *"netns shared"* ]] || fail "rdma sys show: $out"

rdma link delete rxe0
[[ ! -e /sys/class/infiniband/rxe0 ]] || fail "sysfs rxe0 stays"
[[ ! -e /sys/class/infiniband_verbs/$uv ]] || fail "sysfs $uv stays"
[[ ! -e $node ]] || fail "$node stays"
[[ ! -e /sys/bus/auxiliary/devices/$aux ]] || fail "$aux stays"
expect_eq "rdma dev show after delete" "$(rdma dev show)" ""
expect_eq "rdma link show after delete" "$(rdma link show)" ""
out=$(ibv_devices)
[[ "$out" != *rxe0* ]] || fail "ibv_devices still lists rxe0"
