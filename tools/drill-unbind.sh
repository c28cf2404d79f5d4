#!/bin/bash
# Unbind drill: N outages of an RDMA device under rcstream traffic (server
# and client on the device), each a removal and a restore, then a report
# (tools/drill-lib.sh) and a PNG timeline. Runs as root in the QEMU guest
# or on a real host with ib_core_lite + rxe_lite and the device up.
#
#   drill-unbind.sh [-n CYCLES] [-d IBDEV] [-m MODE] [-o OUTDIR]
#
# MODE: unbind (sysfs unbind/bind of the driver, default), link (rdma link
# delete/add on the same netdev), flap (the netdev set down and up: the
# device stays, its port goes down; rcstream takes the PORT_ERR event as
# an outage and waits for the port), or mix (the three in turn). Exits 0
# when nothing was lost, duplicated or corrupted, every downtime stayed
# under DRILL_MAX_DOWN_MS (2000) and the kernel log stayed clean.
set -uo pipefail
source "$(dirname "$0")/drill-lib.sh"

cycles=10 dev=rxe0 mode=unbind
while getopts n:d:m:o: o; do
	case $o in
	n) cycles=$OPTARG ;;
	d) dev=$OPTARG ;;
	m) mode=$OPTARG ;;
	o) DRILL_OUT=$OPTARG ;;
	*) sed -n 's/^#   //p' "$0" >&2; exit 2 ;;
	esac
done
[[ $mode =~ ^(unbind|link|flap|mix)$ ]] || drill_die "unknown mode $mode"
drill_dev_up "$dev" || drill_die "$dev is not up"
netdev=$(rdma link show "$dev/1" | sed -n 's/.* netdev \([^ ]*\).*/\1/p')
[[ -n $netdev ]] || drill_die "cannot find the netdev of $dev"

drill_start unbind "$dev"
mix=(flap unbind link)	# mix: cycle 1 unbinds, 2 deletes the link, 3 flaps
for ((c = 1; c <= cycles; c++)); do
	m=$mode
	[[ $mode == mix ]] && m=${mix[c % 3]}
	case $m in
	unbind)
		aux=$(basename "$(readlink -f "/sys/class/infiniband/$dev/device")")
		drill_cycle "$c" unbind "echo $aux > $AUX_DRV/unbind" \
			"echo $aux > $AUX_DRV/bind" ;;
	link)
		drill_cycle "$c" link-del "rdma link delete $dev" \
			"rdma link add $dev type rxe netdev $netdev" ;;
	flap)
		drill_cycle "$c" flap "ip link set $netdev down" \
			"ip link set $netdev up && drill_wait 10 drill_port_active $dev" ;;
	esac
done
drill_finish
