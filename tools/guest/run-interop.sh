#!/bin/bash
# Interoperability with Linux's own soft-RoCE (issue 5): two QEMU guests at
# once, joined by a QEMU socket network on 127.0.0.1 (one virtio-net NIC
# each). Guest A runs ib_core_lite + rxe_lite (tests/interop/guest-a.sh),
# guest B Linux's ib_core + rdma_rxe (tests/interop/guest-b.sh); both run
# ibv_rc_pingpong, ibv_ud_pingpong and ib_write_bw with A as server and as
# client, and ib_read_bw with A reading (tests/interop/common.sh).
#
#   run-interop.sh [--timeout SECONDS] [--mem MB] [--out DIR] [--net udp|tcp]
#
# The network (--net, or $LITE_INTEROP_NET):
#   udp (default)  -netdev socket,udp=...,localaddr=...: one datagram per
#                  frame, each QEMU sending to the other's port. Lossy: a
#                  QEMU that falls behind drops at its socket (host UDP
#                  RcvbufErrors); RC recovers by NAK and retransmission.
#   tcp            -netdev socket,listen=... (A) / connect=... (B), as the
#                  issue first put it. Lossless, but QEMU 7.2 sets
#                  TCP_NODELAY only on the connecting socket (net/socket.c),
#                  so every small frame A sends waits for B's delayed TCP
#                  ACK: an RC round trip takes 50-70 ms instead of 2-15 ms,
#                  and ibv_rc_pingpong's fixed 67 ms x 7 retries can run out
#                  when the loaded host also stalls a guest for ~0.5 s.
# Output of both guests streams live, prefixed "A| " and "B| ". Each guest
# has its own out dir of tools/guest/run-in-guest.sh: OUT/a and OUT/b
# (console.log, output.log, dmesg.txt, steps/ with every tool's output).
# LITE_INTEROP_PCAP=1 records guest A's traffic (both ways) with QEMU's
# filter-dump in OUT/a.pcap (decode it with tools/guest/roce-pcap.py);
# LITE_INTEROP_STEPS="1 2" runs only those steps.
# Exits 0 when both guests exit 0, 125 if a guest gave no status, else 1.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
timeout=900 mem=1024 out=$repo/build/interop-out net=${LITE_INTEROP_NET:-udp}

usage() { sed -n 's/^#   //p' "${BASH_SOURCE[0]}" >&2; exit 2; }
while [[ $# -gt 0 ]]; do
	case $1 in
	--timeout) timeout=${2:?}; shift 2 ;;
	--mem) mem=${2:?}; shift 2 ;;
	--out) out=${2:?}; shift 2 ;;
	--net) net=${2:?}; shift 2 ;;
	*) usage ;;
	esac
done
[[ $net == udp || $net == tcp ]] || usage
cd "$repo"
out=$(realpath -m "$out")
mkdir -p "$out"
rm -f "$out/a.pcap"

# free_port tcp|udp: a port on 127.0.0.1 nobody has bound.
free_port() {
	python3 - "$1" <<'PY'
import socket, sys
s = socket.socket(type=socket.SOCK_STREAM if sys.argv[1] == "tcp" else socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
PY
}
port_a=$(free_port "$net")
port_b=$(free_port "$net")
# bound PORT: guest A's QEMU has its socket (listening, or bound for UDP).
bound() {
	if [[ $net == tcp ]]; then
		ss -Hltn "sport = :$1" | grep -q .
	else
		ss -Huan "sport = :$1" | grep -q .
	fi
}

pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
}
trap 'cleanup; exit 130' INT TERM

# guest ROLE MAC NETDEV SCRIPT: run-in-guest.sh in the background with one
# virtio-net NIC on NETDEV, its output prefixed with the role ($! = its pid).
guest() {
	local role=$1 mac=$2 netdev=$3 script=$4 dump=
	if [[ $role == A && -n ${LITE_INTEROP_PCAP:-} ]]; then
		dump=" -object filter-dump,id=d0,netdev=n0,file=$out/a.pcap"
	fi
	LITE_GUEST_QEMU_ARGS="-netdev $netdev -device virtio-net-pci,netdev=n0,mac=$mac,romfile=$dump" \
		"$here/run-in-guest.sh" --timeout "$timeout" --mem "$mem" --out "$out/${role,,}" \
		-- "tests/interop/$script" \
		> >(sed -u "s/^/$role| /") 2>&1 &
	pids+=($!)
}

if [[ $net == tcp ]]; then
	net_a="socket,id=n0,listen=127.0.0.1:$port_a"
	net_b="socket,id=n0,connect=127.0.0.1:$port_a"
else
	net_a="socket,id=n0,udp=127.0.0.1:$port_b,localaddr=127.0.0.1:$port_a"
	net_b="socket,id=n0,udp=127.0.0.1:$port_a,localaddr=127.0.0.1:$port_b"
fi

start=$(date +%s)
if [[ $net == tcp ]]; then
	echo "interop: TCP, A's QEMU listens on 127.0.0.1:$port_a, B's connects; out dirs $out/a, $out/b"
else
	echo "interop: UDP, A's QEMU at 127.0.0.1:$port_a, B's at 127.0.0.1:$port_b; out dirs $out/a, $out/b"
fi
guest A 52:54:00:12:34:01 "$net_a" guest-a.sh
pid_a=$!
# B only once A's QEMU has its socket: a TCP connect is tried once, at
# QEMU's start-up. (This also keeps the two run-in-guest.sh from building
# a stale initramfs at the same time.)
for ((i = 0; i < 1200; i++)); do
	bound "$port_a" && break
	kill -0 "$pid_a" 2>/dev/null || break
	sleep 0.1
done
if ! bound "$port_a"; then
	echo "interop: guest A's QEMU has no socket on 127.0.0.1:$port_a" >&2
	cleanup
	wait "$pid_a" || true
	exit 125
fi
guest B 52:54:00:12:34:02 "$net_b" guest-b.sh
pid_b=$!

rc_a=0 rc_b=0
wait "$pid_a" || rc_a=$?
wait "$pid_b" || rc_b=$?
trap - INT TERM
sleep 0.2	# let the output filters drain
echo "interop: guest A rc=$rc_a, guest B rc=$rc_b, wall $(( $(date +%s) - start ))s"
if [[ $rc_a == 125 || $rc_b == 125 ]]; then
	exit 125
fi
[[ $rc_a == 0 && $rc_b == 0 ]]
