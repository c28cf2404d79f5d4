# 200 unbind/bind cycles of rxe0 while unmodified ibv_rc_pingpong pairs run
# on it (traffic_loop: each removal ends the running pair; a new one starts
# once the device is back). Each cycle waits until a process holds the
# device, then unbinds at a random point of the pair's life: the server
# alone set up, both setting up or connecting, or moving data. Every
# unbind returns within the removal bound, every process that held the
# device exits on its own within 10 s (none hangs), and afterwards the
# object and memory counters (pinned pages, mapped rings) of core and
# driver are back to zero and a fresh ibv_rc_pingpong passes. check-debug runs fewer cycles
# ($LITE_REVOKE_CYCLES). About 4 minutes on an idle machine.
# timeout: 900
source "$LITE_ROOT/tests/guest/lib.sh"

CYCLES=${LITE_REVOKE_CYCLES:-200}
veth_pair veth0 veth1 10.0.0.1/24 10.0.0.2/24
load_all
rdma link add rxe0 type rxe netdev veth0
aux=$(aux_dev_of rxe0)
stop=/tmp/cycles.stop
rm -f "$stop" "$stop.pairs"
traffic_loop rxe0 "$stop" &
tl=$!

# holders: pids of ibv_rc_pingpong processes with a uverbs fd open.
holders() {
	local p
	for p in $(pgrep -f 'ibv_rc_pingpong -d rxe0'); do
		ls -l "/proc/$p/fd" 2>/dev/null | grep -q /dev/infiniband/ && echo "$p"
	done
	return 0
}

gone() {
	local p
	for p in "$@"; do
		kill -0 "$p" 2>/dev/null && return 1
	done
	return 0
}

max=0 total=0 hit=0
for ((c = 1; c <= CYCLES; c++)); do
	wait_for $((10 * ${LITE_SLOW_FACTOR:-1})) eval '[[ -n "$(holders)" ]]' ||
		fail "cycle $c: no process opens rxe0"
	sleep "0.$(printf '%03d' $((RANDOM % 250)))"
	h=$(holders)
	[[ -n $h ]] && hit=$((hit + $(wc -w <<< "$h")))
	t0=$(now_ms)
	echo "$aux" > $AUX_DRV/unbind || fail "cycle $c: unbind failed"
	ms=$(( $(now_ms) - t0 ))
	(( ms < REMOVAL_LIMIT_MS )) || fail "cycle $c: unbind took $ms ms"
	if (( ms > max )); then max=$ms; fi
	total=$((total + ms))
	# shellcheck disable=SC2086  # one pid per word
	wait_for $((10 * ${LITE_SLOW_FACTOR:-1})) gone $h || {
		ps -eo pid,stat,wchan:30,args | grep '[i]bv_rc_pingpong'
		fail "cycle $c: a process that held rxe0 did not exit: $h"
	}
	echo "$aux" > $AUX_DRV/bind || fail "cycle $c: bind failed"
done
traffic_stop "$stop" "$tl"
log "$CYCLES unbind/bind cycles under traffic: unbind mean $((total / CYCLES)) ms, max $max ms; $(traffic_pairs $stop) pairs, $hit processes revoked"
wait_for 10 grep -q ffff:0a00:0001 /sys/class/infiniband/rxe0/ports/1/gids/1 ||
	fail "rxe0 not back after the last cycle"
pingpong_ok rxe0
rdma link delete rxe0
show_objects
expect_objects_zero
