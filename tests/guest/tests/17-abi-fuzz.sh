# A seeded fuzzer of the write() command ABI (tests/progs/abi_fuzz.c), as
# root and as nobody: every command answers its count or an allowed errno,
# no process crashes, and nothing is left behind once its files are closed.
# A failure prints its seed; `abi_fuzz -c CHILD DEV SEED 4 COUNT` replays
# that child's buffers. LITE_FUZZ_COUNT and LITE_FUZZ_SEED override.
source "$LITE_ROOT/tests/guest/lib.sh"

count=${LITE_FUZZ_COUNT:-100000}
seed=${LITE_FUZZ_SEED:-1717}
# A quarter of the commands come from an unprivileged user (the node is
# 0666); that run uses the next seed.
user_count=$((count / 4))
root_count=$((count - user_count))

veth_pair veth0 veth1
load_all
rdma link add rxe0 type rxe netdev veth0
uv=$(uverbs_of rxe0)

start=$(now_ms)
"$PROGS/abi_fuzz" "/dev/infiniband/$uv" "$seed" 4 "$root_count" ||
	fail "abi_fuzz as root, seed $seed"
setpriv --reuid=65534 --regid=65534 --clear-groups \
	"$PROGS/abi_fuzz" "/dev/infiniband/$uv" $((seed + 1)) 4 "$user_count" ||
	fail "abi_fuzz as nobody, seed $((seed + 1))"
log "$count commands in $(( $(now_ms) - start )) ms"

# The device survived it.
expect_eq "link show" "$(rdma link show)" \
	"link rxe0/1 state ACTIVE physical_state LINK_UP netdev veth0 "
# Every object went with the files that held it.
objects_zero() { (expect_objects_zero) > /dev/null 2>&1; }
wait_for 5 objects_zero || true
expect_objects_zero
rdma link delete rxe0
