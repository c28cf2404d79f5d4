# Shared part of the drills (tools/drill-unbind.sh, tools/drill-upgrade.sh),
# sourced by them. A drill runs the rcstream traffic app (server and client
# on one device, userspace/rcstream) while it takes the device away and
# brings it back N times, then reports per cycle: how long the removal
# and the restore took, each side's downtime as the application measured
# it, messages resent; in total: messages lost, duplicated and corrupted
# (all must be 0) and whether the kernel log stayed clean; and it plots
# the received messages per 100 ms with the events marked (gnuplot PNG).
#
# Runs as root on any host with the modules loaded and the device up (a
# QEMU guest, or a real machine); needs only bash, iproute2, rdma-core's
# libibverbs and, for the plot, gnuplot.

DRILL_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RCSTREAM=${RCSTREAM:-$DRILL_ROOT/userspace/rcstream/rcstream}
AUX_DRV=/sys/bus/auxiliary/drivers/rxe_lite
# Patterns of a kernel log line that means trouble: the test suite's list.
BAD_KERNEL=$(grep -v '^#' "$DRILL_ROOT/tests/guest/kernel-log-patterns" | grep . | paste -sd'|')

drill_die() {
	echo "drill: $*" >&2
	exit 1
}

# drill_ms: milliseconds since the epoch (the timelines' clock).
drill_ms() {
	date +%s%3N
}

drill_log() {
	printf '[%6d ms] %s\n' $(( $(drill_ms) - DRILL_T0 )) "$*"
}

# drill_wait SECONDS CMD...: poll CMD every 20 ms until it succeeds, for
# at most SECONDS of wall time (however slowly the loop itself runs).
drill_wait() {
	local end=$(( $(drill_ms) + $1 * 1000 ))
	shift
	until "$@"; do
		(( $(drill_ms) < end )) || return 1
		sleep 0.02
	done
}

# drill_dev_up DEV: the device exists with its IPv4 GID (index 1).
drill_dev_up() {
	grep -q ffff "/sys/class/infiniband/$1/ports/1/gids/1" 2>/dev/null
}

# drill_port_active DEV: port 1 of DEV is ACTIVE (after a netdev flap).
drill_port_active() {
	grep -q ACTIVE "/sys/class/infiniband/$1/ports/1/state" 2>/dev/null
}

# drill_event LABEL: mark an event on the timeline (and in the plot).
drill_event() {
	echo "$(( $(drill_ms) - DRILL_T0 )) $1" >> "$DRILL_OUT/events"
}

# drill_outages FILE: how many outages an rcstream log reported so far.
drill_outages() {
	grep -c '^outage ' "$1" 2>/dev/null || true
}

# drill_start NAME DEV: set up DRILL_OUT and start rcstream's server and
# client on DEV; DRILL_SRV/DRILL_CLI are their pids. The client runs until
# drill_finish tells it to end (SIGUSR1), an hour at most.
drill_start() {
	local name=$1 dev=$2 secs=3600 port=${DRILL_PORT:-18600}
	DRILL_NAME=$name
	DRILL_DEV=$dev
	DRILL_OUT=${DRILL_OUT:-/tmp/drill-$name}
	mkdir -p "$DRILL_OUT"
	rm -f "$DRILL_OUT"/{events,server.log,client.log,*.csv,*.txt,*.png,cycles}
	[[ -x $RCSTREAM ]] || drill_die "no $RCSTREAM (make userspace)"
	drill_dev_up "$dev" || drill_die "$dev is not up"
	DRILL_KLOG0=$(dmesg | wc -l)
	DRILL_T0=$(drill_ms)
	drill_event start
	# Niced: two streaming processes would otherwise keep every CPU of a
	# small machine busy and slow the drill's own timing loop.
	nice -n 10 "$RCSTREAM" -d "$dev" -g 1 -p "$port" -t "$secs" \
		-T "$DRILL_OUT/server.csv" > "$DRILL_OUT/server.log" 2>&1 &
	DRILL_SRV=$!
	drill_wait 10 eval "ss -ltn | grep -q ':$port '" ||
		drill_die "rcstream server did not start: $(cat "$DRILL_OUT/server.log")"
	drill_event client
	nice -n 10 "$RCSTREAM" -d "$dev" -g 1 -p "$port" -t "$secs" \
		-T "$DRILL_OUT/client.csv" localhost > "$DRILL_OUT/client.log" 2>&1 &
	DRILL_CLI=$!
	# A drill that gives up leaves no application behind.
	trap 'kill "$DRILL_SRV" "$DRILL_CLI" 2> /dev/null' EXIT
	drill_log "rcstream server (pid $DRILL_SRV) and client (pid $DRILL_CLI) on $dev"
}

