#!/bin/bash
# Print the kernel version the guest harness boots and builds against:
# the newest V (sort -V) with both /boot/vmlinuz-V and headers
# (/usr/src/linux-headers-V or /lib/modules/V/build). $KVER overrides.
set -euo pipefail

if [[ -n "${KVER:-}" ]]; then
    echo "$KVER"
    exit 0
fi

best=""
for img in /boot/vmlinuz-*; do
    [[ -e "$img" ]] || continue
    v=${img#/boot/vmlinuz-}
    if [[ -d /usr/src/linux-headers-$v || -d /lib/modules/$v/build ]]; then
        best+="$v"$'\n'
    fi
done
best=$(printf '%s' "$best" | sort -V | tail -n1)
if [[ -z "$best" ]]; then
    echo "kver.sh: no kernel with both /boot/vmlinuz-V and headers found" >&2
    echo "kver.sh: install linux-image-amd64 and linux-headers-amd64" >&2
    exit 1
fi
echo "$best"
