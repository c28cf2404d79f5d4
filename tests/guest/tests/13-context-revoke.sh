# A user context open through unmodified libibverbs while its device goes
# away, by each trigger: the removal finishes at once, the blocked async
# reader wakes with IBV_EVENT_DEVICE_FATAL, then ENODEV; verbs fail with
# ENODEV; ibv_close_device() works. rmmod of the driver works while the
# context is open, and the device comes back as a new registration: a
# context from before stays revoked when the device is back under the same
# name and uverbs node.
source "$LITE_ROOT/tests/guest/lib.sh"

veth_pair veth0 veth1 10.0.0.1/24 10.0.0.2/24
load_all

# check TRIGGER: run ctx_revoke on rxe0 with TRIGGER as the removal.
check() {
	local out
	out=$("$PROGS/ctx_revoke" rxe0 "$1" 2>&1) || { echo "$out"; fail "ctx_revoke: $1"; }
	echo "$out" | sed 's/^/  | /'
	ms=$(echo "$out" | sed -n 's/^remove command: exit 0, \([0-9]*\) ms$/\1/p')
	(( ms < REMOVAL_LIMIT_MS )) || fail "removal took $ms ms: $1"
}

rdma link add rxe0 type rxe netdev veth0
aux=$(aux_dev_of rxe0)
check "echo $aux > $AUX_DRV/unbind"
echo "$aux" > $AUX_DRV/bind

# Old fds never reattach: the device is back (same name, same uverbs
# node) before ctx_revoke looks, and its context still gets ENODEV.
uv=$(uverbs_of rxe0)
check "echo $aux > $AUX_DRV/unbind && echo $aux > $AUX_DRV/bind"
expect_eq "uverbs node after unbind + bind" "$(uverbs_of rxe0)" "$uv"

check "rdma link delete rxe0"

rdma link add rxe0 type rxe netdev veth0
check "rmmod rxe_lite"
[[ ! -e /sys/module/rxe_lite ]] || fail "rxe_lite still loaded"
insmod "$KO_RXE"
wait_for 5 test -d /sys/class/infiniband/rxe0 || fail "rxe0 not back after insmod"

check "ip link del veth0"
wait_for 5 test ! -e /sys/class/infiniband/rxe0 || fail "rxe0 stays after netdev deletion"
expect_eq "ib_core_lite refcnt" "$(modref ib_core_lite)" 1
