#!/bin/bash
# Usage: scripts/rig/mk-debian-i386-rootfs.sh [--no-hook]
#   Makes the rig's Debian i386 root file system: `debootstrap --arch=i386 --variant=minbase
#   --include=stress-ng,initramfs-tools,zstd,grub-xen bookworm` from the Debian mirror the host's
#   apt uses, as a raw ext4 image, plus the test hook scripts/guest/xtest-rootfs as
#   /sbin/xtest-rootfs (stress-ng, with the libraries it needs, is Debian's i386 build: the hook
#   runs it when the kernel command line asks for xstress=SECONDS, see boot-xen.sh's STRESS;
#   initramfs-tools, zstd and grub-xen are what a Debian PV guest booted by pvgrub2 has, for the
#   kernel package that mk-pvgrub-image.sh installs). boot-xen.sh boots it as a guest's
#   xvda (GUEST pv64rootfs, i386rootfs) with root=/dev/xvda rw init=/sbin/xtest-rootfs.
#   Prints the image's path last; $RIG/out/debian-i386-rootfs.img links to it.
#   --no-hook   the image without /sbin/xtest-rootfs ($RIG/out/debian-i386-rootfs-nohook.img):
#               a boot of it must FAIL (it shows that the verdict needs the rootfs's own lines)
#
#   How (no loop mounts, and no i386 code on the host: its kernel may lack IA32 emulation, as
#   this machine's does, so `chroot TREE /bin/true` fails with "Exec format error"):
#     1. debootstrap --foreign on the host: downloads and unpacks the packages into a tree
#     2. mkfs.ext4 -d TREE: the tree as an ext4 image, with /xtest-stage2 (below) in it
#     3. the second stage, `debootstrap --second-stage`, runs inside the image: Debian's amd64
#        kernel boots natively in qemu-system-x86_64 (TCG) with the guest initramfs's testinit
#        (virtio_blk and ext4 modules, switch-root to /dev/vda, init=/xtest-stage2), which
#        configures the packages, tidies apt's caches and powers off ("XTEST-STAGE2: done")
#     4. the hook goes in with debugfs -w (a copy of the base image; --no-hook uses the base)
#   Like the other boots, step 3 waits while 2 or more QEMUs run on the machine.
#
#   Cache ($XEN_I386_CACHE/rootfs, default ~/.cache/xen-i386/rootfs), shared by clones and CI:
#     debian-bookworm-i386-minbase-<date>.img   the debootstrap result (read-only); <date> is
#                           the Date: of the suite's InRelease in apt's lists (the archive state
#                           debootstrap installs from; it changes with point releases), or
#                           today's date when apt has no such file
#     debian-bookworm-i386-minbase-<date>-<hash>.img   + the hook (read-only); <hash> = sha256
#                           of the hook and this script, so a change to either makes a new image
#     debs-<suite>-i386/    debootstrap's --cache-dir (its .debs)
#   Only the newest base image and its hooked image are kept. boot-xen.sh never writes to
#   them (QEMU snapshot=on).
#   Env: RIG (default <repo>/build/rig; needs scripts/rig/setup.sh's Debian kernel and testinit),
#        XEN_I386_CACHE, SUITE (bookworm), MIRROR (default: the first deb URI of apt's sources
#        that serves SUITE), TIMEOUT (the second stage's QEMU run, s, 1800)
#   Log: $RIG/logs/rootfs.log; the second stage's serial console: $RIG/logs/rootfs-stage2.log
set -euo pipefail
. "$(dirname "$0")/lib.sh"

NOHOOK=0
case ${1:-} in
"") ;;
--no-hook) NOHOOK=1 ;;
*) usage_error "usage: mk-debian-i386-rootfs.sh [--no-hook]" ;;
esac
[ "$(id -u)" = 0 ] || usage_error "must run as root (debootstrap, and mkfs.ext4 -d keeps owners)"
SUITE=${SUITE:-bookworm}
TIMEOUT=${TIMEOUT:-1800}
CACHE=${XEN_I386_CACHE:-$HOME/.cache/xen-i386}/rootfs
HOOK=$REPO/scripts/guest/xtest-rootfs
need_rig "$OUT/vmlinuz-debian" "$OUT/testinit" "$OUT/kver"
KVER=$(cat "$OUT/kver")
MD=$RIG/x/lib/modules/$KVER
need_rig "$MD/modules.dep"
mkdir -p "$CACHE" "$OUT" "$RIG/logs"
LOG=$RIG/logs/rootfs.log
: > "$LOG"
echo "rootfs: log in $LOG"
die() { echo "rootfs: ERROR: $*" >&2; echo "rootfs: last lines of $LOG:" >&2; tail -n 20 "$LOG" >&2; exit 1; }
T0=$(date +%s)

