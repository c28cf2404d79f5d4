# Helpers sourced by every guest test. Each test runs in its own bash
# process with `set -euo pipefail`; a non-zero exit fails it.
# The runner (run-suites.sh) cleans up between tests.

: "${LITE_ROOT:?}"
# Where the modules were built: the tree itself for Debian's kernel, a copy
# under build/ for the debug kernel (make check-debug sets LITE_MOD_ROOT).
MOD_ROOT=${LITE_MOD_ROOT:-$LITE_ROOT}
KO_CORE=$MOD_ROOT/kernel/ib_core_lite/ib_core_lite.ko
KO_RXE=$MOD_ROOT/kernel/drivers/rxe_lite/rxe_lite.ko
KO_TEST=$MOD_ROOT/tests/kmod/lite_test_client.ko
KO_BAD=$MOD_ROOT/tests/kmod/lite_bad.ko
PROGS=$LITE_ROOT/tests/progs
AUX_DRV=/sys/bus/auxiliary/drivers/rxe_lite

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

log() {
	echo "  $*"
}

# reps FULL LIGHT: how many times to repeat something: FULL, or LIGHT under
# make check-debug (LITE_LIGHT=1). On the debug kernel every path must
# still be taken (lockdep and KASAN see a path once), but repetitions only
# cost time there, at 3-10x the stock kernel's; the stock run of make check
# is the one that repeats as often as the issues ask.
reps() {
	if [[ ${LITE_LIGHT:-0} == 1 ]]; then echo "$2"; else echo "$1"; fi
}

# expect_eq WHAT GOT WANT
expect_eq() {
	[[ "$2" == "$3" ]] || fail "$1: got '$2', want '$3'"
}

load_core() {
	# rxe_lite sends RoCEv2 through the kernel's UDP tunnel API.
	modprobe -q udp_tunnel 2>/dev/null || true
	lsmod | grep -q '^ib_core_lite ' || insmod "$KO_CORE"
}

load_all() {
	load_core
	lsmod | grep -q '^rxe_lite ' || insmod "$KO_RXE"
}

