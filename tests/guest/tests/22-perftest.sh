# Unmodified perftest on one device: every latency and bandwidth test of
# issue 5 completes (RC; UD where perftest has it; with events where it
# allows). Speed is shown by `make bench`, not here.
source "$LITE_ROOT/tests/guest/lib.sh"

veth_pair veth0 veth1 10.0.0.1/24 10.0.0.2/24
load_all
rdma link add rxe0 type rxe netdev veth0
wait_for 5 grep -q ffff:0a00:0001 /sys/class/infiniband/rxe0/ports/1/gids/1 ||
	fail "no IPv4 GID on rxe0"

# perf TOOL ARGS...: server and client on rxe0 must both finish.
perf() {
	perf_once "$@" && return 0
	# perftest's UD send_bw ends with a TCP handshake that races: one side
	# closes before the other read ("ethernet_read_keys: Couldn't read
	# remote address") after the data phase completed. Measured in this
	# guest with Linux's own rdma_rxe too (5 of 30 runs), so it is the
	# tool's; that failure, and only it, gets one more run.
	grep -q "Couldn't read remote address" "$srv" "$cli" ||
		{ cat "$srv" "$cli"; fail "$*"; }
	log "$*: perftest's closing handshake raced (a known perftest race); again"
	perf_once "$@" || { cat "$srv" "$cli"; fail "$*"; }
}

# perf_once TOOL ARGS...: one run; $srv/$cli hold the outputs.
perf_once() {
	local rc
	srv=$(mktemp)
	cli=$(mktemp)
	timeout 120 "$@" -d rxe0 > "$srv" 2>&1 &
	local spid=$!
	wait_for 10 eval "ss -ltn | grep -q ':18515 '" ||
		{ cat "$srv"; fail "$* server does not listen"; }
	rc=0
	timeout 120 "$@" -d rxe0 localhost > "$cli" 2>&1 || rc=$?
	wait "$spid" || return 1
	[[ $rc == 0 ]] || return 1
	log "$(printf '%-30s %s' "$*" "$(grep -A1 '#bytes' "$cli" | tail -1 |
		tr -s ' \t' ' ')")"
	rm -f "$srv" "$cli"
}

# Fewer iterations under check-debug (LITE_LIGHT); every test still runs.
n=$(reps 500 100)
perf ib_send_lat -n $n
perf ib_send_lat -n $n -e
perf ib_send_lat -n $n -c UD
perf ib_write_lat -n $n
perf ib_read_lat -n $n
perf ib_atomic_lat -n $n
perf ib_atomic_lat -n $n -A CMP_AND_SWAP
perf ib_send_bw -n $n
perf ib_send_bw -n $n -c UD
perf ib_write_bw -n $n
perf ib_read_bw -n $n
perf ib_write_bw -n "$(reps 50 10)" -s 1048576
expect_objects_zero
