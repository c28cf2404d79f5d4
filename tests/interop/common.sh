# shellcheck shell=bash disable=SC2034  # failed: read by guest-a.sh, guest-b.sh
# Shared by tests/interop/guest-a.sh and guest-b.sh (sourced; runs in a
# guest started by tools/guest/run-interop.sh). Two guests on one QEMU
# socket network: A (52:54:00:12:34:01, 192.168.77.1) runs ib_core_lite +
# rxe_lite, B (52:54:00:12:34:02, 192.168.77.2) Linux's ib_core + rdma_rxe.
# Both run the same steps in the same order; each step has its own TCP
# port, its server starts at once and its client retries the TCP connect
# until the server listens, so the two guests need no other rendezvous.
# Each step prints "PASS step..." or "FAIL step..."; the script's status
# is non-zero if any failed.

LITE_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export LITE_ROOT
# wait_for, now_ms, fail, log, debugfs_on. lib.sh loads nothing by itself.
source "$LITE_ROOT/tests/guest/lib.sh"

BB=/run/lite-bin/busybox	# static busybox (stage 2 copies it): ping
MAC_A=52:54:00:12:34:01 IP_A=192.168.77.1
MAC_B=52:54:00:12:34:02 IP_B=192.168.77.2
PORT_BASE=18600
STEP_TIMEOUT=${LITE_INTEROP_STEP_TIMEOUT:-60}	# one tool run
CONNECT_TIMEOUT=${LITE_INTEROP_CONNECT_TIMEOUT:-60}	# client retrying the server
PEER_TIMEOUT=${LITE_INTEROP_PEER_TIMEOUT:-240}	# the other guest's boot + setup
OUTDIR=${LITE_GUEST_OUT:-/tmp}/steps
mkdir -p "$OUTDIR"
failed=0

case ${ROLE:?} in
A) MY_MAC=$MAC_A MY_IP=$IP_A PEER_IP=$IP_B ;;
B) MY_MAC=$MAC_B MY_IP=$IP_B PEER_IP=$IP_A ;;
*) fail "ROLE must be A or B" ;;
esac

# say WHAT: a timestamped progress line (guest uptime).
say() {
	local up
	read -r up _ < /proc/uptime
	printf '[%7.1f] %s\n' "$up" "$*"
}

# find_nic: sets NIC to the interface with our MAC.
find_nic() {
	local f
	for f in /sys/class/net/*/address; do
		[[ $(<"$f") == "$MY_MAC" ]] || continue
		f=${f%/address}
		NIC=${f##*/}
		return 0
	done
	return 1
}

# nic_up: the virtio-net NIC with our MAC, addressed and up; sets NIC.
nic_up() {
	modprobe virtio_net
	NIC=
	wait_for 10 find_nic || fail "no interface with MAC $MY_MAC"
	ip addr add "$MY_IP/24" dev "$NIC"
	ip link set "$NIC" up
	say "$NIC ($MY_MAC) up as $MY_IP/24, mtu $(<"/sys/class/net/$NIC/mtu")"
}

# wait_peer: the other guest answers ping.
wait_peer() {
	local start
	start=$(now_ms)
	until "$BB" ping -q -c 1 -W 1 "$PEER_IP" > /dev/null 2>&1; do
		(( $(now_ms) - start < PEER_TIMEOUT * 1000 )) ||
			fail "peer $PEER_IP does not answer ping after ${PEER_TIMEOUT}s"
		sleep 0.2
	done
	say "peer $PEER_IP answers ping (after $(( ($(now_ms) - start) / 1000 ))s)"
}

# ipv4_gid IP: the IPv4-mapped GID as sysfs shows it.
ipv4_gid() {
	local a b c d
	IFS=. read -r a b c d <<< "$1"
	printf '0000:0000:0000:0000:0000:ffff:%02x%02x:%02x%02x' "$a" "$b" "$c" "$d"
}

# gid1_is GID: rxe0's GID index 1 is GID.
gid1_is() {
	[[ $(cat /sys/class/infiniband/rxe0/ports/1/gids/1 2>/dev/null) == "$1" ]]
}

# rdma_up: rxe0 on the NIC (whichever stack is loaded), GID 1 = our IPv4.
rdma_up() {
	local gid
	gid=$(ipv4_gid "$MY_IP")
	rdma link add rxe0 type rxe netdev "$NIC"
	wait_for 10 gid1_is "$gid" ||
		fail "rxe0 GID 1 is '$(cat /sys/class/infiniband/rxe0/ports/1/gids/1 2>&1)', want $gid"
	local m mods=
	for m in ib_core ib_uverbs rdma_rxe ib_core_lite rxe_lite; do
		[[ -e /sys/module/$m ]] && mods+=" $m"
	done
	say "rxe0 on $NIC: GID 1 $gid ($(cat /sys/class/infiniband/rxe0/ports/1/gid_attrs/types/1)), port $(cat /sys/class/infiniband/rxe0/ports/1/state); loaded:$mods"
}

