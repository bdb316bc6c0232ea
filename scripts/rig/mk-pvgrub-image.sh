#!/bin/bash
# Usage: scripts/rig/mk-pvgrub-image.sh [DEB]
#   The guest of GUEST=i386pvgrub: the rig's Debian i386 root file system (make rootfs-i386,
#   which has initramfs-tools and grub-xen) with the kernel package DEB (default
#   build/deb/linux-image.deb, make deb) installed the way a user installs one, by Debian's
#   own tools inside the guest's system:
#     dpkg -i DEB          the package's postinst runs /etc/kernel/postinst.d: initramfs-tools
#                          makes /boot/initrd.img-<release> (MODULES=most: Xen's frontends,
#                          ext4, virtio from /lib/modules/<release>)
#     update-grub          grub-xen's grub-mkconfig writes /boot/grub/grub.cfg, root=UUID=
#                          (udev runs, so /dev/disk/by-uuid exists, as in a running system)
#   with /etc/default/grub.d/xen-i386.cfg (the console, and the test hook as init: minbase has
#   no init system) and /etc/fstab naming the root file system by UUID.
#   This host cannot run i386 code (no IA32 emulation): the job runs natively in QEMU under
#   Debian's amd64 kernel, as the root file system's second stage does (mk-debian-i386-rootfs.sh).
#   Prints the image's path last; $RIG/out/debian-i386-pvgrub.img links to it.
#
#   Cache: $XEN_I386_CACHE/rootfs/pvgrub-<hash>.img (read-only; boot-xen.sh uses QEMU's
#   snapshot=on), <hash> of the root file system image's name, DEB and this script; only the
#   newest is kept.
#   Env: TIMEOUT (the QEMU job, s, 1200). Log: $RIG/logs/pvgrub-image.log (the job's console).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

DEB=${1:-$REPO/build/deb/linux-image.deb}
TIMEOUT=${TIMEOUT:-1200}
CACHE=${XEN_I386_CACHE:-$HOME/.cache/xen-i386}/rootfs
ROOTFS=$OUT/debian-i386-rootfs.img
[ "$(id -u)" = 0 ] || usage_error "must run as root (debugfs writes files owned by root)"
[ -s "$DEB" ] || usage_error "no kernel package $DEB: run 'make deb' first"
[ -e "$ROOTFS" ] || usage_error "$ROOTFS is missing: run 'make rootfs-i386' first"
need_rig "$OUT/vmlinuz-debian" "$OUT/testinit" "$OUT/kver"
DEB=$(readlink -f "$DEB")
pkg=$(dpkg-deb -f "$DEB" Package) || usage_error "$DEB is not a Debian package"
case $pkg in linux-image-*) ;; *) usage_error "$DEB is $pkg, not a linux-image package" ;; esac
BASE=$(readlink -f "$ROOTFS")
mkdir -p "$CACHE" "$RIG/logs"
LOG=$RIG/logs/pvgrub-image.log
H=$( { basename "$BASE"; sha256sum < "$DEB"; cat "$0"; } | sha256sum | cut -c1-16)
IMG=$CACHE/pvgrub-$H.img
if [ -s "$IMG" ]; then
	ln -sfn "$IMG" "$OUT/debian-i386-pvgrub.img"
	echo "pvgrub-image: reusing $IMG ($pkg)"
	echo "$OUT/debian-i386-pvgrub.img"
	exit 0
fi
die() { echo "pvgrub-image: ERROR: $*" >&2; exit 1; }
WORK=$RIG/pvgrub-work
rm -rf "$WORK"
mkdir -p "$WORK"
trap 'rm -rf "$WORK"' EXIT
T0=$(date +%s)

