#!/bin/bash
# Usage: scripts/rig/mk-dom0-initramfs.sh   (called by setup.sh; rebuilds only when stale)
#   Builds $RIG/out/dom0.cpio.gz: busybox, the Xen 4.17 toolstack (xl, xenstored, xenconsoled,
#   xen-init-dom0, xenperf, ...) with its libraries, the hotplug scripts (+ the rig's block-rig)
#   and the host tools they need (bash, flock, losetup, ip, coreutils stat), the backend modules
#   of Debian's kernel (and ext4 to check the guest's file, virtio_pci + virtio_blk for a root
#   file system image QEMU gives dom0 as /dev/vda), and scripts/rig/dom0-init as /init. No
#   guest in it: boot-xen.sh appends the guest as a second
#   cpio, so a new guest kernel never rebuilds this image.
#   Env: RIG (default <repo>/build/rig). Needs setup.sh's extract step ($RIG/x, $RIG/out/kver).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

S=$RIG_SCRIPTS
X=$RIG/x
KVER=$(cat "$OUT/kver")
IMG=$OUT/dom0.cpio.gz

stale=0
for f in "$S/dom0-init" "$S/dom0-lifecycle" "$S/dom0-bench" "$S/block-rig" "$0" "$X/.debs" /bin/busybox; do
	[ "$IMG" -nt "$f" ] || stale=1
done
[ $stale = 1 ] || { echo "mk-dom0-initramfs: $IMG is up to date"; exit 0; }

R=$RIG/dom0-root
rm -rf "$R"
mkdir -p "$R"/{bin,sbin,usr/bin,usr/sbin,etc/xen,proc,sys,dev,tmp,run,root,guest} \
	"$R"/var/{lib/xen,lib/xenstored,log/xen/console} "$R/lib/modules/$KVER"
ln -s ../run "$R/var/run"

cp /bin/busybox "$R/bin/busybox"
for a in $(/bin/busybox --list); do
	[ -e "$R/bin/$a" ] || ln -s busybox "$R/bin/$a"
done

# An ELF program and the shared libraries it needs, from the extracted debs or the host
LIBPATH=$X/usr/lib/x86_64-linux-gnu:$X/lib/x86_64-linux-gnu
add_bin() {  # add_bin SRC DEST
	local lib t
	mkdir -p "$R/$(dirname "$2")"
	rm -f "$R/$2"
	cp -L "$1" "$R/$2"
	if LD_LIBRARY_PATH=$LIBPATH ldd "$1" | grep -q 'not found'; then
		echo "mk-dom0-initramfs: $1 has missing libraries:" >&2
		LD_LIBRARY_PATH=$LIBPATH ldd "$1" | grep 'not found' >&2
		exit 1
	fi
	for lib in $(LD_LIBRARY_PATH=$LIBPATH ldd "$1" | awk '/=> \// { print $3 } /^\t\/.*ld-linux/ { print $1 }'); do
		t=${lib#"$X"}
		[ -e "$R/$t" ] || { mkdir -p "$R/$(dirname "$t")"; cp -L "$lib" "$R/$t"; }
	done
}

XB=/usr/lib/xen-4.17/bin
for b in xl xenstored xenconsoled xen-init-dom0 xenperf libxl-save-helper xenconsole xentop; do
	add_bin "$X$XB/$b" "$XB/$b"
done
# Xen's PV shim, where xl looks for it (pvshim = 1): the guests of boot-xen.sh PVSHIM=1
mkdir -p "$R/usr/lib/xen-4.17/boot"
cp "$X/usr/lib/xen-4.17/boot/xen-shim" "$R/usr/lib/xen-4.17/boot/xen-shim"
for b in xenstore xenstore-read xenstore-write xenstore-watch xenstore-ls xenstore-list xenstore-rm xenstore-exists xenstore-chmod; do
	add_bin "$X/usr/bin/$b" "/usr/bin/$b"
done
# glibc dlopen()s libgcc_s for pthread_cancel; ldd does not show it and xl aborts without it
cp -L /lib/x86_64-linux-gnu/libgcc_s.so.1 "$R/lib/x86_64-linux-gnu/"
# The hotplug scripts are bash and need util-linux flock/losetup, iproute2 ip and coreutils
# stat (with busybox stat, locking.sh's claim_lock spins forever)
add_bin /bin/bash /bin/bash
add_bin /usr/bin/flock /usr/bin/flock
add_bin /sbin/losetup /sbin/losetup
add_bin /sbin/ip /sbin/ip
add_bin /usr/bin/stat /usr/bin/stat
rm -f "$R/bin/flock" "$R/bin/losetup" "$R/bin/ip" "$R/bin/stat"
cp -a "$X/etc/xen/scripts" "$X/etc/xen/xl.conf" "$R/etc/xen/"
# the guest disks' hotplug script (a light one: see its header)
install -m 755 "$S/block-rig" "$R/etc/xen/scripts/block-rig"
# the lifecycle run's dom0 side (make check-lifecycle), sourced by dom0-init
install -m 644 "$S/dom0-lifecycle" "$R/etc/xen/dom0-lifecycle"
# make bench's dom0 side (bench.sh), sourced by dom0-init
install -m 644 "$S/dom0-bench" "$R/etc/xen/dom0-bench"
echo "root:x:0:0:root:/root:/bin/sh" > "$R/etc/passwd"
echo "root:x:0:" > "$R/etc/group"

# Backend modules and their dependencies, from Debian's kernel
MD=$X/lib/modules/$KVER
mods=$(module_closure "$MD" xen-evtchn xen-gntdev xen-gntalloc xen-privcmd xenfs xen-blkback \
	xen-netback bridge loop crc32c_generic ext4 virtio_pci virtio_blk)
for p in $mods; do
	mkdir -p "$R/lib/modules/$KVER/$(dirname "$p")"
	cp "$MD/$p" "$R/lib/modules/$KVER/$p"
done
cp "$MD"/modules.{order,builtin,builtin.modinfo} "$R/lib/modules/$KVER/"
depmod -b "$R" "$KVER"

cp "$S/dom0-init" "$R/init"
chmod 755 "$R/init"
mknod -m 600 "$R/dev/console" c 5 1

(cd "$R" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) | gzip -1n > "$IMG.tmp"
# boot-xen.sh appends an uncompressed cpio: the kernel wants it 4-byte aligned (pad with zeros)
truncate -s %512 "$IMG.tmp"
mv "$IMG.tmp" "$IMG"
echo "mk-dom0-initramfs: $IMG ($(stat -c %s "$IMG") bytes, $(du -sh "$R" | cut -f1) unpacked)"
rm -rf "$R"
