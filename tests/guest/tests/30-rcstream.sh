# An application that survives its device going away: rcstream
# (userspace/rcstream, on userspace/revive) streams sequence-numbered,
# checksummed 64-byte messages from a client to a server over an RC QP
# while the device is removed and brought back. Each time both sides
# notice, tear down, wait for the device, reopen, meet again over TCP and
# resume where the server's in-order count says. The client runs until
# SIGUSR1 after the last cycle (-t is only a cap: the cycles' pace
# depends on the machine's load).
#
# 1. Both on rxe0, 10 cycles: unbind/bind (7), `rdma link delete`/`add`
#    (2), `rmmod rxe_lite`/`insmod` (1); check-debug runs the first 6.
# 2. Server on rxe0, client on rxe1 (the wire path between veth0 and
#    veth1), 2 unbind/bind cycles of rxe1 only: the server learns of each
#    outage from the client closing the TCP connection (PEER_CLOSED).
#
# Asserts: each removal returns within the removal bound; both sides
# recover from every cycle (one "outage N:" line each, every downtime
# under 2 s, scaled) and exit 0; their summaries agree: sent = received,
# lost=0 duplicated=0 corrupt=0, one outage per cycle on each side; the
# teardowns of the revoked contexts reported no failure; the timelines
# count every message; no object is left over.
source "$LITE_ROOT/tests/guest/lib.sh"

SLOW=${LITE_SLOW_FACTOR:-1}
DOWN_LIMIT_MS=$((2000 * SLOW))
# A cap: the client ends on SIGUSR1 once the cycles are over.
SECS=$((120 * SLOW))
PORT=18630
RCSTREAM=$LITE_ROOT/userspace/rcstream/rcstream
[[ -x $RCSTREAM ]] || fail "$RCSTREAM not built (make -C userspace)"
out=${LITE_GUEST_OUT:-/tmp}/30-rcstream
mkdir -p "$out"
rm -f "$out"/*

veth_pair veth0 veth1 10.0.0.1/24 10.0.0.2/24
load_all
rdma link add rxe0 type rxe netdev veth0
rdma link add rxe1 type rxe netdev veth1
wait_for 5 grep -q ffff:0a00:0001 /sys/class/infiniband/rxe0/ports/1/gids/1 ||
	fail "rxe0 has no IPv4 GID"
wait_for 5 grep -q ffff:0a00:0002 /sys/class/infiniband/rxe1/ports/1/gids/1 ||
	fail "rxe1 has no IPv4 GID"

# rcstream NAME DEV ARGS...: start one side in the background: stdout in
# $out/NAME.log, stderr in NAME.err, NAME.report, NAME.timeline.csv.
# Niced: the two streaming processes keep both vCPUs busy, this script's
# cycles should not wait behind them.
rcstream() {
	local name=$1 dev=$2
	shift 2
	nice -n 10 "$RCSTREAM" -d "$dev" -g 1 -p $PORT -s 64 -v \
		-r "$out/$name.report" -T "$out/$name.timeline.csv" "$@" \
		> "$out/$name.log" 2> "$out/$name.err" &
}

# start PHASE SERVER_DEV CLIENT_DEV SERVER_ADDR: a server and its client,
# streaming; sets spid, cpid, srv, cli (file names).
start() {
	srv=$1-server cli=$1-client
	rcstream "$srv" "$2"
	spid=$!
	wait_for 10 eval "ss -ltn | grep -q ':$PORT '" ||
		fail "$1: server does not listen"
	rcstream "$cli" "$3" -t $SECS "$4"
	cpid=$!
	wait_for $((10 * SLOW)) grep -q 'client connected' "$out/$cli.log" ||
		fail "$1: client did not connect: $(cat "$out/$cli.err")"
	sleep 1
}

outages() {
	grep -c '^outage [0-9]*:' "$out/$1.log" || true
}

# both_recovered N: both sides printed their Nth outage line.
both_recovered() {
	(( $(outages "$srv") >= $1 && $(outages "$cli") >= $1 ))
}

# detect_ms NAME N T0: how long after T0 NAME noticed outage N.
detect_ms() {
	local at
	at=$(sed -n "s/^outage n=$2 .* at_ms=\([0-9]*\) .*/\1/p" "$out/$1.report")
	echo $(( ${at:-0} - $3 ))
}

