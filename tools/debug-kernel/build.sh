#!/bin/bash
# Build the debug kernel (lockdep, KASAN, kmemleak, ...) from Debian's
# linux-source-6.1, once per (source version, debug.config, this script):
#   ${LITE_DEBUG_KERNEL_CACHE:-/var/cache/ib_core_lite/debug-kernel}/KEY/
#     src/  build/ (O=, also the KDIR for out-of-tree modules)
#     build.log  build-seconds  .done
# Progress goes to stderr; the last stdout line is the build directory:
#   run-in-guest.sh --kernel DIR (boots its bzImage) / make -C DIR M=...
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
frag=$here/debug.config
pkg=linux-source-6.1
tarball=/usr/src/$pkg.tar.xz
cache=${LITE_DEBUG_KERNEL_CACHE:-/var/cache/ib_core_lite/debug-kernel}
# Only what this build runs: no DWARF/BTF (no dwarves), no IKHEADERS (no
# cpio). libssl-dev: certs/extract-cert; kmod: modinfo.
deps=("$pkg" build-essential bc flex bison libelf-dev libssl-dev xz-utils kmod)

say() { echo "debug-kernel: $*" >&2; }
die() { say "ERROR: $*"; exit 1; }

install_deps() {
    local p st missing=() sudo=
    for p in "${deps[@]}"; do
        st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null) || true
        [[ $st == installed ]] || missing+=("$p")
    done
    [[ ${#missing[@]} -eq 0 ]] && return 0
    say "installing ${missing[*]}"
    [[ $(id -u) -eq 0 ]] || sudo=sudo
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get install -y -q --no-install-recommends "${missing[@]}" >&2 ||
        { $sudo apt-get update -q >&2 &&
          $sudo apt-get install -y -q --no-install-recommends "${missing[@]}" >&2; }
}

pkgver() { dpkg-query -W -f='${db:Status-Status} ${Version}' "$pkg" 2>/dev/null || true; }
ver=$(pkgver)
[[ $ver == "installed "* ]] || { install_deps; ver=$(pkgver); }
ver=${ver#installed }
key=$( { echo "$ver"; sha256sum <"$frag"; sha256sum <"${BASH_SOURCE[0]}"; } |
       sha256sum | cut -c1-16)
dir=$cache/$key
if [[ -f $dir/.done ]]; then echo "$dir/build"; exit 0; fi

mkdir -p "$dir"
exec 9>"$dir.lock"
if ! flock -n 9; then
    say "another build of $key is running; waiting for it"
    flock 9
fi
if [[ -f $dir/.done ]]; then echo "$dir/build"; exit 0; fi   # it succeeded

install_deps
# Kbuild reads these from the environment; none may leak in from a caller.
unset ARCH CROSS_COMPILE LOCALVERSION KBUILD_OUTPUT KCONFIG_CONFIG \
    KBUILD_EXTMOD KCFLAGS KCPPFLAGS KAFLAGS M O W C V
log=$dir/build.log
src=$dir/src
obj=$dir/build
start=$SECONDS
say "building $pkg $ver + $(basename "$frag") in $dir (log: $log)"
kmake() { make -C "$src" O="$obj" "$@" >>"$log" 2>&1 ||
          { tail -n 40 "$log" >&2; die "make $* failed; see $log"; }; }

if [[ ! -f $src/Makefile ]]; then
    rm -rf "$src" "$src.tmp"; mkdir -p "$src.tmp"
    tar -xJf "$tarball" -C "$src.tmp" --strip-components=1
    mv "$src.tmp" "$src"
fi

# defconfig + kvm_guest.config, then our fragment (a later value wins).
: >"$log"
kmake x86_64_defconfig
kmake kvm_guest.config
(cd "$src" && scripts/kconfig/merge_config.sh -m -O "$obj" "$obj/.config" "$frag") >>"$log" 2>&1 ||
    die "merge_config.sh failed; see $log"
kmake olddefconfig

# Symbols silently dropped by unmet dependencies fail the build here: every
# value the fragment sets, every option it turns off, and what the fragment
# gets only through select.
must=(KPROBES_ON_FTRACE LOCKDEP DEBUG_LOCK_ALLOC DEBUG_MUTEXES DEBUG_RWSEMS DEBUG_SPINLOCK
      PROVE_RCU DEBUG_KERNEL AUXILIARY_BUS NET_UDP_TUNNEL NETFS_SUPPORT)
bad=()
while IFS= read -r line; do
    case $line in
        CONFIG_*=*) grep -qxF -- "$line" "$obj/.config" || bad+=("$line") ;;
        "# CONFIG_"*" is not set")
            s=${line#\# }; s=${s%% *}
            ! grep -Eq "^$s=" "$obj/.config" || bad+=("$line") ;;
    esac
done <"$frag"
for s in "${must[@]}"; do grep -qx "CONFIG_$s=y" "$obj/.config" || bad+=("CONFIG_$s=y"); done
if [[ ${#bad[@]} -gt 0 ]]; then
    for l in "${bad[@]}"; do
        s=${l#\# }; s=${s%%[= ]*}
        say "config mismatch: want '$l', got '$(grep -E "^(# )?${s}[= ]" "$obj/.config" || echo absent)'"
    done
    die "${#bad[@]} required config value(s) missing from $obj/.config"
fi
say "config done, $(( SECONDS - start ))s; compiling with -j$(nproc)"

# "modules" (a dozen small =m netfilter ones, never loaded) because only a
# modules build writes Module.symvers (a vmlinux-only build writes just
# vmlinux.symvers), which out-of-tree builds need; it implies modules_prepare.
kmake -j"$(nproc)" bzImage modules
[[ -s $obj/Module.symvers ]] || die "no $obj/Module.symvers"
krel=$(cat "$obj/include/config/kernel.release")
say "kernel $krel built, $(( SECONDS - start ))s"

# An out-of-tree module must build against this tree.
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
printf '%s\n' '#include <linux/module.h>' \
    'static int __init h_init(void) { return 0; }' 'module_init(h_init);' \
    'MODULE_LICENSE("GPL");' >"$t/hello.c"
echo 'obj-m := hello.o' >"$t/Kbuild"
make -C "$obj" M="$t" modules >"$t/log" 2>&1 || { cat "$t/log" >>"$log"; die "hello-world module build failed; see $log"; }
cat "$t/log" >>"$log"
! grep -q WARNING "$t/log" || die "hello-world module build warned; see $log"
vm=$(modinfo -F vermagic "$t/hello.ko")
[[ $vm == "$krel "* ]] || die "hello.ko vermagic '$vm' is not for $krel"

echo $(( SECONDS - start )) >"$dir/build-seconds"
touch "$dir/.done"
say "build done in $(( (SECONDS - start) / 60 ))m$(( (SECONDS - start) % 60 ))s:" \
    "$krel, $obj/vmlinux, $obj/arch/x86/boot/bzImage"
echo "$obj"
