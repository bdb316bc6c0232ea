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
#   The defaults make setup.sh's image; setup-xen420.sh makes another one with:
#        DOM0_X             the extracted debs the toolstack comes from (default $RIG/x)
#        DOM0_XEN_VERSION   its version: /usr/lib/xen-V/{bin,boot/xen-shim} (default 4.17);
#                           when given, the image has /etc/xen-rig-version with it
#        DOM0_IMG           the image (default $RIG/out/dom0.cpio.gz)
#        DOM0_LOADER        the dynamic loader that lists the programs' libraries, and the
#                           image's /lib64/ld-linux-x86-64.so.2 (default: none, the host's ldd
#                           with the host's loader). A tree of another glibc than the host's
#                           needs its own: its programs need that libc, and one libc serves all
#                           programs of the image, the host's bash, flock, ... too
#        DOM0_MODULES       the tree with dom0's kernel and its modules (default $RIG/x, and
#                           always setup.sh's: dom0's kernel is bookworm's)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

S=$RIG_SCRIPTS
X=${DOM0_X:-$RIG/x}
XV=${DOM0_XEN_VERSION:-4.17}
IMG=${DOM0_IMG:-$OUT/dom0.cpio.gz}
LOADER=${DOM0_LOADER:-}
MX=${DOM0_MODULES:-$RIG/x}
KVER=$(cat "$OUT/kver")
[ -s "$X/.debs" ] || { echo "mk-dom0-initramfs: $X/.debs is missing: $X is not an extracted tree (run scripts/rig/setup.sh)" >&2; exit 1; }
[ -x "$X/usr/lib/xen-$XV/bin/xl" ] || { echo "mk-dom0-initramfs: $X has no Xen $XV toolstack (no /usr/lib/xen-$XV/bin/xl)" >&2; exit 1; }
[ -d "$MX/lib/modules/$KVER" ] || { echo "mk-dom0-initramfs: $MX has no modules of dom0's kernel $KVER (run scripts/rig/setup.sh)" >&2; exit 1; }
[ -z "$LOADER" ] || [ -x "$LOADER" ] || { echo "mk-dom0-initramfs: DOM0_LOADER $LOADER is not an executable loader" >&2; exit 1; }

# Rebuilt when an input is newer, or when the parameters differ from those the image was
# made with (their record is beside the work tree, so that $OUT holds only images)
inputs="x=$X xen=$XV loader=$LOADER modules=$MX kver=$KVER"
stamp=$RIG/.$(basename "$IMG").inputs
stale=0
for f in "$S/dom0-init" "$S/dom0-lifecycle" "$S/dom0-bench" "$S/block-rig" "$0" "$X/.debs" /bin/busybox \
	"$MX/.debs" ${LOADER:+"$LOADER"}; do
	[ "$IMG" -nt "$f" ] || stale=1
done
[ "$(cat "$stamp" 2>/dev/null)" = "$inputs" ] || stale=1
[ $stale = 1 ] || { echo "mk-dom0-initramfs: $IMG is up to date"; exit 0; }

R=$RIG/$(basename "$IMG" .cpio.gz)-root
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
list_libs() {  # list_libs ELF: its libraries as ldd shows them (the tree's first)
	if [ -n "$LOADER" ]; then
		# (with its complaints: a library of the host too old for the tree's is one)
		"$LOADER" --library-path "$LIBPATH" --list "$1" 2>&1
	else
		LD_LIBRARY_PATH=$LIBPATH ldd "$1"
	fi
}
if [ -n "$LOADER" ]; then
	# the loader every program of the image starts with (their PT_INTERP); the tree's loader
	# lines below point at the file, not at this name
	mkdir -p "$R/lib64"
	cp -L "$LOADER" "$R/lib64/ld-linux-x86-64.so.2"
fi
add_bin() {  # add_bin SRC DEST
	local lib t libs rc=0
	mkdir -p "$R/$(dirname "$2")"
	rm -f "$R/$2"
	cp -L "$1" "$R/$2"
	libs=$(list_libs "$1") || rc=$?
	if grep -q 'not found' <<< "$libs"; then
		echo "mk-dom0-initramfs: $1 has missing libraries${LOADER:+ (listed with $LOADER)}:" >&2
		grep 'not found' <<< "$libs" >&2
		exit 1
	fi
	if [ $rc != 0 ]; then
		echo "mk-dom0-initramfs: listing the libraries of $1${LOADER:+ with $LOADER} failed (status $rc); it said:" >&2
		tail -n 3 <<< "$libs" >&2
		exit 1
	fi
	for lib in $(awk -v own="$LOADER" '/ld-linux/ && own != "" { next }
		/=> \// { print $3 } /^\t\/.*ld-linux/ { print $1 }' <<< "$libs"); do
		t=${lib#"$X"}
		# a tree with its own loader has its own libraries: one of the host's (older glibc,
		# another build) under the tree's program means a package missing from the tree
		if [ -n "$LOADER" ] && [ "${1#"$X"/}" != "$1" ] && [ "$t" = "$lib" ]; then
			echo "mk-dom0-initramfs: $1 would take $lib from the host: its package is missing from $X" >&2
			exit 1
		fi
		[ -e "$R/$t" ] || { mkdir -p "$R/$(dirname "$t")"; cp -L "$lib" "$R/$t"; }
	done
}

XB=/usr/lib/xen-$XV/bin
for b in xl xenstored xenconsoled xen-init-dom0 xenperf libxl-save-helper xenconsole xentop; do
	add_bin "$X$XB/$b" "$XB/$b"
done
# Xen's PV shim, where xl looks for it (pvshim = 1): the guests of boot-xen.sh PVSHIM=1
mkdir -p "$R/usr/lib/xen-$XV/boot"
cp "$X/usr/lib/xen-$XV/boot/xen-shim" "$R/usr/lib/xen-$XV/boot/xen-shim"
# which toolstack this image has, for dom0-init (PATH, the shim's place); setup.sh's image
# goes without it, so that its file list stays as it was: dom0-init then finds the one
# /usr/lib/xen-*/bin there is
[ -z "${DOM0_XEN_VERSION:-}" ] || echo "$XV" > "$R/etc/xen-rig-version"
for b in xenstore xenstore-read xenstore-write xenstore-watch xenstore-ls xenstore-list xenstore-rm xenstore-exists xenstore-chmod; do
	add_bin "$X/usr/bin/$b" "/usr/bin/$b"
done
# glibc dlopen()s libgcc_s for pthread_cancel; ldd does not show it and xl aborts without it.
# The tree's own when it has one (a tree with its own glibc has libgcc-s1 beside it)
gcc_s=/lib/x86_64-linux-gnu/libgcc_s.so.1
for f in "$X/usr/lib/x86_64-linux-gnu/libgcc_s.so.1" "$X/lib/x86_64-linux-gnu/libgcc_s.so.1"; do
	[ ! -e "$f" ] || { gcc_s=$f; break; }
done
mkdir -p "$R/lib/x86_64-linux-gnu"
cp -L "$gcc_s" "$R/lib/x86_64-linux-gnu/"
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
MD=$MX/lib/modules/$KVER
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
echo "$inputs" > "$stamp"
echo "mk-dom0-initramfs: $IMG ($(stat -c %s "$IMG") bytes, $(du -sh "$R" | cut -f1) unpacked)"
rm -rf "$R"
