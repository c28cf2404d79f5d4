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
run ip -br addr show type veth

step "Load ib_core_lite (the core) and rxe_lite (the soft RoCE driver)"
modprobe -q udp_tunnel  # rxe_lite sends RoCEv2 through the UDP tunnel API
run insmod "$KO_CORE"
run insmod "$KO_RXE"

step "Create soft RDMA devices with the command RDMA users know"
run rdma link add rxe0 type rxe netdev veth0
run rdma link add rxe1 type rxe netdev veth1
run rdma link show
run rdma dev show
run ibv_devices
run ls -l /dev/infiniband/
d=/sys/class/infiniband/rxe0/ports/1
run grep . $d/gids/0 $d/gids/1 $d/gid_attrs/types/0 $d/gid_attrs/types/1 $d/gid_attrs/ndevs/0
wait_for 10 grep -q ffff:0a00:0002 /sys/class/infiniband/rxe1/ports/1/gids/1

step "Unmodified ibv_rc_pingpong between the two devices (data checked)"
ibv_rc_pingpong -d rxe0 -g 1 -n 1000 -c > /tmp/pp-srv.log 2>&1 &
spid=$!
wait_for 10 eval "ss -ltn | grep -q ':18515 '"
run ibv_rc_pingpong -d rxe1 -g 1 -n 1000 -c 10.0.0.1
wait "$spid"

step "Unbind the driver while a process holds the device open"
uv=$(uverbs_of rxe0)
aux=$(aux_dev_of rxe0)
python3 - "/dev/infiniband/$uv" "$aux" "$AUX_DRV/unbind" <<'PY'
import errno, os, sys, time
node, aux, unbind = sys.argv[1:]
fd = os.open(node, os.O_RDWR)
print("  holding %s open (fd %d)" % (node, fd))
t = time.monotonic()
with open(unbind, "w") as f:
    f.write(aux)
print("  $ echo %s > %s" % (aux, unbind))
print("  unbind returned after %d ms (it never waits for userspace)" % ((time.monotonic() - t) * 1000))
import struct
try:
    # ALLOC_PD: header {command 3, 4 words in, 1 word out}, response ptr
    os.write(fd, struct.pack("<IHHQ", 3, 4, 1, 0))
except OSError as e:
    print("  ALLOC_PD write() on the old fd:", errno.errorcode[e.errno])
os.close(fd)
print("  close() on the old fd: ok")
PY
run sh -c "echo $aux > $AUX_DRV/bind"
run rdma link show rxe0/1
wait_for 10 grep -q ffff:0a00:0001 /sys/class/infiniband/rxe0/ports/1/gids/1

out=${LITE_GUEST_OUT:-/tmp}/drills
step "Unbind drill: rcstream traffic on rxe0 survives 6 outages (unbind, rdma link delete, netdev flap)"
DRILL_OUT=$out/unbind "$LITE_ROOT/tools/drill-unbind.sh" -n 6 -m mix

step "Upgrade drill: rxe_lite replaced by the 0.1-alt build and back, under traffic"
run modinfo -F version "$LITE_ROOT/build/alt/drivers/rxe_lite/rxe_lite.ko"
DRILL_OUT=$out/upgrade "$LITE_ROOT/tools/drill-upgrade.sh" -n 4
run cat /sys/module/rxe_lite/version
echo "  reports and plots (on the host): build/demo-out/drills/{unbind,upgrade}/{report.txt,timeline.png}"

step "Clean up"
run rdma link delete rxe0
run rdma link delete rxe1
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
