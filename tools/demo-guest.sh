#!/bin/bash
# The demo, inside the guest. Every command is shown before it runs.
set -euo pipefail
export LITE_ROOT=$(cd "$(dirname "$0")/.." && pwd)
source "$LITE_ROOT/tests/guest/lib.sh"

step() { printf '\n=== %s\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@" 2>&1 | sed 's/^/  /'; }

step "Kernel: $(uname -r) (Debian's stock kernel, in QEMU)"
modprobe veth
veth_pair veth0 veth1 10.0.0.1/24 10.0.0.2/24
veth_pair veth2 veth3 10.0.1.1/24 10.0.1.2/24
run ip -br addr show type veth

step "Load ib_core_lite (the core) and rxe_lite (the soft RoCE driver)"
run insmod "$KO_CORE"
run insmod "$KO_RXE"

step "Create soft RDMA devices with the command RDMA users know"
run rdma link add rxe0 type rxe netdev veth0
run rdma link add rxe1 type rxe netdev veth2
run rdma link show
run rdma dev show
run ibv_devices
run ls -l /dev/infiniband/
d=/sys/class/infiniband/rxe0/ports/1
run grep . $d/gids/0 $d/gids/1 $d/gid_attrs/types/0 $d/gid_attrs/types/1 $d/gid_attrs/ndevs/0

step "Unbind the driver while a process holds the device open"
uv=$(uverbs_of rxe0)
aux=$(aux_dev_of rxe0)
exec 3<>/dev/infiniband/$uv
echo "  holding /dev/infiniband/$uv open as fd 3"
start=$(now_ms)
run sh -c "echo $aux > $AUX_DRV/unbind"
echo "  unbind returned after $(( $(now_ms) - start )) ms (it never waits for userspace)"
run rdma link show
python3 - 3 <<'PY'
import errno, os, sys
fd = int(sys.argv[1])
try:
    os.write(fd, b"\0" * 16)
except OSError as e:
    print("  write() on the old fd:", errno.errorcode[e.errno])
PY
exec 3>&-
echo "  close() on the old fd: ok"
run sh -c "echo $aux > $AUX_DRV/bind"
run rdma link show rxe0/1

step "Unload the driver with devices present, then load it again"
start=$(now_ms)
run rmmod rxe_lite
echo "  rmmod took $(( $(now_ms) - start )) ms; the soft devices stay on the auxiliary bus:"
run ls /sys/bus/auxiliary/devices/
run insmod "$KO_RXE"
echo "  the devices come back without re-adding the links:"
run rdma link show

step "Delete a netdev: its soft device goes with it"
run ip link del veth2
wait_for 5 test ! -e /sys/class/infiniband/rxe1
run rdma link show

step "Clean up"
run rdma link delete rxe0
run rmmod rxe_lite
run rmmod ib_core_lite
for m in ib_core ib_uverbs rdma_rxe; do
	[[ ! -e /sys/module/$m ]] || { echo "  $m got loaded!"; exit 1; }
done
echo "  Linux's ib_core, ib_uverbs and rdma_rxe were never loaded."
if dmesg | grep -E "$(grep -v '^#' tests/guest/kernel-log-patterns | grep . | paste -sd'|')"; then
	echo "  kernel log: BAD lines above"
	exit 1
fi
echo "  kernel log: clean"
step "Demo done"