"$RIG_SCRIPTS/deps.sh" >>"$LOG" 2>&1 || die "scripts/rig/deps.sh failed"

# The mirror apt uses for SUITE: deb822 stanzas (Debian 12's default) or one-line sources.list
mirror_from_apt() {
	local f
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		awk -v s="$SUITE" 'BEGIN { RS = ""; FS = "\n" }
			{ t = u = su = ""
			  for (i = 1; i <= NF; i++) {
				if ($i ~ /^Types:/) t = $i
				if ($i ~ /^URIs:/) { u = $i; sub(/^URIs: */, "", u); sub(/ .*/, "", u) }
				if ($i ~ /^Suites:/) su = $i " "
			  }
			  if (t ~ /[ :]deb( |$)/ && index(su, " " s " ") && u != "") { print u; exit } }' "$f"
	done
	[ ! -f /etc/apt/sources.list ] ||
		awk -v s="$SUITE" '$1 == "deb" && $0 !~ /\[/ && $3 == s { print $2 } $1 == "deb" && /\[/ && $4 == s { print $3 }' \
			/etc/apt/sources.list
}
MIRROR=${MIRROR:-$(mirror_from_apt | sed -n 1p)}
[ -n "$MIRROR" ] || die "no deb source for $SUITE in apt's sources; set MIRROR=http://..."
MIRROR=${MIRROR%/}

# The cache key: the archive state of SUITE on that mirror, from the InRelease apt fetched
lists=/var/lib/apt/lists/$(sed -E 's|^[a-z]+://||; s|/|_|g' <<<"$MIRROR")_dists_${SUITE}_InRelease
KEY=
if [ -f "$lists" ]; then
	d=$(sed -n 's/^Date: //p' "$lists" | head -n 1)
	[ -n "$d" ] && KEY=$(date -u -d "$d" +%Y%m%dT%H%M%SZ 2>/dev/null) || KEY=
fi
[ -n "$KEY" ] || KEY=d$(date -u +%Y%m%d)
# RECIPE: bump it when the way the base image is made changes (old cached images then go)
RECIPE=r4
# what debootstrap installs (the base image's name says minbase; stress-ng for the stress run;
# initramfs-tools, with zstd, which apt would install with it as a recommendation, and
# grub-xen for a kernel package booted by pvgrub2)
DBS_OPTS=(--arch=i386 --variant=minbase --include=stress-ng,initramfs-tools,zstd,grub-xen)
NAME=debian-$SUITE-i386-minbase-$KEY-$RECIPE
BASE=$CACHE/$NAME.img
echo "rootfs: $SUITE i386 minbase from $MIRROR; archive state $KEY"

WORK=$RIG/rootfs-work
cleanup() {
	# debootstrap may leave proc/sys mounted in the target when it fails
	local m
	for m in $(awk -v w="$WORK/" 'index($2, w) == 1 { print $2 }' /proc/mounts | sort -r); do
		umount -l "$m" 2>/dev/null || true
	done
	rm -rf "$WORK"
}
trap cleanup EXIT

# One debootstrap at a time per cache (clones sharing it wait here)
exec 9>"$CACHE/.lock"
flock 9

# The second stage's init, run by the Debian i386 dash inside the image (step 3)
STAGE2='#!/bin/sh
PATH=/usr/sbin:/usr/bin:/sbin:/bin
export PATH
# the first stage leaves /proc as a link to /proc (the host'"'"'s, in a chroot)
[ -L /proc ] && rm -f /proc && mkdir /proc
[ -r /proc/self/stat ] || mount -t proc proc /proc
echo "XTEST-STAGE2: debootstrap --second-stage (uptime $(cut -d" " -f1 /proc/uptime) s)"
/debootstrap/debootstrap --second-stage
rc=$?
[ -r /proc/self/stat ] || mount -t proc proc /proc
# the stress run of the debug kernel needs stress-ng (--include) to run here
if [ $rc = 0 ] && ! sv=$(stress-ng --version 2>&1); then
	echo "XTEST-STAGE2: stress-ng does not run: $sv"
	rc=1
fi
# and the packages for a kernel package and pvgrub2 are configured
if [ $rc = 0 ]; then
	for p in initramfs-tools grub-xen; do
		st=$(dpkg-query -W -f="\${Status}" $p 2>&1)
		[ "$st" = "install ok installed" ] && continue
		echo "XTEST-STAGE2: $p is not configured: $st"
		rc=1
	done