# drill_cycle N TRIGGER REMOVE RESTORE [VERSION-CHECK]: one outage. Lets
# traffic run, times REMOVE (a shell command), waits DRILL_DOWN_MS, times
# RESTORE, then waits until both sides have reported outage N (recovered).
drill_cycle() {
	local n=$1 trigger=$2 remove=$3 restore=$4 t rm_ms rs_ms rec_ms
	sleep "${DRILL_RUN_S:-1}"
	t=$(drill_ms)
	drill_event "$trigger"
	drill_log "cycle $n: $trigger"
	eval "$remove" || drill_die "cycle $n: '$remove' failed"
	rm_ms=$(( $(drill_ms) - t ))
	sleep "0.$(printf '%03d' "${DRILL_DOWN_MS:-200}")"
	t=$(drill_ms)
	drill_event back
	eval "$restore" || drill_die "cycle $n: '$restore' failed"
	drill_wait 10 drill_dev_up "$DRILL_DEV" || drill_die "cycle $n: $DRILL_DEV did not come back"
	rs_ms=$(( $(drill_ms) - t ))
	drill_wait 20 eval '(( $(drill_outages "$DRILL_OUT/server.log") >= n &&
			    $(drill_outages "$DRILL_OUT/client.log") >= n ))' ||
		drill_die "cycle $n: the applications did not recover within 20 s"
	rec_ms=$(( $(drill_ms) - t ))
	echo "$n $trigger $rm_ms $rs_ms $rec_ms ${DRILL_VERSION:--}" >> "$DRILL_OUT/cycles"
	drill_log "cycle $n: $trigger took $rm_ms ms, restore $rs_ms ms, both sides resumed $rec_ms ms after the restore"
}

# drill_field LINE KEY: the value of KEY=VALUE in an rcstream line.
drill_field() {
	sed -n "s/.*[ :]$2=\([^ ]*\).*/\1/p" <<< "$1"
}

