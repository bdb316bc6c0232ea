#!/bin/bash
# Usage: scripts/rig/mk-guest-initramfs.sh   (called by setup.sh; rebuilds only what is stale)
#   Builds the guest side of the rig from scripts/guest/testinit.c:
#     $RIG/out/testinit               gcc -m32 -static: one binary for 32- and 64-bit guests
#     $RIG/out/guest.cpio.gz          /init = testinit (our kernels: drivers built in; also used
#                                     for native i386 boots)
#     $RIG/out/guest-debian.cpio.gz   the same + xen-netfront, xen-blkfront, ext4 (and their
#                                     dependencies, crc32c) of Debian's kernel in /lib/modules/xtest,
#                                     loaded by testinit
#   Env: RIG (default <repo>/build/rig). Needs setup.sh's extract step ($RIG/x, $RIG/out/kver).
set -euo pipefail

S=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$S/../.." && pwd)
RIG=${RIG:-$REPO/build/rig}
OUT=$RIG/out
X=$RIG/x
SRC=$REPO/scripts/guest/testinit.c

if [ ! "$OUT/testinit" -nt "$SRC" ]; then
	gcc -m32 -static -O2 -Wall -Wextra -pthread -o "$OUT/testinit.tmp" "$SRC"
	mv "$OUT/testinit.tmp" "$OUT/testinit"
	echo "mk-guest-initramfs: built $OUT/testinit"
fi

mkroot() {  # mkroot DIR: the common skeleton
	rm -rf "$1"
	mkdir -p "$1"/{dev,proc,sys,tmp}
	cp "$OUT/testinit" "$1/init"
	mknod -m 600 "$1/dev/console" c 5 1
}

pack() {  # pack DIR OUT.cpio.gz
	(cd "$1" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) | gzip -9n > "$2.tmp"
	mv "$2.tmp" "$2"
	echo "mk-guest-initramfs: $2 ($(stat -c %s "$2") bytes)"
}

# Module files for NAME and its dependencies, dependencies first (from modules.dep)
mod_closure() {  # mod_closure KVER NAME...
	local kver=$1 m p d
	shift
	for m in "$@"; do
		p=$(awk -F: -v m="${m//-/_}" '{ n = $1; sub(/.*\//, "", n); sub(/\.ko.*/, "", n);
			gsub(/-/, "_", n); if (n == m) { print $1; exit } }' "$X/lib/modules/$kver/modules.dep")
		[ -n "$p" ] || { echo "mk-guest-initramfs: module $m not in $kver" >&2; exit 1; }
		for d in $(awk -F: -v p="$p" '$1 == p { print $2 }' "$X/lib/modules/$kver/modules.dep"); do
			d=${d##*/}
			mod_closure "$kver" "${d%%.ko*}"
		done
		echo "$p"
	done
}

W=$RIG/guest-root
if [ ! "$OUT/guest.cpio.gz" -nt "$OUT/testinit" ]; then
	mkroot "$W"
	pack "$W" "$OUT/guest.cpio.gz"
fi

KVER=$(cat "$OUT/kver")
if [ ! "$OUT/guest-debian.cpio.gz" -nt "$OUT/testinit" ] || [ ! "$OUT/guest-debian.cpio.gz" -nt "$X/.debs" ]; then
	mkroot "$W"
	mkdir -p "$W/lib/modules/xtest"
	echo "$KVER" > "$W/lib/modules/xtest/release"
	n=10
	for p in $(mod_closure "$KVER" xen-netfront xen-blkfront crc32c_generic ext4 | awk '!seen[$0]++'); do
		f=$W/lib/modules/xtest/$n-$(basename "${p%%.ko*}").ko
		case $p in
		*.ko) cp "$X/lib/modules/$KVER/$p" "$f" ;;
		*.ko.xz) xz -dc "$X/lib/modules/$KVER/$p" > "$f" ;;
		*.ko.zst) zstd -qdc "$X/lib/modules/$KVER/$p" > "$f" ;;
		*) echo "mk-guest-initramfs: cannot unpack $p" >&2; exit 1 ;;
		esac
		n=$((n + 1))
	done
	ls "$W/lib/modules/xtest"
	pack "$W" "$OUT/guest-debian.cpio.gz"
fi
rm -rf "$W"
