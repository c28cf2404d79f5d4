#!/bin/bash
# Interop guest B (tools/guest/run-interop.sh): Linux's own ib_core,
# ib_uverbs and rdma_rxe on the virtio-net NIC 52:54:00:12:34:02 =
# 192.168.77.2, the reference RoCEv2 implementation guest A's rxe_lite
# talks to (tests/interop/common.sh). This guest never loads our modules.
# At the end: rdma_rxe's counters show it accepted A's packets.
set -euo pipefail
ROLE=B
# shellcheck source=tests/interop/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

say "guest B: Linux ib_core + rdma_rxe"
nic_up
modprobe rdma_rxe
modprobe ib_uverbs
rdma_up
wait_peer

run_steps

# rdma_rxe counts a packet in rcvd_pkts only once it passed its header and
# ICRC checks (rxe_rcv() in drivers/infiniband/sw/rxe/rxe_recv.c; a bad
# ICRC is dropped silently): > 0 means it accepted rxe_lite's ICRC.
hw=/sys/class/infiniband/rxe0/ports/1/hw_counters
say "rdma_rxe counters: $(cd "$hw" && grep -v '^0$' -- * | tr ':\n' '= ')"
rcvd=$(cat "$hw/rcvd_pkts")
if [[ $rcvd -gt 0 ]]; then
	say "PASS counters: rcvd_pkts $rcvd > 0 (past rdma_rxe's ICRC check)"
else
	say "FAIL counters: rcvd_pkts $rcvd, want > 0"
	failed=1
fi
for m in ib_core_lite rxe_lite; do
	if [[ -e /sys/module/$m ]]; then
		say "FAIL our $m is loaded in guest B"
		failed=1
	fi
done
rdma link delete rxe0 || { say "FAIL rdma link delete rxe0"; failed=1; }
say "guest B: $([[ $failed == 0 ]] && echo PASS || echo FAIL)"
exit "$failed"