# cycle N WHAT REMOVE RESTORE: take the device away, bring it back 0.2 s
# later, wait until both sides report outage N over, then 1 s of traffic.
cycle() {
	local c=$1 what=$2 t0 ms
	if ! kill -0 $spid 2>/dev/null || ! kill -0 $cpid 2>/dev/null; then
		fail "cycle $c: an rcstream ended early (see $out)"
	fi
	t0=$(now_ms)
	eval "$3" || fail "cycle $c: $what failed"
	ms=$(( $(now_ms) - t0 ))
	(( ms < REMOVAL_LIMIT_MS )) || fail "cycle $c: $what took $ms ms"
	sleep 0.2
	eval "$4" || fail "cycle $c: restoring after $what failed"
	wait_for $((10 * SLOW)) both_recovered "$c" ||
		fail "cycle $c: no recovery from $what (server: $(outages "$srv"), client: $(outages "$cli") outages)"
	log "cycle $c, $what (${ms} ms): server/client noticed $(detect_ms "$srv" "$c" "$t0")/$(detect_ms "$cli" "$c" "$t0") ms after it began;" \
	    "server: $(grep "^outage $c:" "$out/$srv.log" | cut -d: -f2-);" \
	    "client: $(grep "^outage $c:" "$out/$cli.log" | cut -d: -f2-)"
	sleep 1
}

# unbind_cycle N DEV
unbind_cycle() {
	local aux
	aux=$(aux_dev_of "$2")
	cycle "$1" "unbind $2" "echo $aux > $AUX_DRV/unbind" \
	      "echo $aux > $AUX_DRV/bind"
}

# summary NAME KEY: a field of NAME's summary line.
summary() {
	sed -n "s/^rcstream: sent=.* $2=\([0-9]*\).*/\1/p; s/^rcstream: $2=\([0-9]*\) .*/\1/p" \
		"$out/$1.log"
}

# check_side NAME SENT OUTAGES: NAME's summary, outage lines, teardowns
# and timeline.
check_side() {
	local name=$1 rows total
	expect_eq "$name sent" "$(summary "$name" sent)" "$2"
	expect_eq "$name received" "$(summary "$name" received)" "$2"
	expect_eq "$name lost" "$(summary "$name" lost)" 0
	expect_eq "$name duplicated" "$(summary "$name" duplicated)" 0
	expect_eq "$name corrupt" "$(summary "$name" corrupt)" 0
	expect_eq "$name outages" "$(summary "$name" outages)" "$3"
	expect_eq "$name outage lines" "$(outages "$name")" "$3"
	while read -r n down; do
		(( down < DOWN_LIMIT_MS )) ||
			fail "$name: outage $n lasted $down ms (limit $DOWN_LIMIT_MS)"
	done < <(sed -n 's/^outage \([0-9]*\): .* downtime=\([0-9]*\) ms.*/\1 \2/p' \
		 "$out/$name.log")
	! grep 'revive: teardown' "$out/$name.err" ||
		fail "$name: tearing down a revoked context failed"
	# A row per 100 ms of the run (more than 1 s per cycle), and every
	# message in it.
	rows=$(tail -n +2 "$out/$name.timeline.csv" | wc -l)
	total=$(tail -n +2 "$out/$name.timeline.csv" | awk -F, '{ s += $2 } END { print s }')
	(( rows >= $3 * 10 )) || fail "$name timeline: $rows rows"
	expect_eq "$name timeline total" "$total" "$2"
}

# finish OUTAGES: tell the client to finish; both end on their own, exit
# 0, and agree.
finish() {
	local crc=0 src=0 sent name
	kill -USR1 $cpid
	wait_for $((30 * SLOW)) eval "! kill -0 $cpid 2>/dev/null && ! kill -0 $spid 2>/dev/null" || {
		kill -9 $spid $cpid 2>/dev/null
		fail "rcstream did not end (see $out)"
	}
	wait $cpid || crc=$?
	wait $spid || src=$?
	for name in $srv $cli; do
		log "$name: $(grep '^rcstream: sent=' "$out/$name.log")"
	done
	sed 's/^/  stderr: /' "$out/$srv.err" "$out/$cli.err" |
		grep -v 'outage [0-9]* begins' || true
	expect_eq "$cli exit status" $crc 0
	expect_eq "$srv exit status" $src 0
	sent=$(summary "$cli" sent)
	(( sent > 0 )) || fail "nothing sent"
	check_side "$srv" "$sent" "$1"
	check_side "$cli" "$sent" "$1"
}

n=$(reps 10 6)
log "one device (rxe0), $n cycles"
start one rxe0 rxe0 localhost
for c in 1 2 3 5 7 9 10; do
	(( c <= n )) || break
	unbind_cycle $c rxe0
	case $c in
	3|7)	cycle $((c + 1)) "rdma link delete" "rdma link delete rxe0" \
		      "rdma link add rxe0 type rxe netdev veth0" ;;
	5)	cycle 6 "rmmod rxe_lite" "rmmod rxe_lite" "insmod $KO_RXE" ;;
	esac
done
finish $n

log "two devices, only the client's (rxe1) goes away, 2 cycles"
start two rxe0 rxe1 10.0.0.1
unbind_cycle 1 rxe1
unbind_cycle 2 rxe1
finish 2
expect_eq "server's outage causes" \
	"$(sed -n 's/^outage [0-9]*: cause=\([A-Z_]*\) .*/\1/p' "$out/$srv.log" | sort -u)" \
	PEER_CLOSED

rdma link delete rxe0
rdma link delete rxe1
show_objects
expect_objects_zero