# The job, run by the image's own dash as init (the amd64 kernel runs the i386 userland)
cat > "$WORK/stage" <<'EOF'
#!/bin/sh
PATH=/usr/sbin:/usr/bin:/sbin:/bin
export PATH
say() { echo "XTEST-PVGRUB-STAGE: $*"; }
fin() {
	udevadm control --exit 2>/dev/null
	sync
	mount -o remount,ro / 2>/dev/null
	sync
	say "done"
	echo o > /proc/sysrq-trigger
	sleep 30
	perl -e "syscall(88, 0xfee1dead, 672274793, 0x4321fedc)" 2>/dev/null
	while :; do sleep 3600; done
}
bad() { say "FAILED: $*"; fin; }
[ -r /proc/self/stat ] || mount -t proc proc /proc
[ -d /sys/block ] && [ -e /sys/kernel ] || mount -t sysfs sysfs /sys
[ -e /dev/null ] || mount -t devtmpfs devtmpfs /dev
mount -t tmpfs -o mode=0755 tmpfs /run
deb=$(ls /root/linux-image-*.deb)
rel=$(dpkg-deb -f "$deb" Package) && rel=${rel#linux-image-}
say "installing $deb (release $rel) in Debian $(cat /etc/debian_version) $(dpkg --print-architecture), kernel $(uname -r)"
# udev, as in a running system: grub-mkconfig writes root=UUID= only if /dev/disk/by-uuid has it
/lib/systemd/systemd-udevd --daemon || bad "systemd-udevd does not start"
udevadm trigger --action=add && udevadm settle --timeout=120 || bad "udevadm trigger/settle"
uuid=$(blkid -o value -s UUID /dev/vda)
[ -n "$uuid" ] && [ -e "/dev/disk/by-uuid/$uuid" ] || bad "no /dev/disk/by-uuid link for /dev/vda (UUID '$uuid')"
echo "UUID=$uuid / ext4 rw,errors=remount-ro 0 1" > /etc/fstab
mkdir -p /etc/default/grub.d
cat > /etc/default/grub.d/xen-i386.cfg <<EOC
# xen-i386's rig guest: the Xen console, messages at warning level shown (not quiet), and
# the rig's test hook as init (minbase has no init system) with its pvgrub checks
GRUB_CMDLINE_LINUX="console=hvc0 init=/sbin/xtest-rootfs xtest=pvgrub"
GRUB_CMDLINE_LINUX_DEFAULT=""
GRUB_TERMINAL=console
GRUB_TIMEOUT=1
EOC
say "dpkg -i $deb"
rc=0
dpkg -i "$deb" > /tmp/dpkg.log 2>&1 || rc=$?
sed 's/^/  dpkg: /' /tmp/dpkg.log
[ $rc = 0 ] || bad "dpkg -i: status $rc"
st=$(dpkg-query -W -f='${Status}' "linux-image-$rel" 2>&1)
[ "$st" = "install ok installed" ] || bad "linux-image-$rel: $st"
[ -s "/boot/initrd.img-$rel" ] || bad "the package's postinst made no /boot/initrd.img-$rel (initramfs-tools)"
mods=$(lsinitramfs "/boot/initrd.img-$rel" | grep -E '/(xen-blkfront|xen-netfront|ext4|virtio_blk)\.ko' | sed 's|.*/||' | sort | paste -sd' ' -)
say "initramfs /boot/initrd.img-$rel: $(( $(stat -c %s "/boot/initrd.img-$rel") / 1024 )) KiB, has $mods"
say "update-grub"
rc=0
update-grub > /tmp/update-grub.log 2>&1 || rc=$?
sed 's/^/  update-grub: /' /tmp/update-grub.log
[ $rc = 0 ] || bad "update-grub: status $rc"
cfg=/boot/grub/grub.cfg
[ -s $cfg ] || bad "update-grub wrote no $cfg"
grep -qE "^[[:space:]]*linux[[:space:]]+/boot/vmlinuz-$rel root=UUID=$uuid ro " $cfg ||
	bad "$cfg has no 'linux /boot/vmlinuz-$rel root=UUID=$uuid ro ...' line: $(grep -E '^[[:space:]]*linux' $cfg | head -n 2)"
grep -qE "^[[:space:]]*initrd[[:space:]]+/boot/initrd.img-$rel\$" $cfg || bad "$cfg has no 'initrd /boot/initrd.img-$rel' line"
grep -E '^[[:space:]]*(linux|initrd)[[:space:]]' $cfg | head -n 2 | sed 's/^[[:space:]]*/  grub.cfg: /'
rm -f "$deb"
say "ok: linux-image-$rel installed, /boot/initrd.img-$rel, $cfg with root=UUID=$uuid; /boot/xen/pvboot-i386.elf $([ -e /boot/xen/pvboot-i386.elf ] && echo present || echo absent)"
fin
EOF

echo "pvgrub-image: $pkg into a copy of $BASE (log: $LOG)"
cp --sparse=always "$BASE" "$WORK/img"
chmod 644 "$WORK/img"
# room for the package file, the kernel and modules it installs, their initramfs, the grub
# files: 256 MiB and twice the installed size (Debian's full configuration installs ~300 MiB)
inst=$(dpkg-deb -f "$DEB" Installed-Size)
[[ $inst =~ ^[0-9]+$ ]] || usage_error "$DEB has no Installed-Size"
size=$(( $(stat -c %s "$WORK/img") / 1048576 + 256 + 2 * inst / 1024 ))
truncate -s "${size}M" "$WORK/img"
e2fsck -fp "$WORK/img" >"$LOG" 2>&1 || [ $? -le 1 ] || die "e2fsck of the copy failed (log: $LOG)"
resize2fs "$WORK/img" "${size}M" >>"$LOG" 2>&1 || die "resize2fs to ${size} MiB failed (log: $LOG)"
debugfs -w -f - "$WORK/img" >>"$LOG" 2>&1 <<-EOF || die "debugfs could not add the package and the job"
	cd /root
	write $DEB $(basename "$DEB")
	cd /
	write $WORK/stage xtest-pvgrub-stage
	set_inode_field xtest-pvgrub-stage mode 0100755
EOF
rc=0
image_job "$WORK/img" /xtest-pvgrub-stage "$WORK/console.log" '^XTEST-PVGRUB-STAGE: done' || rc=$?
cp "$WORK/console.log" "$RIG/logs/pvgrub-image-console.log"
check_lines "$WORK/console.log" | grep '^XTEST-PVGRUB-STAGE\|^  \(dpkg\|update-grub\|grub.cfg\): ' | sed 's/^/pvgrub-image: /' || true
ok=$(check_lines "$WORK/console.log" | grep -m1 '^XTEST-PVGRUB-STAGE: ok' || true)
if [ -z "$ok" ] || [ "$rc" != 0 ]; then
	TIMEOUT=$TIMEOUT show_tail "$WORK/console.log"
	die "the job in the image did not finish (QEMU status $rc; console: $RIG/logs/pvgrub-image-console.log)"
fi
debugfs -w -R "rm /xtest-pvgrub-stage" "$WORK/img" >>"$LOG" 2>&1 || die "debugfs rm /xtest-pvgrub-stage failed"
e2fsck -fp "$WORK/img" >>"$LOG" 2>&1 || [ $? -le 1 ] || die "e2fsck of the image failed"
chmod 444 "$WORK/img"
mv "$WORK/img" "$IMG"
for f in "$CACHE"/pvgrub-*.img; do [ "$f" = "$IMG" ] || rm -f "$f"; done
ln -sfn "$IMG" "$OUT/debian-i386-pvgrub.img"
echo "pvgrub-image: done in $(( $(date +%s) - T0 ))s: $OUT/debian-i386-pvgrub.img -> $IMG"
echo "$OUT/debian-i386-pvgrub.img"