# unload_all: links, test client, driver, core; in that order.
unload_all() {
	local l
	if lsmod | grep -q '^ib_core_lite '; then
		for l in $(rdma -j link show 2>/dev/null |
			   python3 -c 'import json,sys
for l in json.load(sys.stdin): print(l["ifname"])' 2>/dev/null); do
			rdma link delete "$l" 2>/dev/null || true
		done
	fi
	lsmod | grep -q '^lite_test_client ' && rmmod lite_test_client
	lsmod | grep -q '^lite_bad ' && rmmod lite_bad
	lsmod | grep -q '^rxe_lite ' && rmmod rxe_lite
	lsmod | grep -q '^ib_core_lite ' && rmmod ib_core_lite
	return 0
}

# veth_pair A B [IPV4_A IPV4_B]: a veth pair, up, with IPv4 addresses.
veth_pair() {
	ip link add "$1" type veth peer name "$2"
	ip addr add "${3:-10.0.0.1/24}" dev "$1"
	ip addr add "${4:-10.0.0.2/24}" dev "$2"
	ip link set "$1" up
	ip link set "$2" up
}

del_all_veth() {
	local d
	for d in $(ip -o link show type veth | awk -F': ' '{print $2}' | cut -d@ -f1); do
		ip link del "$d" 2>/dev/null || true
	done
}

# The node GUID / default GID interface id the core derives from a MAC.
mac_to_guid() {
	python3 - "$1" <<'PY'
import sys
b = [int(x, 16) for x in sys.argv[1].split(":")]
e = [b[0] ^ 2, b[1], b[2], 0xff, 0xfe, b[3], b[4], b[5]]
print(":".join("%02x%02x" % (e[i], e[i + 1]) for i in range(0, 8, 2)))
PY
}

netdev_mac() {
	cat "/sys/class/net/$1/address"
}

# uverbs_of IBDEV: the uverbsN name whose ibdev is IBDEV.
uverbs_of() {
	local d
	for d in /sys/class/infiniband_verbs/uverbs*; do
		[[ -e "$d/ibdev" ]] || continue
		if [[ "$(cat "$d/ibdev")" == "$1" ]]; then
			basename "$d"
			return 0
		fi
	done
	return 1
}

# aux_dev_of IBDEV: the auxiliary device (ib_core_lite.rxe.N) under IBDEV.
aux_dev_of() {
	basename "$(readlink -f "/sys/class/infiniband/$1/device")"
}

# wait_for SECONDS CMD...: poll CMD every 50 ms until it succeeds, at most
# SECONDS x 20 times: longer than SECONDS when CMD itself is slow (keep it
# cheap: a scan of /proc takes seconds on the debug kernel).
wait_for() {
	local limit=$1 i
	shift
	for ((i = 0; i < limit * 20; i++)); do
		"$@" && return 0
		sleep 0.05
	done
	return 1
}

# now_ms: monotonic milliseconds
now_ms() {
	local t
	read -r t _ < /proc/uptime
	echo $(( ${t/./} * 10 ))
}

modref() {
	cat "/sys/module/$1/refcnt"
}

# The object counters the core and the driver expose for tests (debugfs):
# one "NAME COUNT" line per object type.
LITE_OBJ_FILES="/sys/kernel/debug/ib_core_lite/objects /sys/kernel/debug/rxe_lite/objects"

debugfs_on() {
	mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug
}

# show_objects: both counter files, one line each.
show_objects() {
	local f
	debugfs_on
	for f in $LITE_OBJ_FILES; do
		echo "$(basename "$(dirname "$f")"): $(tr '\n' ' ' < "$f")"
	done
}

# expect_objects_zero: every object counter of core and driver is back to 0.
expect_objects_zero() {
	local f
	debugfs_on
	for f in $LITE_OBJ_FILES; do
		[[ -r $f ]] || fail "no object counters at $f"
		awk '$2 != 0 { print "  left: " FILENAME ": " $0; bad = 1 }
		     END { exit bad }' "$f" || fail "objects left over in $f"
	done
}

# The removal time bound the revoke contract promises (1 s on Debian's
# kernel). The debug kernel (KASAN, lockdep) under TCG runs everything
# several times slower: make check-debug sets LITE_SLOW_FACTOR.
REMOVAL_LIMIT_MS=$((1000 * ${LITE_SLOW_FACTOR:-1}))

# traffic_loop DEV STOPFILE [PORT]: pairs of unmodified ibv_rc_pingpong
# (server and client on DEV, 4 KiB messages) restarted as soon as a pair
# ends, which a removal makes them do, until STOPFILE exists; waits while
# DEV is absent. Meant for the background (apps failing is expected, so
# nothing in it may fail the test's set -e). STOPFILE.pairs holds the
# number of pairs started so far (a test waits for it to grow: a pair
# that never ends after a removal would stop it).
traffic_loop() {
	local dev=$1 stop=$2 port=${3:-18515} n=0 s
	while [[ ! -e $stop ]]; do
		if ! grep -q ffff "/sys/class/infiniband/$dev/ports/1/gids/1" 2>/dev/null; then
			sleep 0.05
			continue
		fi
		ibv_rc_pingpong -d "$dev" -g 1 -s 4096 -n 100000000 -p "$port" \
			> "$stop.srv" 2>&1 &
		s=$!
		n=$((n + 1))
		echo "$n" > "$stop.pairs"
		# Not once the server is gone (the device went away before it
		# listened) or we are told to stop: 100 polls of ss take
		# minutes on the debug kernel.
		if wait_for 5 eval "[[ -e $stop ]] || ! kill -0 $s 2>/dev/null ||
				    ss -ltn | grep -q ':$port '" &&
		   [[ ! -e $stop ]] && kill -0 "$s" 2>/dev/null; then
			ibv_rc_pingpong -d "$dev" -g 1 -s 4096 -n 100000000 \
				-p "$port" localhost > "$stop.cli" 2>&1 || true
		fi
		# A server whose client never came waits in accept(): end it.
		kill "$s" 2>/dev/null || true
		wait "$s" 2>/dev/null || true
	done
}

# traffic_pairs STOPFILE: pairs a traffic_loop started so far.
traffic_pairs() {
	cat "$1.pairs" 2>/dev/null || echo 0
}

# traffic_stop STOPFILE PID: stop a traffic_loop; fails if its
# applications do not end (a hang) within 20 s (scaled).
traffic_stop() {
	touch "$1"
	# The running pair only ends with the next removal, or when killed.
	pkill -f 'ibv_rc_pingpong -d' 2>/dev/null || true
	wait_for $((20 * ${LITE_SLOW_FACTOR:-1})) eval "! kill -0 $2 2>/dev/null" ||
		fail "traffic loop does not end (an application hangs)"
	wait "$2" 2>/dev/null || true
}

# rxe0_up: whatever a removal took away is back: veth0, rxe_lite, rxe0
# (re-added by the core for a reloaded driver, else by rdma link add) and
# its IPv4 GID.
rxe0_up() {
	local slow=${LITE_SLOW_FACTOR:-1}
	ip link show veth0 > /dev/null 2>&1 || veth_pair veth0 veth1
	if ! lsmod | grep -q '^rxe_lite '; then
		insmod "$KO_RXE"
		# The core adds the links it knows back for the new driver.
		wait_for $((5 * slow)) test -d /sys/class/infiniband/rxe0 || true
	fi
	[[ -e /sys/class/infiniband/rxe0 ]] ||
		rdma link add rxe0 type rxe netdev veth0
	wait_for $((10 * slow)) grep -q ffff:0a00:0001 \
		/sys/class/infiniband/rxe0/ports/1/gids/1 || fail "rxe0 not up"
}

# pingpong_ok DEV: a fresh unmodified ibv_rc_pingpong (100 exchanges, data
# checked) between two processes on DEV passes: the device works.
pingpong_ok() {
	local dev=$1 srv=/tmp/pingpong_ok.srv s
	ibv_rc_pingpong -d "$dev" -g 1 -n 100 -c > "$srv" 2>&1 &
	s=$!
	wait_for $((10 * ${LITE_SLOW_FACTOR:-1})) eval "ss -ltn | grep -q ':18515 '" ||
		{ cat "$srv"; fail "fresh rc_pingpong on $dev: no server"; }
	ibv_rc_pingpong -d "$dev" -g 1 -n 100 -c localhost > /dev/null 2>&1 ||
		{ cat "$srv"; fail "fresh rc_pingpong on $dev (client)"; }
	wait "$s" || { cat "$srv"; fail "fresh rc_pingpong on $dev (server)"; }
}
