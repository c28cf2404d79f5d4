#!/bin/bash
# Build the guest initramfs: static busybox, /init, stage 2, and the modules
# needed to mount the host root (virtio-9p, read-only) under an overlayfs.
#   usage: mkinitramfs.sh OUT.cpio[.gz] [KVER|none]
# KVER "none": no modules, for a kernel with all of that built in (the
# debug kernel of tools/debug-kernel/build.sh).
# Cheap when nothing changed: rebuilds only if the inputs' stamp differs.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
out=${1:?usage: mkinitramfs.sh OUT.cpio.gz [KVER]}
kver=${2:-$("$here/kver.sh")}
moddir=/lib/modules/$kver
moddep=$moddir/modules.dep
busybox=${BUSYBOX:-/usr/bin/busybox}
stage2=$here/guest-stage2.sh
# Top-level modules; dependencies come from modules.dep.
# virtio_console provides the port that carries the command's output.
want=(virtio_pci 9pnet_virtio 9p overlay virtio_console)
if [[ $kver == none ]]; then
    want=() moddep=/dev/null
fi

for f in "$busybox" "$moddep" "$stage2"; do
    [[ -e $f ]] || { echo "mkinitramfs: missing $f" >&2; exit 1; }
done
if ! "$busybox" --list >/dev/null 2>&1 || ldd "$busybox" >/dev/null 2>&1; then
    echo "mkinitramfs: $busybox must be a static busybox (apt-get install busybox-static)" >&2
    exit 1
fi

# Stamp over everything the image depends on.
stamp=$( { echo "$kver"; sha256sum "${BASH_SOURCE[0]}" "$stage2";
           stat -Lc '%n %s %Y' "$busybox" "$moddep"; } | sha256sum)
if [[ -f $out && -f $out.stamp && "$(cat "$out.stamp")" == "$stamp" ]]; then
    exit 0
fi

# --- resolve module dependencies (depth-first, deps before users) ---------
declare -A dep_of=() seen=()
while IFS= read -r line; do
    path=${line%%:*}
    name=${path##*/}; name=${name%%.ko*}; name=${name//-/_}
    dep_of[$name]="$path:${line#*:}"
done <"$moddep"
order=()
visit() {   # $1 = module name (underscores)
    local m=$1 entry path d dn
    [[ -n ${seen[$m]:-} ]] && return 0
    seen[$m]=1
    entry=${dep_of[$m]:-}
    if [[ -z $entry ]]; then
        # Not modular: fine if built in, fatal otherwise.
        if grep -Eq "/${m//_/[-_]}\.ko\$" "$moddir/modules.builtin"; then return 0; fi
        echo "mkinitramfs: module $m neither in modules.dep nor built in" >&2
        exit 1
    fi
    path=${entry%%:*}
    for d in ${entry#*:}; do
        dn=${d##*/}; dn=${dn%%.ko*}; visit "${dn//-/_}"
    done
    order+=("$path")
}
for m in "${want[@]}"; do visit "$m"; done

# --- stage the tree ---------------------------------------------------------
mkdir -p "$(dirname "$out")"
stage=$(mktemp -d "$(dirname "$out")/.initramfs.XXXXXX")
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage"/{bin,sbin,dev,proc,sys,lower,rw,newroot,mods}
# Kernel opens /dev/console for init's stdio before devtmpfs exists (only
# possible as root; /init re-opens it after mounting devtmpfs anyway).
mknod -m 600 "$stage/dev/console" c 5 1 2>/dev/null || true
cp "$busybox" "$stage/bin/busybox"
for a in $("$busybox" --list); do
    [[ $a == busybox ]] || ln -s busybox "$stage/bin/$a"
done
cp "$stage2" "$stage/guest-stage2.sh"

: >"$stage/mods/order"
for p in "${order[@]}"; do
    base=${p##*/}; src=$moddir/$p
    case $base in   # decompress at build time: busybox insmod wants plain .ko
        *.ko.xz)  xz -dc "$src" >"$stage/mods/${base%.xz}" ;;
        *.ko.zst) zstd -qdc "$src" >"$stage/mods/${base%.zst}" ;;
        *.ko.gz)  gzip -dc "$src" >"$stage/mods/${base%.gz}" ;;
        *)        cp "$src" "$stage/mods/$base" ;;
    esac
    echo "${base%.ko*}.ko" >>"$stage/mods/order"
done

cat >"$stage/init" <<'INIT'
#!/bin/busybox sh
# Guest PID 1 (initramfs): mount host root (9p, ro) + tmpfs under overlayfs,
# mount the writable out share, then switch_root into stage 2.
export PATH=/bin
die() {
    echo "lite-init: FATAL: $*"
    echo "lite-init: FATAL: $*" >/dev/kmsg 2>/dev/null
    sync; poweroff -f; sleep 5; echo o >/proc/sysrq-trigger; sleep 60
}
mount -t proc proc /proc || die "mount proc"
mount -t sysfs sysfs /sys || die "mount sysfs"
mount -t devtmpfs devtmpfs /dev || die "mount devtmpfs"
exec </dev/console >/dev/console 2>&1
mark() { echo "lite-init: $*" >/dev/kmsg; }

while read -r ko; do
    insmod "/mods/$ko" || die "insmod $ko"
done </mods/order

mark "modules loaded"
# With no modules (KVER none) the kernel must have these built in.
for fs in 9p overlay; do
    grep -qw "$fs" /proc/filesystems || die "kernel lacks $fs (not built in, no module)"
done
# virtio devices probe asynchronously-ish; retry the first 9p mount briefly.
o9p="trans=virtio,version=9p2000.L,msize=262144"
i=0
until mount -t 9p -o "$o9p,ro,cache=loose" hostroot /lower 2>/dev/null; do
    i=$((i + 1)); [ $i -ge 50 ] && die "cannot mount 9p tag hostroot"
    sleep 0.1
done
mark "hostroot mounted"
mount -t tmpfs -o mode=0755 tmpfs /rw || die "mount tmpfs /rw"
mkdir -p /rw/upper /rw/work
mount -t overlay -o lowerdir=/lower,upperdir=/rw/upper,workdir=/rw/work \
    overlay /newroot || die "mount overlay"

for d in proc sys dev; do
    mount --move /$d /newroot/$d || die "move /$d"
done
# Private /run (hides the host's); the out share and stage 2 live under it.
mount -t tmpfs -o mode=0755,nosuid,nodev tmpfs /newroot/run || die "mount /run"
mkdir -p /newroot/run/lite-out /newroot/run/lite-bin
mount -t 9p -o "$o9p,rw,cache=none" out /newroot/run/lite-out || die "mount 9p tag out"
cp /bin/busybox /newroot/run/lite-bin/busybox
cp /guest-stage2.sh /newroot/run/lite-guest-stage2
exec switch_root /newroot /bin/bash /run/lite-guest-stage2
die "switch_root failed"
INIT
chmod +x "$stage/init" "$stage/guest-stage2.sh"

tmp=$out.tmp.$$
if [[ $out == *.gz ]]; then
    (cd "$stage" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0 | gzip -1) >"$tmp"
else
    (cd "$stage" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) >"$tmp"
fi
mv -f "$tmp" "$out"
echo "$stamp" >"$out.stamp"
echo "mkinitramfs: built $out for $kver (${#order[@]} modules)" >&2
