# Removal during traffic: unbind (20 rounds; check-debug 1), rdma link delete,
# netdev deletion and rmmod while unmodified ibv_rc_pingpong / ib_write_bw
# run between two processes. Each removal returns in under 1 s, both
# applications exit with an error within seconds (their work is flushed
# into their mapped CQs), nothing is left behind, and a fresh
# ibv_rc_pingpong passes on the device once it is back.
source "$LITE_ROOT/tests/guest/lib.sh"

ROUNDS=${LITE_REVOKE_ROUNDS:-20}
load_all

setup() {
	ip link show veth0 > /dev/null 2>&1 || veth_pair veth0 veth1
	lsmod | grep -q '^rxe_lite ' || insmod "$KO_RXE"
	rdma link show | grep -q 'rxe0/' ||
		rdma link add rxe0 type rxe netdev veth0
	wait_for 5 grep -q ffff:0a00:0001 \
		/sys/class/infiniband/rxe0/ports/1/gids/1 || fail "rxe0 not up"
}

# traffic TOOL ARGS...: start server and client on rxe0, wait until the
# client is connected; sets spid, cpid.
traffic() {
	# Line-buffered: the client's progress is read from its log.
	stdbuf -oL "$@" -d rxe0 > /tmp/srv.log 2>&1 &
	spid=$!
	wait_for 10 eval "ss -ltn | grep -q ':18515 '" || fail "$1: no server"
	stdbuf -oL "$@" -d rxe0 localhost > /tmp/cli.log 2>&1 &
	cpid=$!
	# Connected once the client knows its peer (pingpong) or reports
	# its first results header (perftest).
	wait_for 20 grep -qE 'remote address|#bytes' /tmp/cli.log ||
		{ cat /tmp/cli.log; fail "$1: client did not connect"; }
	sleep 1
}

# apps_fail: both processes end, with an error, within 10 s.
apps_fail() {
	local p rc
	for p in $cpid $spid; do
		for ((i = 0; i < 200; i++)); do
			kill -0 "$p" 2>/dev/null || break
			sleep 0.05
		done
		kill -0 "$p" 2>/dev/null && { kill -9 "$p"; fail "$1: an app hangs"; }
		rc=0
		wait "$p" || rc=$?
		[[ $rc != 0 ]] || fail "$1: an app exited 0"
	done
}

# remove WHAT CMD: time the removal.
remove() {
	local t0 ms
	t0=$(now_ms)
	eval "$2" || fail "$1 failed"
	ms=$(( $(now_ms) - t0 ))
	log "$1 during traffic: ${ms} ms"
	(( ms < REMOVAL_LIMIT_MS )) || fail "$1 took $ms ms"
}

for ((r = 1; r <= ROUNDS; r++)); do
	setup
	aux=$(aux_dev_of rxe0)
	traffic ibv_rc_pingpong -g 1 -n 100000000 -s 4096
	remove "unbind (round $r)" "echo $aux > $AUX_DRV/unbind"
	apps_fail unbind
	echo "$aux" > $AUX_DRV/bind
	setup
	pingpong_ok rxe0
done

setup
traffic ib_write_bw -D 100
remove "rdma link delete" "rdma link delete rxe0"
apps_fail "link delete"
setup
pingpong_ok rxe0

traffic ib_write_bw -D 100
remove "netdev deletion" "ip link del veth0"
apps_fail "netdev deletion"
wait_for 5 test ! -e /sys/class/infiniband/rxe0 || fail "rxe0 stays"
setup
pingpong_ok rxe0

traffic ib_write_bw -D 100
remove "rmmod rxe_lite" "rmmod rxe_lite"
apps_fail rmmod
setup
pingpong_ok rxe0

show_objects
expect_objects_zero
