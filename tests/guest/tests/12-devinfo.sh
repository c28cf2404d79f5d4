# Unmodified ibv_devinfo -v on the soft device: the GET_CONTEXT,
# QUERY_DEVICE, EX_QUERY_DEVICE and QUERY_PORT commands and the sysfs GID
# table, as rdma-core 44 uses them. Values asserted.
source "$LITE_ROOT/tests/guest/lib.sh"

veth_pair veth0 veth1 10.0.0.1/24 10.0.0.2/24
load_all
rdma link add rxe0 type rxe netdev veth0
guid=$(mac_to_guid "$(netdev_mac veth0)")

out=$(ibv_devinfo -v -d rxe0)
echo "$out" | sed 's/^/  | /' | head -20
# field NAME VALUE: the line "NAME: VALUE" (tabs between) is present.
field() {
	echo "$out" | grep -Eq "^[[:space:]]*$1:[[:space:]]+$2\$" ||
		fail "ibv_devinfo: '$1' is not '$2': $(echo "$out" | grep -E "^[[:space:]]*$1:" | head -1)"
}
field hca_id rxe0
field transport "InfiniBand \(0\)"
field node_guid "$guid"
field sys_image_guid "$guid"
field vendor_id 0xffffff
field phys_port_cnt 1
field max_mr_size 0x100000000
field max_qp 16384
field max_qp_wr 16384
field max_sge 32
field max_cq 16384
field max_cqe 32767
field max_mr 65536
field max_mw 65536
field max_pd 16384
field max_qp_rd_atom 128
field atomic_cap "ATOMIC_HCA \(1\)"
field max_ah 32767
field max_srq 16384
field max_pkeys 1
field num_comp_vectors "$(nproc)"
field state "PORT_ACTIVE \(4\)"
field max_mtu "4096 \(5\)"
field active_mtu "1024 \(3\)"
field link_layer Ethernet
field port_lid 0
field max_msg_sz 0x800000
field port_cap_flags 0x00010000

# Every valid GID is shown, and as RoCE v2: index 0 the default GID, then
# the IPv4 address as ::ffff:10.0.0.1.
gids=$(echo "$out" | grep -E 'GID\[ *[0-9]+\]:')
echo "$gids" | sed 's/^/  | /'
expect_eq "GID count" "$(echo "$gids" | wc -l)" \
	"$(grep -L '^0000:0000:0000:0000:0000:0000:0000:0000$' /sys/class/infiniband/rxe0/ports/1/gids/* | wc -l)"
echo "$gids" | grep -v 'RoCE v2' && fail "a GID is not RoCE v2"
gid0=$(python3 -c "import ipaddress,sys; print(ipaddress.IPv6Address(sys.argv[1]))" \
	"fe80:0000:0000:0000:$guid")
echo "$gids" | grep -Eq "GID\[ *0\]:[[:space:]]+$gid0, RoCE v2" ||
	fail "GID 0 is not the default GID $gid0"
echo "$gids" | grep -Eq "GID\[ *1\]:[[:space:]]+::ffff:10.0.0.1, RoCE v2" ||
	fail "GID 1 is not ::ffff:10.0.0.1"

# The port follows the netdev here too.
ip link set veth1 down
wait_for 5 sh -c "ibv_devinfo -d rxe0 | grep -q 'PORT_DOWN (1)'" || fail "port not DOWN"
ip link set veth1 up
wait_for 5 sh -c "ibv_devinfo -d rxe0 | grep -q 'PORT_ACTIVE (4)'" || fail "port not ACTIVE"
rdma link delete rxe0
