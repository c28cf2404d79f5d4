# Every verbs object type (PD, MR, completion channel, CQ, RC/UD QP with
# modify and query, SRQ with an attached QP, AH) created and destroyed many
# times by 4 processes at once through unmodified libibverbs and the rxe
# provider: every call succeeds, and the core's and the driver's object
# counters are back to 0 afterwards.
source "$LITE_ROOT/tests/guest/lib.sh"

veth_pair veth0 veth1 10.0.0.1/24 10.0.0.2/24
load_all
rdma link add rxe0 type rxe netdev veth0
# GID index 1 is the IPv4-mapped GID ::ffff:10.0.0.1 the QPs and AHs use.
wait_for 5 grep -sqx 0000:0000:0000:0000:0000:ffff:0a00:0001 \
	/sys/class/infiniband/rxe0/ports/1/gids/1 ||
	fail "GID 1 of rxe0 is not ::ffff:10.0.0.1"

rc=0
"$PROGS/obj_churn" rxe0 1 "${LITE_CHURN_ITERS:-10000}" 4 2>&1 |
	sed 's/^/  | /' || rc=$?
show_objects
(( rc == 0 )) || fail "obj_churn exited $rc"
expect_objects_zero
