# The write() command ABI refuses bad input with the documented errno and
# leaves the file usable; commands on a removed device fail with ENODEV.
source "$LITE_ROOT/tests/guest/lib.sh"

veth_pair veth0 veth1
load_all
rdma link add rxe0 type rxe netdev veth0
uv=$(uverbs_of rxe0)
python3 "$LITE_ROOT/tests/guest/abi_errors.py" /dev/infiniband/$uv \
	"echo $(aux_dev_of rxe0) > $AUX_DRV/unbind" || fail "abi_errors.py"
