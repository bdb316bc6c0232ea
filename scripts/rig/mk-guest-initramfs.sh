#!/bin/bash
# Usage: scripts/rig/mk-guest-initramfs.sh   (called by setup.sh; rebuilds only what is stale)
#   Builds the guest side of the rig from scripts/guest/testinit.c and testinit-*.c (the
#   program and its checks by area; testinit.h is what they share):
#     $RIG/out/testinit               gcc -m32 -static: one binary for 32- and 64-bit guests
#     $RIG/out/guest.cpio.gz          /init = testinit, /sbin/poweroff -> /init (our kernels:
#                                     drivers built in; also used for native i386 boots)
#     $RIG/out/guest-debian.cpio.gz   the same + xen-netfront, xen-blkfront, ext4 (and their
#                                     dependencies, crc32c) of Debian's kernel in /lib/modules/xtest,
#                                     loaded by testinit
#   Env: RIG (default <repo>/build/rig). Needs setup.sh's extract step ($RIG/x, $RIG/out/kver).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

X=$RIG/x
G=$REPO/scripts/guest
SRC=("$G/testinit.c" "$G"/testinit-*.c)

stale=0
for f in "${SRC[@]}" "$G/testinit.h" "$G/sha256.h"; do
	[ "$OUT/testinit" -nt "$f" ] || stale=1
done
if [ $stale = 1 ]; then
	gcc -m32 -static -O2 -Wall -Wextra -pthread -o "$OUT/testinit.tmp" "${SRC[@]}"
	mv "$OUT/testinit.tmp" "$OUT/testinit"
	echo "mk-guest-initramfs: built $OUT/testinit"
fi

mkroot() {  # mkroot DIR: the common skeleton
	rm -rf "$1"
	mkdir -p "$1"/{dev,proc,sys,tmp,sbin}
	cp "$OUT/testinit" "$1/init"
	# the kernel's orderly_poweroff() (xl shutdown) runs /sbin/poweroff: testinit's xl-shutdown
	ln -s ../init "$1/sbin/poweroff"
	# ... and orderly_reboot() (xl reboot) /sbin/reboot: the lifecycle run's second boot
	ln -s ../init "$1/sbin/reboot"
	mknod -m 600 "$1/dev/console" c 5 1
}

pack() {  # pack DIR OUT.cpio.gz
	(cd "$1" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) | gzip -9n > "$2.tmp"
	mv "$2.tmp" "$2"
	echo "mk-guest-initramfs: $2 ($(stat -c %s "$2") bytes)"
}

W=$RIG/guest-root
if [ ! "$OUT/guest.cpio.gz" -nt "$OUT/testinit" ] || [ ! "$OUT/guest.cpio.gz" -nt "$0" ]; then
	mkroot "$W"
	pack "$W" "$OUT/guest.cpio.gz"
fi

KVER=$(cat "$OUT/kver")
if [ ! "$OUT/guest-debian.cpio.gz" -nt "$OUT/testinit" ] || [ ! "$OUT/guest-debian.cpio.gz" -nt "$0" ] || [ ! "$OUT/guest-debian.cpio.gz" -nt "$X/.debs" ]; then
	mkroot "$W"
	mkdir -p "$W/lib/modules/xtest"
	echo "$KVER" > "$W/lib/modules/xtest/release"
	n=10
	mods=$(module_closure "$X/lib/modules/$KVER" xen-netfront xen-blkfront crc32c_generic ext4)
	for p in $(awk '!seen[$0]++' <<<"$mods"); do
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
