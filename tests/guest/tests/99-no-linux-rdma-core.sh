# Linux's own ib_core, ib_uverbs and rdma_rxe never loaded during the run:
# our core serves NETLINK_RDMA and "rdma link add ... type rxe" itself.
source "$LITE_ROOT/tests/guest/lib.sh"

for m in ib_core ib_uverbs rdma_rxe; do
	[[ ! -e /sys/module/$m ]] || fail "$m is loaded"
done
log "ib_core, ib_uverbs, rdma_rxe: not loaded"
