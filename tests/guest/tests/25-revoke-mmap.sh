# Mapped CQ/SRQ/QP rings of an unmodified-libibverbs process when its
# device goes away (tests/progs/revoke_mmap.c checks the details): each
# scenario a fresh context with four ring mappings, then the process
# unbinds the device itself. After the removal every byte of every ring
# reads back what was written before and takes writes (no SIGBUS), also
# refaulted after MADV_DONTNEED (rw); in a forked child holding the
# mappings after the parent closed everything, before or after the
# removal (fork, fork-early); in VMAs split by mprotect() before and after
# it (split); in what is left after a partial munmap() (cut); mmap() of
# the old fd fails with ENODEV, ibv_close_device() returns 0 with the
# rings still mapped and usable, and the last munmap() frees the rings
# and the file (close; also after rmmod rxe_lite instead of an unbind).
# Then rounds of 8 processes that exit, get SIGKILLed or close their
# device while the unbind runs (exit). Every removal returns within
# REMOVAL_LIMIT_MS, the core's counters are 0 after each scenario, and
# nothing of core or driver is left over after each (debugfs counters);
# at the end a fresh ibv_rc_pingpong passes on the device.
source "$LITE_ROOT/tests/guest/lib.sh"

SLOW=${LITE_SLOW_FACTOR:-1}
EXIT_ROUNDS=$(( SLOW > 1 ? 3 : 5 ))
times=()

# run NAME ARGS...: revoke_mmap rxe0 ARGS; it must pass, and its removal
# must stay within the bound.
run() {
	local name=$1 out rc=0 ms
	shift
	log "$name:"
	out=$("$PROGS/revoke_mmap" rxe0 "$@" 2>&1) || rc=$?
	sed 's/^/  | /' <<< "$out"
	[[ $rc == 0 ]] ||
		fail "$name: revoke_mmap exited $rc: $(grep -m1 FAIL <<< "$out")"
	ms=$(sed -n 's/^removal took \([0-9]*\) ms$/\1/p' <<< "$out")
	[[ -n $ms ]] || fail "$name: no removal time in the output"
	(( ms < REMOVAL_LIMIT_MS )) || fail "$name: removal took $ms ms"
	times+=("$name $ms ms")
}

# unbind_case NAME SCENARIO: the scenario with the process unbinding rxe0
# itself; then rxe0 is bound again.
unbind_case() {
	local aux
	rxe0_up
	aux=$(aux_dev_of rxe0)
	run "$1" "$2" unbind "$aux"
	[[ ! -e /sys/class/infiniband/rxe0 ]] || fail "$1: rxe0 still there"
	echo "$aux" > "$AUX_DRV/bind"
	expect_objects_zero
}

debugfs_on
veth_pair veth0 veth1 10.0.0.1/24 10.0.0.2/24
load_all
rdma link add rxe0 type rxe netdev veth0

unbind_case "(a) read+write after the removal" rw
unbind_case "(b) forked child, parent closes after the removal" fork
unbind_case "(b) forked child, parent closes before the removal" fork-early
unbind_case "(c) VMAs split by mprotect" split
unbind_case "(d) partly unmapped rings" cut
unbind_case "(f) mmap ENODEV, close with rings mapped" close
for ((round = 1; round <= EXIT_ROUNDS; round++)); do
	unbind_case "(e) processes exiting during the unbind, round $round" exit
done

# The rings outlive the driver module too.
rxe0_up
run "(f) mmap ENODEV, close with rings mapped, rmmod rxe_lite" close \
	cmd "rmmod rxe_lite"
rxe0_up
pingpong_ok rxe0

rdma link delete rxe0
log "removal times:"
for t in "${times[@]}"; do
	log "  $t"
done
show_objects
expect_objects_zero
