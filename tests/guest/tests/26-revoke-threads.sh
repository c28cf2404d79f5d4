# Many threads of one unmodified-libibverbs process use rxe0 while it goes
# away (tests/progs/revoke_threads.c checks each call):
#  - "verbs": 16 threads share one context and loop alloc PD, reg MR,
#    create CQ and RC QP (ring mmaps), modify to RTS connected to itself,
#    post a receive and a send, poll both completions, create/destroy an
#    AH, destroy in reverse. Once each has done a full iteration the device
#    is removed at a random point: 5 rounds by unbind (rebound in between;
#    2 under check-debug), one by rdma link delete, one by rmmod rxe_lite.
#    Every call succeeds or fails with ENODEV, completions are successful
#    or flushed, destroys and ibv_close_device return 0, ibv_alloc_pd
#    after it fails with ENODEV. The removal returns within
#    REMOVAL_LIMIT_MS, the process exits 0 on its own, nothing is left
#    over and ib_core_lite's refcount is back to its baseline.
#  - "open": 8 threads loop ibv_get_device_list, ibv_open_device (which
#    issues GET_CONTEXT), ibv_query_device, ibv_close_device during 100
#    removal cycles (20 under check-debug), alternately unbind/bind and
#    rdma link delete/add. Opens succeed or fail with ENODEV, ENOENT or
#    ENXIO (or the device is missing from the list), queries succeed or
#    fail with ENODEV; some opens succeed; the threads stop promptly once
#    told; no objects left; the refcount is back to its baseline.
source "$LITE_ROOT/tests/guest/lib.sh"

SLOW=${LITE_SLOW_FACTOR:-1}
ROUNDS=$(reps 5 2) CYCLES=$(reps 100 20)
LOG=/tmp/revoke_threads.log
STOP=/tmp/revoke_threads.stop
pid=
times=()
# A failing step must not leave the program holding the device.
trap '[[ -n $pid ]] && kill -9 "$pid" 2> /dev/null; true' EXIT

# setup: rxe0 back after a removal (rxe0_up in lib.sh).
setup() {
	rxe0_up
}

# start ARGS...: revoke_threads ARGS in the background, output in $LOG.
start() {
	"$PROGS/revoke_threads" "$@" > "$LOG" 2>&1 &
	pid=$!
}

# wait_line REGEX WHAT: the program printed a line matching REGEX.
wait_line() {
	local i
	for ((i = 0; i < 600 * SLOW; i++)); do
		grep -q "$1" "$LOG" && return 0
		kill -0 "$pid" 2> /dev/null || break
		sleep 0.05
	done
	sed 's/^/  | /' "$LOG"
	fail "$2: revoke_threads did not print '$1'"
}

# finish WHAT: the program exits on its own within 30 s (scaled), with 0.
finish() {
	local rc=0
	if ! wait_for $((30 * SLOW)) eval "! kill -0 $pid 2> /dev/null"; then
		sed 's/^/  | /' "$LOG"
		fail "$1: revoke_threads does not exit (hangs)"
	fi
	wait "$pid" || rc=$?
	pid=
	sed 's/^/  | /' "$LOG"
	[[ $rc == 0 ]] ||
		fail "$1: revoke_threads exited $rc: $(grep -m1 '^FAIL' "$LOG")"
}

# timed WHAT CMD: run CMD, which removes rxe0, within the removal bound.
timed() {
	local t0
	t0=$(now_ms)
	eval "$2" || fail "$1 failed"
	ms=$(( $(now_ms) - t0 ))
	(( ms < REMOVAL_LIMIT_MS )) || fail "$1 took $ms ms"
}

# verbs_round WHAT CMD: 16 threads loop on rxe0; CMD removes it.
verbs_round() {
	log "$1:"
	start verbs rxe0 16
	wait_line '^ready' "$1"
	# At a random point of the threads' loops.
	sleep "0.$(printf '%03d' $((RANDOM % 300)))"
	timed "$1" "$2"
	times+=("$1 $ms ms")
	finish "$1"
}

load_all
setup
base=$(modref ib_core_lite)

for ((r = 1; r <= ROUNDS; r++)); do
	aux=$(aux_dev_of rxe0)
	verbs_round "unbind (round $r)" "echo $aux > $AUX_DRV/unbind"
	expect_eq "ib_core_lite refcnt after round $r" "$(modref ib_core_lite)" "$base"
	echo "$aux" > "$AUX_DRV/bind"
	setup
	expect_objects_zero
done

verbs_round "rdma link delete" "rdma link delete rxe0"
expect_eq "ib_core_lite refcnt after link delete" "$(modref ib_core_lite)" "$base"
setup
expect_objects_zero

verbs_round "rmmod rxe_lite" "rmmod rxe_lite"
[[ ! -e /sys/module/rxe_lite ]] || fail "rxe_lite still loaded"
# The baseline without rxe_lite: its own (dependency) reference is gone.
expect_eq "ib_core_lite refcnt after rmmod" "$(modref ib_core_lite)" $((base - 1))
setup
expect_objects_zero
all=$(printf '%s, ' "${times[@]}")
log "removal times: ${all%, }"

# open + GET_CONTEXT + close during removal cycles.
log "open/close during $CYCLES removal cycles:"
rm -f "$STOP"
start open rxe0 8 "$STOP"
wait_line '^running' "open/close"
max=0 t_start=$(now_ms)
for ((c = 1; c <= CYCLES; c++)); do
	if (( c % 2 )); then
		aux=$(aux_dev_of rxe0)
		timed "cycle $c: unbind" "echo $aux > $AUX_DRV/unbind"
		echo "$aux" > "$AUX_DRV/bind" || fail "cycle $c: bind failed"
	else
		timed "cycle $c: rdma link delete" "rdma link delete rxe0"
		rdma link add rxe0 type rxe netdev veth0 ||
			fail "cycle $c: rdma link add failed"
	fi
	if (( ms > max )); then max=$ms; fi
done
log "$CYCLES cycles in $(( $(now_ms) - t_start )) ms, longest removal $max ms"
touch "$STOP"
finish "open/close"
opened=$(sed -n 's/.* opened=\([0-9]*\) .*/\1/p' "$LOG")
(( ${opened:-0} > 0 )) || fail "no ibv_open_device succeeded"
setup
pingpong_ok rxe0
show_objects
expect_objects_zero
expect_eq "ib_core_lite refcnt after open/close" "$(modref ib_core_lite)" "$base"