# summary FILE: the result line of a pingpong or perftest client/server.
summary() {
	local s
	s=$(grep -o '[0-9.]* usec/iter' "$1" | tail -n1) || true
	[[ -n $s ]] || s=$(grep -A1 '#bytes' "$1" | tail -n1 | tr -s ' \t' ' ' |
		awk 'NF >= 4 { print $1 " B, " $4 " MB/s avg" }') || true
	echo "${s:-no result line}"
}

# peer_alive: the other guest still answers ping (it may have failed and
# powered off; then every step fails at once instead of waiting).
peer_alive() {
	local i
	for i in 1 2 3 4 5; do
		"$BB" ping -q -c 1 -W 2 "$PEER_IP" > /dev/null 2>&1 && return 0
	done
	return 1
}

# step N NAME SERVER TOOL ARGS...: guest SERVER (A or B) runs TOOL ARGS as
# the server on TCP port PORT_BASE+N, the other guest as the client. Both
# sides must exit 0, and a data check (-c) must not complain.
step() {
	local n=$1 name=$2 srv=$3 tool=$4 port out rc=0 role start deadline tries='' what
	shift 4
	# LITE_INTEROP_STEPS="1 2": only those steps (both guests see it).
	[[ -z ${LITE_INTEROP_STEPS:-} || " $LITE_INTEROP_STEPS " == *" $n "* ]] || return 0
	port=$((PORT_BASE + n))
	out=$OUTDIR/$n-$name.log
	start=$(now_ms)
	if [[ $srv == "$ROLE" ]]; then
		role=server
	else
		role=client
	fi
	what="step $n $name, server $srv, here $role [$*]"
	if ! peer_alive; then
		say "FAIL $what: peer $PEER_IP does not answer ping"
		failed=1
		return 0
	fi
	if [[ $role == server ]]; then
		# The client may come up to CONNECT_TIMEOUT late.
		timeout $((STEP_TIMEOUT + CONNECT_TIMEOUT)) "$tool" "$@" -p "$port" \
			> "$out" 2>&1 || rc=$?
	else
		deadline=$(( $(now_ms) + CONNECT_TIMEOUT * 1000 ))
		while :; do
			tries=$((tries + 1)) rc=0
			timeout "$STEP_TIMEOUT" "$tool" "$@" -p "$port" "$PEER_IP" \
				> "$out" 2>&1 || rc=$?
			# Only a refused TCP connect is retried: the server does not
			# listen yet.
			if [[ $rc == 0 ]] || (( $(now_ms) >= deadline )) ||
			   ! grep -Eq "Couldn't connect to .*:$port|Unable to init the socket connection" "$out"; then
				break
			fi
			sleep 0.5
		done
	fi
	if [[ $rc == 0 ]] && grep -q 'invalid data' "$out"; then
		rc="0 but the data check failed"
	fi
	if [[ $rc == 0 ]]; then
		say "PASS $what: $(summary "$out"), $(( ($(now_ms) - start + 500) / 1000 ))s${tries:+, connect attempts: $tries}"
	else
		say "FAIL $what: exit $rc after $(( ($(now_ms) - start + 500) / 1000 ))s${tries:+, connect attempts: $tries}"
		sed 's/^/    | /' "$out"
		failed=1
	fi
}

# run_steps: the fixed sequence both guests follow.
# - ibv_rc_pingpong: 4096-byte sends (its default) = 4 packets each at the
#   active MTU of 1024 (virtio-net's 1500); -c checks the data.
# - ibv_ud_pingpong -s 1024: it refuses a size above the active MTU (its
#   default is 2048).
# - ib_write_bw: 64 KiB writes (64 packets), perftest picks GID 1 itself;
#   -F: no cpufreq complaint. -n 200, not 1000: A->B runs at only 1-4 MB/s
#   here (B's QEMU drops bursts at its UDP socket, RC recovers by NAK and
#   retransmission), and not -D 2: under TCG a duration run has reported
#   0.00 MB/s and still exited 0. LITE_INTEROP_BW_ARGS overrides.
# - ib_read_bw, A reading from B: 256 KiB reads (256 packets), which
#   rxe_lite asks for in parts of 128 responses, each an ordinary READ
#   request to Linux's responder.
run_steps() {
	local bw
	read -ra bw <<< "${LITE_INTEROP_BW_ARGS:--n 200}"
	step 1 rc_pingpong A ibv_rc_pingpong -d rxe0 -g 1 -c -n 300
	step 2 rc_pingpong B ibv_rc_pingpong -d rxe0 -g 1 -c -n 300
	step 3 ud_pingpong A ibv_ud_pingpong -d rxe0 -g 1 -c -s 1024 -n 500
	step 4 ud_pingpong B ibv_ud_pingpong -d rxe0 -g 1 -c -s 1024 -n 500
	step 5 ib_write_bw A ib_write_bw -d rxe0 -F "${bw[@]}"
	step 6 ib_write_bw B ib_write_bw -d rxe0 -F "${bw[@]}"
	step 7 ib_read_bw B ib_read_bw -d rxe0 -F -s 262144 -n 20
}
