#!/bin/bash
# The benchmark, in the guest. Runs every measurement on rxe_lite, unloads
# it, loads Linux's rdma_rxe (never both at once: they would fight over
# the infiniband classes and UDP port 4791), runs the same measurements,
# and prints one table. Each measurement is one unmodified tool between two
# processes on one device (loopback), plus, for rxe_lite, the wire path
# (loopback=0: through the IP stack, as Linux's rxe always does for
# local traffic).
set -uo pipefail
LITE_ROOT=$(cd "$(dirname "$0")/.." && pwd)
export LITE_ROOT
source "$LITE_ROOT/tests/guest/lib.sh"
out=${LITE_GUEST_OUT:-/tmp}/bench
mkdir -p "$out"
ITERS=${LITE_BENCH_ITERS:-2000}

veth_pair veth0 veth1 10.0.0.1/24 10.0.0.2/24

# run NAME CMD...: server and client on rxe0; the client's output is kept.
run() {
	local name=$1
	shift
	timeout 300 "$@" > "$out/$name.srv" 2>&1 &
	local spid=$!
	wait_for 10 eval "ss -ltn | grep -q ':18515 '"
	timeout 300 "$@" localhost > "$out/$name.cli" 2>&1
	wait "$spid"
}

# pp_usec FILE: usec/iter of an ibv_*_pingpong client.
pp_usec() { grep -o '[0-9.]* usec/iter' "$1" | tail -1 | cut -d' ' -f1; }
# lat_typ FILE: t_typical of a perftest latency client.
lat_typ() { awk '/#bytes/ { getline; print $5 }' "$1"; }
# bw_avg FILE: BW average (MB/s) of a perftest bandwidth client.
bw_avg() { awk '/#bytes/ { getline; print $4 }' "$1"; }

measure() {	# TAG
	local t=$1 s
	for s in 64 4096 65536; do
		run "$t-rc$s" ibv_rc_pingpong -d rxe0 -g 1 -s "$s" -n "$ITERS"
		echo "rc_pingpong ${s} B latency (us/iter)|$t|$(pp_usec "$out/$t-rc$s.cli")"
	done
	run "$t-slat" ib_send_lat -d rxe0 -n "$ITERS"
	echo "ib_send_lat 2 B typical (us)|$t|$(lat_typ "$out/$t-slat.cli")"
	run "$t-wbw" ib_write_bw -d rxe0 -n "$ITERS"
	echo "ib_write_bw 64 KiB (MB/s)|$t|$(bw_avg "$out/$t-wbw.cli")"
	run "$t-rbw" ib_read_bw -d rxe0 -n "$ITERS"
	echo "ib_read_bw 64 KiB (MB/s)|$t|$(bw_avg "$out/$t-rbw.cli")"
}

{
	echo "# rxe_lite" >&2
	load_all
	rdma link add rxe0 type rxe netdev veth0
	wait_for 5 grep -q ffff:0a00:0001 /sys/class/infiniband/rxe0/ports/1/gids/1
	measure lite
	echo 0 > /sys/module/rxe_lite/parameters/loopback
	measure lite-wire
	unload_all

	echo "# Linux rxe" >&2
	modprobe rdma_rxe && modprobe ib_uverbs
	rdma link add rxe0 type rxe netdev veth0
	wait_for 5 grep -q ffff:0a00:0001 /sys/class/infiniband/rxe0/ports/1/gids/1
	measure rxe
	rdma link delete rxe0
} > "$out/results.txt"

python3 - "$out/results.txt" <<'PY'
import sys
rows, order = {}, []
for line in open(sys.argv[1]):
    what, tag, val = line.rstrip("\n").split("|")
    if what not in rows:
        rows[what] = {}
        order.append(what)
    rows[what][tag] = float(val) if val else None

def ratio(a, b, lower_better):
    if not a or not b:
        return "-"
    return "%.2fx" % ((b / a) if lower_better else (a / b))

print("%-34s %12s %12s %12s %10s %10s" % ("measurement", "rxe_lite", "lite wire",
      "Linux rxe", "lite/rxe", "wire/rxe"))
for w in order:
    r = rows[w]
    lower = "(us" in w
    f = lambda v: "%12.2f" % v if v else "%12s" % "-"
    print("%-34s %s %s %s %10s %10s" % (w, f(r.get("lite")), f(r.get("lite-wire")),
          f(r.get("rxe")), ratio(r.get("lite"), r.get("rxe"), lower),
          ratio(r.get("lite-wire"), r.get("rxe"), lower)))
print("\nratio = how many times better rxe_lite is (latency: rxe/lite; "
      "bandwidth: lite/rxe)")
PY
