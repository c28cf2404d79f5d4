# Byte-exact data checks through unmodified libibverbs (tests/progs/
# integrity.c): RC SEND/SEND_WITH_IMM (1 and 4 SGEs, inline), RDMA WRITE
# (with imm) with guard bytes, RDMA READ into SGE lists, UD with the GRH,
# 4 concurrent requesters' fetch-and-add and compare-and-swap on one
# counter, error completions (bad rkey, READ past an MR, SEND too long,
# retry exhausted), SQD (the send queue drains, SQ_DRAINED, resume): on
# one device, between two devices, through the wire path (loopback=0), and
# the RC part with 2% of the packets dropped (RC recovers by
# retransmission, in SQD too; the drop counters must show it happened).
source "$LITE_ROOT/tests/guest/lib.sh"

veth_pair veth0 veth1 10.0.0.1/24 10.0.0.2/24
load_all
rdma link add rxe0 type rxe netdev veth0
rdma link add rxe1 type rxe netdev veth1
wait_for 5 grep -q ffff:0a00:0001 /sys/class/infiniband/rxe0/ports/1/gids/1 ||
	fail "no IPv4 GID on rxe0"
wait_for 5 grep -q ffff:0a00:0002 /sys/class/infiniband/rxe1/ports/1/gids/1 ||
	fail "no IPv4 GID on rxe1"
param=/sys/module/rxe_lite/parameters
counters=/sys/kernel/debug/rxe_lite/counters
debugfs_on
# Every run's full output (one line per check) is kept here.
keep=${LITE_GUEST_OUT:-/tmp}/21-integrity
mkdir -p "$keep"
run=0
failed=()

# integ WHAT ARGS...: integrity must pass every check. Its summary line is
# shown, and its FAIL lines; a failure is recorded, and the other runs
# still go on. A completion may take 10 s (x LITE_SLOW_FACTOR): at 2% loss
# on the debug kernel a 1 MiB message takes 1.4-3 s, and a lost last
# packet or ACK costs a retransmission timeout (>= 67 ms, doubled while
# nothing moves). The bound is for a hang, not speed.
integ() {
	local what=$1 rc=0 f slow=${LITE_SLOW_FACTOR:-1}
	shift
	run=$((run + 1))
	f=$keep/run$run.log
	timeout $((150 * slow)) "$PROGS/integrity" --timeout $((10 * slow)) \
		"$@" > "$f" 2>&1 || rc=$?
	log "$(printf '%-20s %s' "$what:" "$(tail -1 "$f")")"
	grep -v '^ok ' "$f" | grep -v '^integrity: ' | sed 's/^/  | /' || true
	if (( rc )); then
		echo "  integrity $* exited $rc; its output: $f"
		failed+=("$what")
	fi
}

# counter NAME: one of rxe_lite's datapath counters.
counter() {
	awk -v n="$1" '$1 == n { print $2 }' "$counters"
}

restore() {
	echo 0 > $param/drop_ppm
	echo 1 > $param/loopback
}
trap restore EXIT

integ "one device" rxe0 rxe0 1
integ "two devices" rxe0 rxe1 1

echo 0 > $param/loopback
integ "wire path" rxe0 rxe1 1

# 2% loss: the RC data paths. UD may lose packets legitimately, and the
# error group asserts the exact NAK status, which a lost NAK (after which
# the responder is in the error state) turns into RETRY_EXC_ERR, as on a
# real fabric.
declare -A before
for c in dropped retrans_timeouts seq_naks_sent; do
	before[$c]=$(counter $c)
done
echo 20000 > $param/drop_ppm
integ "wire path, 2% loss" --rc-only --only send,write,read,atomic,sqd rxe0 rxe1 1
restore

sed 's/^/  counters: /' "$counters"
dropped=$(( $(counter dropped) - before[dropped] ))
recovered=$(( $(counter retrans_timeouts) - before[retrans_timeouts] +
	      $(counter seq_naks_sent) - before[seq_naks_sent] ))
(( dropped > 0 )) || fail "the 2% loss run dropped no packet"
(( recovered > 0 )) ||
	fail "the 2% loss run had no retransmission timeout and no sequence NAK"

show_objects
expect_objects_zero
(( ${#failed[@]} == 0 )) ||
	fail "integrity failed: $(IFS=,; echo "${failed[*]}")"
