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

# wait_for SECONDS CMD...: poll CMD every 50 ms until it succeeds.
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
