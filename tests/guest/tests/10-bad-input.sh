# Bad requests get a clear errno and leave the kernel and other users
# intact.
source "$LITE_ROOT/tests/guest/lib.sh"

veth_pair veth0 veth1
load_all
rdma link add rxe0 type rxe netdev veth0

# expect_err WANT CMD...: CMD fails and its message contains WANT.
expect_err() {
	local want=$1 out
	shift
	out=$("$@" 2>&1) && fail "'$*' succeeded"
	[[ "$out" == *"$want"* ]] || fail "'$*': '$out', want '$want'"
	log "$*: $out"
}

expect_err "File exists" rdma link add rxe0 type rxe netdev veth1
expect_err "Invalid argument" rdma link add rxe9 type nosuchtype netdev veth1
expect_err "No such device" rdma link add rxe9 type rxe netdev nosuchdev
expect_err "Invalid argument" rdma link add "rxe%d" type rxe netdev veth1
# Only CAP_NET_ADMIN may add and delete links.
expect_err "Operation not permitted" \
	setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
	rdma link add rxe9 type rxe netdev veth1
expect_err "Operation not permitted" \
	setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
	rdma link delete rxe0
# ...but anyone may look, and open the device node.
setpriv --reuid=65534 --regid=65534 --clear-groups ibv_devices | grep -q ' rxe0 ' ||
	fail "unprivileged ibv_devices misses rxe0"
uv=$(uverbs_of rxe0)
setpriv --reuid=65534 --regid=65534 --clear-groups sh -c "exec 3<>/dev/infiniband/$uv" ||
	fail "unprivileged open failed"
# Garbage on the command fd is refused (14-abi-errors has the details);
# there is no verbs ioctl, so libibverbs uses write().
python3 - /dev/infiniband/$uv <<'PY' || fail "write/ioctl errno"
import errno, fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDWR)
try:
    os.write(fd, b"\0" * 16)
    sys.exit("write succeeded")
except OSError as e:
    assert e.errno == errno.EINVAL, e
try:
    fcntl.ioctl(fd, 0xc0181b01, b"\0" * 24)
    sys.exit("ioctl succeeded")
except OSError as e:
    assert e.errno == errno.ENOTTY, e
os.close(fd)
PY

# None of this harmed rxe0.
expect_eq "link show" "$(rdma link show)" \
	"link rxe0/1 state ACTIVE physical_state LINK_UP netdev veth0 "
rdma link delete rxe0
