#!/bin/bash
# Install what the project needs on a fresh Debian machine, only when
# something is missing. Run by every make target that builds or boots.
#   install-deps.sh          the project's build and test packages
#   install-deps.sh PKG...   just these (tools with needs of their own)
set -euo pipefail

default_pkgs=(
	build-essential make gcc bc flex bison libelf-dev
	linux-image-amd64 linux-headers-amd64
	qemu-system-x86 busybox-static cpio kmod iproute2 strace
	rdma-core ibverbs-utils ibverbs-providers libibverbs-dev perftest
	python3 gnuplot-nox
)
if [[ $# -gt 0 ]]; then
	pkgs=("$@")
else
	pkgs=("${default_pkgs[@]}")
fi

missing=()
for p in "${pkgs[@]}"; do
	st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[[ "$st" == installed ]] || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "install-deps: installing ${missing[*]}"
sudo=""
[[ $(id -u) -eq 0 ]] || sudo=sudo
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
