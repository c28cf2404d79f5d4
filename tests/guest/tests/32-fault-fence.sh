# Removal never waits for a user thread stuck in a page fault (issue 14):
# a command blocked on a userfaultfd page that is never filled -- the
# GET_CONTEXT response buffer, the CREATE_QP response -- does not hold the
# device. (REG_MR's pinning cannot be blocked this way on 6.1: a
# FOLL_LONGTERM pin faults without FAULT_FLAG_ALLOW_RETRY, so userfaultfd
# fails it with EFAULT at once; uffd_block's reg_mr mode shows that.) While it is blocked, other
# processes open and close the node, a GID change is handled (ip addr
# add/del on the netdev), and rdma link delete, unbind and rmmod rxe_lite
# each return within REMOVAL_LIMIT_MS. Once the fault is resolved, the
# command fails with ENODEV and nothing is left over
# (tests/progs/uffd_block.c).
source "$LITE_ROOT/tests/guest/lib.sh"

SLOW=${LITE_SLOW_FACTOR:-1}
FIFO=/tmp/uffd_block.fifo
LOG=/tmp/uffd_block.log
pid=
trap '[[ -n $pid ]] && kill -9 "$pid" 2> /dev/null; true' EXIT

# wait_line TEXT: uffd_block printed the line TEXT.
wait_line() {
	local i
	for ((i = 0; i < 200 * SLOW; i++)); do
		grep -q "^$1\$" "$LOG" && return 0
		kill -0 "$pid" 2> /dev/null || break
		sleep 0.05
	done
	sed 's/^/  | /' "$LOG"
	fail "$tcase: uffd_block did not print '$1'"
}

# timed NAME CMD...: CMD succeeds within REMOVAL_LIMIT_MS. It runs in the
# background so that a CMD stuck in the kernel fails the test, not hangs it.
timed() {
	local name=$1 t0 ms bg i rc=0
	shift
	t0=$(now_ms)
	"$@" &
	bg=$!
	for ((i = 0; i < 100 * SLOW; i++)); do
		kill -0 "$bg" 2> /dev/null || break
		sleep 0.05
	done
	kill -0 "$bg" 2> /dev/null && fail "$tcase: $name hangs"
	wait "$bg" || rc=$?
	[[ $rc == 0 ]] || fail "$tcase: $name exited $rc"
	ms=$(( $(now_ms) - t0 ))
	(( ms < REMOVAL_LIMIT_MS )) || fail "$tcase: $name took $ms ms"
	log "  $name: $ms ms"
}

load_all
for mode in get_context create_qp; do
	for trigger in link unbind rmmod; do
		tcase="$mode/$trigger"
		log "$tcase:"
		rxe0_up
		node=/dev/infiniband/$(uverbs_of rxe0)
		aux=$(aux_dev_of rxe0)
		rm -f "$FIFO"
		mkfifo "$FIFO"
		exec 3<> "$FIFO"
		"$PROGS/uffd_block" rxe0 "$mode" < "$FIFO" > "$LOG" 2>&1 &
		pid=$!
		wait_line blocked
		timed "open+close by another process" \
			bash -c "exec 5<> $node; exec 5>&-"
		timed "ip addr add" ip addr add 10.0.9.1/24 dev veth0
		timed "ip addr del" ip addr del 10.0.9.1/24 dev veth0
		case $trigger in
		link) timed "rdma link delete" rdma link delete rxe0 ;;
		unbind) timed "unbind" sh -c "echo $aux > $AUX_DRV/unbind" ;;
		rmmod) timed "rmmod rxe_lite" rmmod rxe_lite ;;
		esac
		echo go >&3
		rc=0
		wait "$pid" || rc=$?
		pid=
		exec 3>&-
		sed 's/^/  | /' "$LOG"
		[[ $rc == 0 ]] || fail "$tcase: uffd_block exited $rc"
		grep -q '^result: ENODEV$' "$LOG" ||
			fail "$tcase: the blocked command did not fail with ENODEV"
		[[ $trigger == unbind ]] && echo "$aux" > "$AUX_DRV/bind"
		# rxe_lite's counters exist again after rmmod.
		rxe0_up
		show_objects
		expect_objects_zero
	done
done
rxe0_up
pingpong_ok rxe0
