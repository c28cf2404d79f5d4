# Threads of an unmodified-libibverbs process blocked on its device's
# completion channel and async fd (read, poll, epoll; O_NONBLOCK fds too)
# wake with the documented results when the device goes away, by each
# trigger: the process unbinding the device itself while its threads are
# blocked, unbind from a shell, rdma link delete, netdev deletion and
# rmmod rxe_lite (tests/progs/revoke_blocked.c checks the details). Each
# removal returns within REMOVAL_LIMIT_MS. With rmmod, ib_core_lite's
# refcount stays raised while the process holds its fds (rxe_lite already
# gone) and drops back to the baseline when it exits. Nothing is left over.
source "$LITE_ROOT/tests/guest/lib.sh"

SLOW=${LITE_SLOW_FACTOR:-1}
FIFO=/tmp/revoke_blocked.fifo
LOG=/tmp/revoke_blocked.log
pid=
times=()
# A failing step must not leave the paused program holding the device.
trap '[[ -n $pid ]] && kill -9 "$pid" 2> /dev/null; true' EXIT

# setup: rxe0 back after a removal (rxe0_up in lib.sh).
setup() {
	rxe0_up
}

# record NAME OUTPUT: check and keep the removal time the program printed.
record() {
	local ms
	ms=$(sed -n 's/^removal took \([0-9]*\) ms$/\1/p' <<< "$2")
	[[ -n $ms ]] || fail "$1: no removal time in the output"
	(( ms < REMOVAL_LIMIT_MS )) || fail "$1: removal took $ms ms"
	times+=("$1 ${ms} ms")
}

# run_case NAME ARGS...: revoke_blocked ARGS on rxe0; it must pass.
run_case() {
	local name=$1 out rc=0
	shift
	log "$name:"
	out=$("$PROGS/revoke_blocked" rxe0 "$@" 2>&1) || rc=$?
	sed 's/^/  | /' <<< "$out"
	[[ $rc == 0 ]] || fail "$name: revoke_blocked exited $rc: $(tail -n1 <<< "$out")"
	record "$name" "$out"
	wait_for $((5 * SLOW)) test ! -e /sys/class/infiniband/rxe0 ||
		fail "$name: rxe0 still there"
}

# wait_paused WHAT: the paused program printed "paused: WHAT".
wait_paused() {
	local i
	for ((i = 0; i < 600 * SLOW; i++)); do
		grep -q "^paused: $1\$" "$LOG" && return 0
		kill -0 "$pid" 2> /dev/null || break
		sleep 0.05
	done
	sed 's/^/  | /' "$LOG"
	fail "rmmod case: revoke_blocked did not pause $1"
}

load_all

# (3) The process holding the fds unbinds the device itself.
setup
aux=$(aux_dev_of rxe0)
run_case "self-unbind" unbind "$aux"
echo "$aux" > "$AUX_DRV/bind"

setup
aux=$(aux_dev_of rxe0)
run_case "unbind from a shell" cmd "echo $aux > $AUX_DRV/unbind"
echo "$aux" > "$AUX_DRV/bind"

setup
run_case "rdma link delete" cmd "rdma link delete rxe0"

setup
run_case "netdev deletion" cmd "ip link del veth0"

# (8) rmmod rxe_lite while the process holds PD, MR, CQ, QP and the ring
# mappings; the module refcount is read while it pauses.
setup
base=$(modref ib_core_lite)
rm -f "$FIFO"
mkfifo "$FIFO"
exec 3<> "$FIFO"
log "rmmod rxe_lite:"
"$PROGS/revoke_blocked" --pause rxe0 cmd "rmmod rxe_lite" < "$FIFO" > "$LOG" 2>&1 &
pid=$!
wait_paused "before removal"
ref_open=$(modref ib_core_lite)
echo go >&3
wait_paused "after removal"
! lsmod | grep -q '^rxe_lite ' || fail "rxe_lite still in lsmod after rmmod"
[[ ! -e /sys/module/rxe_lite ]] || fail "/sys/module/rxe_lite still there"
ref_revoked=$(modref ib_core_lite)
echo go >&3
rc=0
wait "$pid" || rc=$?
pid=
exec 3>&-
rm -f "$FIFO"
sed 's/^/  | /' "$LOG"
[[ $rc == 0 ]] || fail "rmmod case: revoke_blocked exited $rc: $(tail -n1 "$LOG")"
record "rmmod rxe_lite" "$(cat "$LOG")"
ref_after=$(modref ib_core_lite)
log "ib_core_lite refcnt: $base with rxe_lite loaded, $ref_open with the" \
    "contexts open, $ref_revoked after rmmod with the fds still held," \
    "$ref_after after the process exited"
(( ref_open > base )) || fail "refcnt not raised by the open contexts: $ref_open"
# The baseline without rxe_lite: its own (dependency) reference is gone.
expect_eq "ib_core_lite refcnt after the process exited" "$ref_after" $((base - 1))
(( ref_revoked > ref_after )) ||
	fail "refcnt not raised while the fds were held after rmmod: $ref_revoked"

# The device comes back and works.
setup
pingpong_ok rxe0

log "removal times: $(IFS=,; echo "${times[*]}" | sed 's/,/, /g')"
show_objects
expect_objects_zero
