# The write() commands of the verbs objects (PD, MR, MW, CQ, QP, SRQ, AH)
# and mmap() of their rings refuse bad input with the errno that
# Documentation/uverbs.md lists: bad handles, short and long buffers,
# unsupported flags, every illegal QP transition and attribute, bad MR
# memory, objects in use, bad mappings; as root and, for the privileged
# QKEY and RLIMIT_MEMLOCK, as nobody. Meanwhile an unmodified libibverbs
# program on the same device is unaffected, and nothing is left behind.
source "$LITE_ROOT/tests/guest/lib.sh"

veth_pair veth0 veth1 10.0.0.1/24 10.0.0.2/24
load_all
rdma link add rxe0 type rxe netdev veth0
# GID index 1 is the IPv4-mapped GID ::ffff:10.0.0.1 the QPs and AHs use.
wait_for 5 grep -sqx 0000:0000:0000:0000:0000:ffff:0a00:0001 \
	/sys/class/infiniband/rxe0/ports/1/gids/1 ||
	fail "GID 1 of rxe0 is not ::ffff:10.0.0.1"
uv=$(uverbs_of rxe0)

# Another user of the device, through libibverbs, all along: obj_churn
# runs again and again until both runs of the script are done.
tmp=$(mktemp -d)
(
	n=0
	while (( n == 0 )) || [[ ! -e $tmp/done ]]; do
		"$PROGS/obj_churn" rxe0 1 "${LITE_VERBS_ERRORS_CHURN:-300}" 1 ||
			exit 1
		n=$((n + 1))
	done
	echo "obj_churn: $n runs, all ok"
) > "$tmp/churn.log" 2>&1 &
churn=$!

rc=0
python3 "$LITE_ROOT/tests/guest/verbs_errors.py" "/dev/infiniband/$uv" || rc=$?
# The privileged QKEY and RLIMIT_MEMLOCK, as nobody with 64 KiB.
urc=0
(
	ulimit -l 64
	exec setpriv --reuid=65534 --regid=65534 --clear-groups \
		python3 "$LITE_ROOT/tests/guest/verbs_errors.py" \
		"/dev/infiniband/$uv" --unpriv
) || urc=$?
touch "$tmp/done"

crc=0
wait "$churn" || crc=$?
{ grep -Ev ': rxe0 gid|processes: ok$' "$tmp/churn.log" || true; } |
	sed 's/^/  | /'
(( rc == 0 )) || fail "verbs_errors.py exited $rc"
(( urc == 0 )) || fail "verbs_errors.py --unpriv exited $urc"
(( crc == 0 )) || fail "obj_churn alongside failed"

show_objects
objects_zero() { (expect_objects_zero) > /dev/null 2>&1; }
wait_for 5 objects_zero || true
expect_objects_zero
