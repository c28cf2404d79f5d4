#!/bin/bash
# The benchmark, in the guest. Runs every measurement on rxe_lite, unloads
# it, loads Linux's rdma_rxe (never both at once: they would fight over
# the infiniband classes and UDP port 4791), runs the same measurements,
# and prints one table. Each measurement is one unmodified tool between two
# processes, server pinned to vCPU 0 and client to vCPU 1, run 3 times;
# the best run counts (lowest latency, highest bandwidth), for both
# drivers alike: on this 2-core host noise only ever slows a run down
# (another vCPU or guest thread taking the core), never speeds it up.
# Runs:
#   loopback: both on rxe0. Both drivers short-cut the IP stack here
#     (Linux's rxe when the destination MAC is its own, rxe_lite when the
#     GID is one of its devices').
#   wire: server on rxe0 (veth0), client on rxe1 (veth1), rxe_lite with
#     loopback=0: RoCEv2 packets through the kernel's IP/UDP stack.
#     Linux's rxe cannot take that path in one host (it resolves the
#     peer's MAC through the route, which for a local address is lo, and
#     fails to connect), so the wire column is compared with its loopback
#     column: a lower bound on what the wire gains over rxe.
set -uo pipefail
LITE_ROOT=$(cd "$(dirname "$0")/.." && pwd)
export LITE_ROOT
source "$LITE_ROOT/tests/guest/lib.sh"
out=${LITE_GUEST_OUT:-/tmp}/bench
mkdir -p "$out"
ITERS=${LITE_BENCH_ITERS:-2000}
RUNS=3

veth_pair veth0 veth1 10.0.0.1/24 10.0.0.2/24

# run NAME SDEV CDEV CMD...: server on SDEV, client on CDEV; the client's
# output is kept.
run() {
	local name=$1 sdev=$2 cdev=$3
	shift 3
	timeout 300 taskset -c 0 "$@" -d "$sdev" > "$out/$name.srv" 2>&1 &
	local spid=$!
	wait_for 10 eval "ss -ltn | grep -q ':18515 '"
	timeout 300 taskset -c 1 "$@" -d "$cdev" localhost > "$out/$name.cli" 2>&1
	wait "$spid"
}

# pp_usec FILE: usec/iter of an ibv_*_pingpong client.
pp_usec() { grep -o '[0-9.]* usec/iter' "$1" | tail -1 | cut -d' ' -f1; }
# lat_typ FILE: t_typical of a perftest latency client.
lat_typ() { awk '/#bytes/ { getline; print $5 }' "$1"; }
# bw_avg FILE: BW average (MB/s) of a perftest bandwidth client.
bw_avg() { awk '/#bytes/ { getline; print $4 }' "$1"; }

# one TAG SDEV CDEV WHAT PARSER CMD...: RUNS runs, the best printed.
one() {
	local t=$1 sdev=$2 cdev=$3 what=$4 parse=$5 i vals=() name
	shift 5
	name=$t-$(tr -c 'A-Za-z0-9\n' _ <<< "${what%% (*}")
	for ((i = 1; i <= RUNS; i++)); do
		run "$name-$i" "$sdev" "$cdev" "$@"
		vals+=("$($parse "$out/$name-$i.cli")")
	done
	local order=-g
	[[ $what == *"(MB/s)"* ]] && order=-gr
	echo "$what|$t|$(printf '%s\n' "${vals[@]}" | grep . | sort $order | head -n1)"
	echo "  $t $what: ${vals[*]}" >&2
}

measure() {	# TAG SERVER-DEV CLIENT-DEV
	local t=$1 s=$2 c=$3 size
	for size in 64 4096 65536; do
		one "$t" "$s" "$c" "rc_pingpong ${size} B latency (us/iter)" \
			pp_usec ibv_rc_pingpong -g 1 -s "$size" -n "$ITERS"
	done
	one "$t" "$s" "$c" "ib_send_lat 2 B typical (us)" lat_typ \
		ib_send_lat -x 1 -n "$ITERS"
	one "$t" "$s" "$c" "ib_write_bw 64 KiB (MB/s)" bw_avg \
		ib_write_bw -x 1 -n "$ITERS"
	one "$t" "$s" "$c" "ib_read_bw 64 KiB (MB/s)" bw_avg \
		ib_read_bw -x 1 -n "$ITERS"
}

gids_ready() {
	wait_for 5 grep -q ffff:0a00:0001 /sys/class/infiniband/rxe0/ports/1/gids/1
	wait_for 5 grep -q ffff:0a00:0002 /sys/class/infiniband/rxe1/ports/1/gids/1
}

{
	echo "# rxe_lite" >&2
	load_all
	rdma link add rxe0 type rxe netdev veth0
	rdma link add rxe1 type rxe netdev veth1
	gids_ready
	measure lite rxe0 rxe0
	echo 0 > /sys/module/rxe_lite/parameters/loopback
	measure lite-wire rxe0 rxe1
	unload_all

	echo "# Linux rxe" >&2
	modprobe rdma_rxe && modprobe ib_uverbs
	rdma link add rxe0 type rxe netdev veth0
	rdma link add rxe1 type rxe netdev veth1
	gids_ready
	measure rxe rxe0 rxe0
	rdma link delete rxe0
	rdma link delete rxe1
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

f = lambda v: "%10.2f" % v if v else "%10s" % "-"
print("%-37s %10s %10s %8s | %10s %8s" % ("measurement (best of 3)",
      "rxe_lite", "Linux rxe", "ratio", "lite wire", "wire/rxe"))
for w in order:
    r = rows[w]
    lower = "(us" in w
    print("%-37s %s %s %8s | %s %8s" % (w,
          f(r.get("lite")), f(r.get("rxe")),
          ratio(r.get("lite"), r.get("rxe"), lower),
          f(r.get("lite-wire")),
          ratio(r.get("lite-wire"), r.get("rxe"), lower)))
print("\nrxe_lite, Linux rxe: both processes on rxe0 (each driver's local short-cut)")
print("lite wire: rxe0 <-> rxe1 through the IP/UDP stack (loopback=0); Linux rxe")
print("cannot take that path within one host, so it is set against rxe's short-cut")
print("ratio = how many times better rxe_lite is (latency: rxe/lite; "
      "bandwidth: lite/rxe)")
PY
