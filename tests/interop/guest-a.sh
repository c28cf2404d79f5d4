#!/bin/bash
# Interop guest A (tools/guest/run-interop.sh): ib_core_lite + rxe_lite on
# the virtio-net NIC 52:54:00:12:34:01 = 192.168.77.1, against guest B's
# Linux rdma_rxe: ibv_rc_pingpong, ibv_ud_pingpong (both with -c) and
# ib_write_bw, A as server and as client, and ib_read_bw with A reading
# (tests/interop/common.sh). Then
# rxe_lite's counters: packets were received and no ICRC was bad, i.e.
# Linux's RoCEv2 packets (and ICRC) are accepted; Linux's own stack was
# never loaded here; every verbs object is gone; the link and the modules
# go away.
set -euo pipefail
ROLE=A
# shellcheck source=tests/interop/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

say "guest A: ib_core_lite + rxe_lite"
nic_up
load_all	# modprobe udp_tunnel; insmod ib_core_lite.ko rxe_lite.ko
rdma_up
wait_peer

run_steps

debugfs_on
counters=/sys/kernel/debug/rxe_lite/counters
say "rxe_lite counters: $(tr '\n' ' ' < "$counters")"
rcvd=$(awk '$1 == "received" { print $2 }' "$counters")
bad=$(awk '$1 == "bad_icrc" { print $2 }' "$counters")
if [[ ${rcvd:-0} -gt 0 && ${bad:-x} == 0 ]]; then
	say "PASS counters: received $rcvd > 0, bad_icrc 0"
else
	say "FAIL counters: received '${rcvd:-}' (want > 0), bad_icrc '${bad:-}' (want 0)"
	failed=1
fi

for m in ib_core ib_uverbs rdma_rxe; do
	if [[ -e /sys/module/$m ]]; then
		say "FAIL Linux's $m is loaded in guest A"
		failed=1
	fi
done
if ! (expect_objects_zero) 2>&1; then
	show_objects
	say "FAIL verbs objects left after the tools exited"
	failed=1
fi
if ! { rdma link delete rxe0 && rmmod rxe_lite && rmmod ib_core_lite; }; then
	say "FAIL rxe0 and the modules do not go away"
	failed=1
fi
say "guest A: $([[ $failed == 0 ]] && echo PASS || echo FAIL)"
exit "$failed"