# drill_finish: wait for the applications, print the report, draw the plot.
# Exits non-zero if a message was lost, duplicated or corrupted, an
# outage took longer than DRILL_MAX_DOWN_MS, an application failed, or the
# kernel logged trouble.
drill_finish() {
	local rc_s=0 rc_c=0 bad=0 sum n line o_s o_c max=0 klog d side k
	# Some traffic after the last outage, then the client ends the run.
	sleep "${DRILL_RUN_S:-1}"
	kill -USR1 "$DRILL_CLI" 2>/dev/null
	wait "$DRILL_SRV" || rc_s=$?
	wait "$DRILL_CLI" || rc_c=$?
	drill_event end
	{
		echo "drill: $DRILL_NAME on $DRILL_DEV, $(wc -l < "$DRILL_OUT/cycles") cycles"
		printf '%5s  %-9s %10s %10s %11s %13s %13s %8s  %s\n' cycle trigger \
			removal_ms restore_ms resumed_ms down_srv_ms down_cli_ms resent version
		while read -r n trig rm rs rec ver; do
			o_s=$(grep "^outage $n:" "$DRILL_OUT/server.log" | head -n1)
			o_c=$(grep "^outage $n:" "$DRILL_OUT/client.log" | head -n1)
			printf '%5s  %-9s %10s %10s %11s %13s %13s %8s  %s\n' "$n" "$trig" \
				"$rm" "$rs" "$rec" "$(drill_field "$o_s" downtime)" \
				"$(drill_field "$o_c" downtime)" \
				"$(drill_field "$o_c" resent)" "$ver"
			for line in "$o_s" "$o_c"; do
				d=$(drill_field "$line" downtime)
				[[ -n $d ]] || { echo "  cycle $n: no outage line"; bad=1; continue; }
				(( d > max )) && max=$d
				(( d <= ${DRILL_MAX_DOWN_MS:-2000} )) ||
					{ echo "  cycle $n: downtime $d ms > ${DRILL_MAX_DOWN_MS:-2000} ms"; bad=1; }
			done
		done < "$DRILL_OUT/cycles"
		for side in server client; do
			sum=$(grep '^rcstream:' "$DRILL_OUT/$side.log" | tail -n1)
			echo "$side: ${sum:-no summary (exit status $([[ $side == server ]] && echo $rc_s || echo $rc_c))}"
			[[ -n $sum ]] || bad=1
			for k in lost duplicated corrupt; do
				[[ $(drill_field "$sum" $k) == 0 ]] || bad=1
			done
		done
		(( rc_s == 0 && rc_c == 0 )) || { echo "an application failed (server $rc_s, client $rc_c)"; bad=1; }
		echo "longest downtime: $max ms (limit ${DRILL_MAX_DOWN_MS:-2000} ms)"
		klog=$(dmesg | tail -n +$((DRILL_KLOG0 + 1)) | grep -E "$BAD_KERNEL" || true)
		if [[ -n $klog ]]; then
			echo "kernel log: NOT clean:"
			echo "$klog" | head -n 20
			bad=1
		else
			echo "kernel log: clean ($(( $(dmesg | wc -l) - DRILL_KLOG0 )) new lines, no warning)"
		fi
		drill_plot && echo "plot: $DRILL_OUT/timeline.png"
		(( bad == 0 )) && echo "result: PASS" || echo "result: FAIL"
	} | tee "$DRILL_OUT/report.txt"
	grep -q '^result: PASS' "$DRILL_OUT/report.txt"
}

# drill_plot: messages received per 100 ms (the server's timeline) with the
# removals and restores marked; skipped without gnuplot.
drill_plot() {
	command -v gnuplot > /dev/null || { echo "plot: skipped (no gnuplot)"; return 1; }
	[[ -s $DRILL_OUT/server.csv ]] || { echo "plot: skipped (no timeline)"; return 1; }
	local marks=$DRILL_OUT/marks.gp
	# Both on the drill's clock: events are ms since DRILL_T0, the
	# timeline's wall_ms column is CLOCK_REALTIME ms like drill_ms.
	awk '$2 != "start" && $2 != "end" && $2 != "client" {
		color = $2 == "back" ? "#2a9d3a" : "#d62728"
		printf "set arrow from %f, graph 0 to %f, graph 1 nohead lc rgb \"%s\" dt 2\n", $1 / 1000, $1 / 1000, color
		if ($2 != "back")
			printf "set label \"%s\" at %f, graph 0.97 rotate by 90 right font \",8\" tc rgb \"%s\"\n", $2, $1 / 1000 + 0.05, color
	}' "$DRILL_OUT/events" > "$marks"
	gnuplot <<EOF
set terminal pngcairo size 1200,420 font ",10"
set output "$DRILL_OUT/timeline.png"
set title "$DRILL_NAME drill on $DRILL_DEV: messages received per second (100 ms buckets); red = removal starts, green = restore starts"
set xlabel "time since the drill started (s)"
set ylabel "messages/s"
set yrange [0:*]
set grid ytics
set datafile separator ","
load "$marks"
plot "$DRILL_OUT/server.csv" every ::1 using ((\$3 - $DRILL_T0)/1000):(\$2*10) with steps lw 1.5 lc rgb "#1f77b4" notitle
EOF
}
