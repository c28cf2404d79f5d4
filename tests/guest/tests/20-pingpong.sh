# Unmodified ibv_rc_pingpong, ibv_ud_pingpong, ibv_srq_pingpong and
# ibv_uc_pingpong with data checks (-c): on one device, between two
# devices, through the wire path (loopback=0: UDP over IPv4 and IPv6,
# ICRC, the UDP tunnel receive) and with 2% of the packets dropped (RC
# recovers by retransmission).
source "$LITE_ROOT/tests/guest/lib.sh"

veth_pair veth0 veth1 10.0.0.1/24 10.0.0.2/24
load_all
rdma link add rxe0 type rxe netdev veth0
rdma link add rxe1 type rxe netdev veth1
wait_for 5 grep -q ffff:0a00:0002 /sys/class/infiniband/rxe1/ports/1/gids/1 ||
	fail "no IPv4 GID on rxe1"
param=/sys/module/rxe_lite/parameters

# lost_last_ack OUTPUT: the only failure in a pingpong's OUTPUT is its
# last SEND completing with RETRY_EXC_ERR. On a lossy link that is not a
# fault: rc_pingpong has no final handshake, so once one side has its last
# completion it exits and destroys its QP; if the ACK it sent for the
# peer's last message was the packet dropped, the peer's retransmissions
# find no QP. Only one side can be hit, and the other passing means every
# message of both arrived (each side's sends completed or were received).
lost_last_ack() {
	[[ $(grep -c . <<< "$1") == 4 ]] &&
		grep -qx 'Failed status transport retry counter exceeded (12) for wr_id 2' <<< "$1" &&
		grep -qxE 'parse WC failed [0-9]+' <<< "$1"
}

# pp TOOL SERVER_DEV CLIENT_DEV SERVER_IP ARGS...: both sides must finish;
# with LOSSY=1 one of them may have lost its last ACK (lost_last_ack).
pp() {
	local tool=$1 sdev=$2 cdev=$3 ip=$4 out srv src=0 crc=0
	shift 4
	srv=$(mktemp)
	timeout 120 "$tool" -d "$sdev" -g 1 "$@" > "$srv" 2>&1 &
	local spid=$!
	# The server listens on TCP 18515 for the connection setup.
	wait_for 10 eval "ss -ltn | grep -q ':18515 '" ||
		{ cat "$srv"; fail "$tool server on $sdev does not listen"; }
	out=$(timeout 120 "$tool" -d "$cdev" -g 1 "$@" "$ip" 2>&1) || crc=$?
	wait "$spid" || src=$?
	if (( crc || src )); then
		if [[ ${LOSSY:-0} == 1 ]] &&
		   { { (( !crc )) && lost_last_ack "$(cat "$srv")"; } ||
		     { (( !src )) && lost_last_ack "$out"; }; }; then
			log "$tool $*: the $( ((crc)) && echo client || echo server)'s last SEND got RETRY_EXC_ERR (its ACK dropped, the peer gone: expected on a lossy link)"
		else
			echo "client ($cdev, exit $crc):"; echo "$out"
			echo "server ($sdev, exit $src):"; cat "$srv"
			fail "$tool $* ($cdev -> $sdev)"
		fi
	fi
	log "$(printf '%-16s %-22s %s -> %s: %s' "$tool" "$*" "$cdev" "$sdev" \
		"$({ echo "$out"; cat "$srv"; } | grep -o '[0-9.]* usec/iter' | head -1)")"
	rm -f "$srv"
}

# Under check-debug (LITE_LIGHT) each tool and path runs once, at fewer
# iterations: the sizes and both-ways matrix are the stock run's.
light=$(reps 0 1)
sizes=("-s 64" "-s 4096" "-s 65536 -n 200")
(( light )) && sizes=("-s 65536 -n 50")
for args in "${sizes[@]}"; do
	pp ibv_rc_pingpong rxe0 rxe0 127.0.0.1 -c $args
	pp ibv_rc_pingpong rxe0 rxe0 127.0.0.1 -c -e $args
done
pp ibv_rc_pingpong rxe0 rxe0 127.0.0.1 -c -s 16	# inline
pp ibv_ud_pingpong rxe0 rxe0 127.0.0.1 -c
pp ibv_ud_pingpong rxe0 rxe0 127.0.0.1 -c -e
pp ibv_srq_pingpong rxe0 rxe0 127.0.0.1 -c -n "$(reps 200 50)"
pp ibv_uc_pingpong rxe0 rxe0 127.0.0.1 -c -s 4096
(( light )) || pp ibv_rc_pingpong rxe1 rxe0 10.0.0.2 -c -s 4096
(( light )) || pp ibv_ud_pingpong rxe1 rxe0 10.0.0.2 -c

# The wire path between the two devices.
echo 0 > $param/loopback
(( light )) || pp ibv_rc_pingpong rxe1 rxe0 10.0.0.2 -c -s 64
pp ibv_rc_pingpong rxe1 rxe0 10.0.0.2 -c -s 65536 -n "$(reps 100 20)"
pp ibv_ud_pingpong rxe1 rxe0 10.0.0.2 -c -e
# IPv6: the link-local GID 0 (a later -g wins over pp's -g 1).
pp ibv_rc_pingpong rxe1 rxe0 10.0.0.2 -c -s 4096 -g 0
pp ibv_ud_pingpong rxe1 rxe0 10.0.0.2 -c -g 0
# Loss: RC retransmits.
echo 20000 > $param/drop_ppm
LOSSY=1 pp ibv_rc_pingpong rxe1 rxe0 10.0.0.2 -c -s 4096 -n "$(reps 300 100)"
(( light )) ||
	LOSSY=1 pp ibv_rc_pingpong rxe1 rxe0 10.0.0.2 -c -s 65536 -n 50
echo 0 > $param/drop_ppm
echo 1 > $param/loopback

show_objects
expect_objects_zero