fi
if [ $rc = 0 ]; then
	rm -rf /var/cache/apt/archives/*.deb /var/cache/apt/*.bin /var/lib/apt/lists/* /var/log/bootstrap.log
	mkdir -p /var/lib/apt/lists/partial
	echo "XTEST-STAGE2: second stage ok: $(grep -c "^Package:" /var/lib/dpkg/status) packages, Debian $(cat /etc/debian_version) $(dpkg --print-architecture), $sv"
else
	echo "XTEST-STAGE2: second stage FAILED with status $rc; last lines of its log:"
	tail -n 30 /debootstrap/debootstrap.log
fi
sync
mount -o remount,ro /
sync
echo "XTEST-STAGE2: done (uptime $(cut -d" " -f1 /proc/uptime) s)"
perl -e "syscall(88, 0xfee1dead, 672274793, 0x4321fedc)" 2>/dev/null
echo o > /proc/sysrq-trigger
while :; do sleep 3600; done
'

if [ ! -s "$BASE" ]; then
	cleanup
	mkdir -p "$WORK/tree"
	# debootstrap's wget gives up on a file only after 900 s of silence, and then debootstrap
	# fails: a stalled connection (seen here) must time out early and be retried by wget itself.
	# (wget reads /etc/wgetrc first, so a proxy set there still applies.)
	printf '%s\n' 'read_timeout = 30' 'connect_timeout = 30' 'tries = 10' 'waitretry = 2' \
		'retry_connrefused = on' > "$WORK/wgetrc"
	# (--cache-dir keeps the .debs: a failed or repeated run downloads only what is new)
	mkdir -p "$CACHE/debs-$SUITE-i386"
	echo "rootfs: [1/3] debootstrap --foreign ${DBS_OPTS[*]} $SUITE ..."
	s=$(date +%s)
	if ! WGETRC=$WORK/wgetrc debootstrap --foreign "${DBS_OPTS[@]}" \
		--cache-dir="$CACHE/debs-$SUITE-i386" "$SUITE" "$WORK/tree" "$MIRROR" >>"$LOG" 2>&1; then
		cp "$WORK/tree/debootstrap/debootstrap.log" "$RIG/logs/debootstrap.log" 2>/dev/null || true
		die "debootstrap --foreign failed (its log: $RIG/logs/debootstrap.log)"
	fi
	S1=$(( $(date +%s) - s ))
	t=$WORK/tree
	echo "xtest-i386" > "$t/etc/hostname"
	echo "/dev/xvda / ext4 rw,errors=remount-ro 0 1" > "$t/etc/fstab"
	echo "deb $MIRROR $SUITE main" > "$t/etc/apt/sources.list"
	# the console the kernel opens for init when no initramfs mounted a devtmpfs first
	[ -c "$t/dev/console" ] || mknod -m 600 "$t/dev/console" c 5 1
	[ -c "$t/dev/null" ] || mknod -m 666 "$t/dev/null" c 1 3
	printf '%s\n' "debootstrap ${DBS_OPTS[*]} $SUITE $MIRROR" "archive state: $KEY" \
		"made: $(date -u +%Y-%m-%dT%H:%M:%SZ) by xen-i386 scripts/rig/mk-debian-i386-rootfs.sh" \
		> "$t/etc/xtest-rootfs-origin"
	printf '%s' "$STAGE2" > "$t/xtest-stage2"
	chmod 755 "$t/xtest-stage2"
	# size: what the tree uses (packages unpacked + their .debs) + a half + 64 MiB, 16 MiB steps
	used=$(du -sxm "$t" | cut -f1)
	size=$(( (used * 3 / 2 + 64 + 15) / 16 * 16 ))
	mkfs.ext4 -q -F -b 4096 -L xtest-rootfs -d "$t" "$WORK/base.img" "${size}M" >>"$LOG" 2>&1 ||
		die "mkfs.ext4 -d failed"
	rm -rf "$t"
	echo "rootfs: [1/3] done in ${S1}s; [2/3] ${size} MiB ext4 image of the ${used} MiB tree"

	echo "rootfs: [3/3] debootstrap --second-stage in the image (Debian's amd64 kernel, QEMU TCG) ..."
	s=$(date +%s)
	rc=0
	image_job "$WORK/base.img" /xtest-stage2 "$RIG/logs/rootfs-stage2.log" '^XTEST-STAGE2: done' || rc=$?
	S3=$(( $(date +%s) - s ))
	sed 's/^/  /' "$RIG/logs/rootfs-stage2.log" >> "$LOG"
	ok=$(check_lines "$RIG/logs/rootfs-stage2.log" | grep -m1 '^XTEST-STAGE2: second stage ok' || true)
	if [ -z "$ok" ] || [ "$rc" != 0 ]; then
		TIMEOUT=$TIMEOUT show_tail "$RIG/logs/rootfs-stage2.log"
		die "the second stage did not finish (QEMU status $rc after ${S3}s; console: $RIG/logs/rootfs-stage2.log)"
	fi
	debugfs -w -R "rm /xtest-stage2" "$WORK/base.img" >>"$LOG" 2>&1 || die "debugfs rm /xtest-stage2 failed"
	e2fsck -fp "$WORK/base.img" >>"$LOG" 2>&1 || [ $? -le 1 ] || die "e2fsck of the image failed"
	debugfs -R "stat /debootstrap" "$WORK/base.img" 2>&1 | grep -q 'File not found' ||
		die "/debootstrap is still in the image: the second stage did not complete"
	# modest size: shrink to what the files need, then give it 64 MiB of room; a fresh file
	# (cp --sparse) leaves the blocks the .debs used behind
	resize2fs -M "$WORK/base.img" >>"$LOG" 2>&1 || die "resize2fs -M failed"
	size=$(dumpe2fs -h "$WORK/base.img" 2>/dev/null |
		awk -F: '/^Block count/ { c = $2 } /^Block size/ { b = $2 } END { print int(c * b / 1048576) }')
	size=$(( (size + 64 + 15) / 16 * 16 ))
	cp --sparse=always "$WORK/base.img" "$WORK/small.img"
	rm -f "$WORK/base.img"
	truncate -s "${size}M" "$WORK/small.img"
	resize2fs "$WORK/small.img" "${size}M" >>"$LOG" 2>&1 || die "resize2fs to ${size} MiB failed"
	mv "$WORK/small.img" "$WORK/base.img"
	e2fsck -fn "$WORK/base.img" >>"$LOG" 2>&1 || die "the image is not clean after e2fsck"
	chmod 444 "$WORK/base.img"
	mv "$WORK/base.img" "$BASE"
	echo "rootfs: [3/3] done in ${S3}s: ${ok#XTEST-STAGE2: }; image ${size} MiB"
	echo "rootfs: debootstrap took $((S1 + S3))s (first stage ${S1}s, second stage in QEMU ${S3}s); cached $BASE"
	# keep only the newest base image and its hooked images
	for f in "$CACHE"/debian-"$SUITE"-i386-minbase-*; do
		case $f in "$BASE" | "$CACHE/$NAME"-*) ;; *) rm -f "$f"; echo "rootfs: removed the older $f" ;; esac
	done
else
	echo "rootfs: reusing $BASE"
fi

# --- the hook ----------------------------------------------------------------------------------
if [ "$NOHOOK" = 1 ]; then
	IMG=$BASE
	ln -sfn "$IMG" "$OUT/debian-i386-rootfs-nohook.img"
	echo "rootfs: done in $(( $(date +%s) - T0 ))s: $OUT/debian-i386-rootfs-nohook.img -> $IMG (no /sbin/xtest-rootfs)"
	echo "$OUT/debian-i386-rootfs-nohook.img"
	exit 0
fi
H=$(cat "$HOOK" "$RIG_SCRIPTS/mk-debian-i386-rootfs.sh" | sha256sum | cut -c1-12)
IMG=$CACHE/$NAME-$H.img
if [ ! -s "$IMG" ]; then
	rm -f "$IMG.tmp"
	cp --sparse=always "$BASE" "$IMG.tmp"
	chmod 644 "$IMG.tmp"
	# merged /usr: /sbin is a link to usr/sbin; debugfs does not follow links
	dir=/sbin
	debugfs -R "stat /sbin" "$IMG.tmp" 2>/dev/null | grep -q 'Type: symlink' && dir=/usr/sbin
	debugfs -w -f - "$IMG.tmp" >>"$LOG" 2>&1 <<-EOF || die "debugfs could not add the hook"
		cd $dir
		write $HOOK xtest-rootfs
		set_inode_field xtest-rootfs mode 0100755
		set_inode_field xtest-rootfs uid 0
		set_inode_field xtest-rootfs gid 0
	EOF
	debugfs -R "stat $dir/xtest-rootfs" "$IMG.tmp" 2>/dev/null | grep -q 'Mode:  0755' ||
		die "$dir/xtest-rootfs is not in the image as mode 0755"
	e2fsck -fn "$IMG.tmp" >>"$LOG" 2>&1 || die "e2fsck of the hooked image failed"
	chmod 444 "$IMG.tmp"
	mv "$IMG.tmp" "$IMG"
	for f in "$CACHE/$NAME"-*.img; do [ "$f" = "$IMG" ] || rm -f "$f"; done
	echo "rootfs: image $IMG: $(( $(stat -c %s "$IMG") >> 20 )) MiB ext4 ($(( $(du -k "$IMG" | cut -f1) >> 10 )) MiB allocated), hook $dir/xtest-rootfs"
else
	echo "rootfs: reusing $IMG"
fi
ln -sfn "$IMG" "$OUT/debian-i386-rootfs.img"
echo "rootfs: done in $(( $(date +%s) - T0 ))s: $OUT/debian-i386-rootfs.img -> $IMG"
echo "$OUT/debian-i386-rootfs.img"
