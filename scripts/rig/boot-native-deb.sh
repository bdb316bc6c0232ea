#!/bin/bash
# Usage: scripts/rig/boot-native-deb.sh [IMAGE]
#   The kernel package of make deb, as installed in the pvgrub guest's image (mk-pvgrub-image.sh;
#   default $RIG/out/debian-i386-pvgrub.img), booted natively in qemu-system-i386: one kernel
#   for native and Xen. QEMU loads the image's /boot/vmlinuz-<release> and the initramfs that
#   initramfs-tools made, /boot/initrd.img-<release>, with the command line of grub.cfg's first
#   entry (root=UUID=...), the console on ttyS0 and xtest=pvgrub-native; the disk is virtio
#   (snapshot=on: the image does not change). xtest-rootfs checks the package, the initramfs
#   (root found by UUID), the modules (virtio_blk, ext4) and its usual rootfs checks, and
#   powers off. Ends with "VERDICT: PASS|FAIL native-deb ... (log: PATH)".
#   Env: SMP (2)  MEM (MiB, 1024)  TIMEOUT (s, 600)  QCPU (as boot-native.sh: default amd)
#   Exit: 0 PASS, 1 FAIL, 64 bad usage / rig not set up.
#   Log:  $RIG/logs/boot-native-deb-<time>/serial.log, also boot-native-deb-latest.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ $# -le 1 ] || usage_error "usage: boot-native-deb.sh [IMAGE]"
IMG=${1:-$OUT/debian-i386-pvgrub.img}
SMP=${SMP:-2}
MEM=${MEM:-1024}
TIMEOUT=${TIMEOUT:-600}
QCPU=${QCPU-$QCPU_DEFAULT}
[[ $SMP =~ ^[0-9]+$ && $MEM =~ ^[0-9]+$ && $TIMEOUT =~ ^[0-9]+$ ]] ||
	usage_error "SMP, MEM and TIMEOUT must be numbers"
[ -e "$IMG" ] || usage_error "$IMG is missing: run scripts/rig/mk-pvgrub-image.sh (make pvgrub-image)"
IMG=$(readlink -f "$IMG")

new_logdir boot-native-deb
SERIAL=$LOGDIR/serial.log
# the entry update-grub wrote: its kernel, initrd and command line
cfg=$(debugfs -R "cat /boot/grub/grub.cfg" "$IMG" 2>/dev/null) || true
vmlinuz=$(awk '$1 == "linux" { print $2; exit }' <<<"$cfg")
initrd=$(awk '$1 == "initrd" { print $2; exit }' <<<"$cfg")
args=$(awk '$1 == "linux" { $1 = ""; $2 = ""; sub(/^ +/, ""); print; exit }' <<<"$cfg")
[ -n "$vmlinuz" ] && [ -n "$initrd" ] || usage_error "$IMG has no linux/initrd entry in /boot/grub/grub.cfg"
for f in "$vmlinuz" "$initrd"; do
	debugfs -R "dump $f $LOGDIR/$(basename "$f")" "$IMG" >/dev/null 2>&1 || true
	[ -s "$LOGDIR/$(basename "$f")" ] || usage_error "cannot read $f from $IMG"
done
args=$(sed -e 's/console=hvc0/console=ttyS0/' -e 's/xtest=pvgrub\b/xtest=pvgrub-native/' <<<"$args")
echo "boot-native-deb: $vmlinuz and $initrd from $IMG natively (cpu ${QCPU:-qemu32}, ${MEM} MiB, $SMP CPUs): $args; log in $SERIAL"
T0=$(date +%s)
rc=0
run_qemu "$SERIAL" "$TIMEOUT" '^XTEST-ROOTFS: [0-9]+ passed, [0-9]+ failed' \
	qemu-system-i386 -machine pc -accel tcg ${QCPU:+-cpu "$(qcpu "$QCPU")"} -smp "$SMP" -m "$MEM" \
	-display none -monitor none -serial stdio -nic none -no-reboot \
	-drive "file=${IMG//,/,,},format=raw,if=virtio,snapshot=on" \
	-kernel "$LOGDIR/$(basename "$vmlinuz")" -initrd "$LOGDIR/$(basename "$initrd")" \
	-append "$args panic=-1" || rc=$?
rm -f "$LOGDIR/$(basename "$vmlinuz")" "$LOGDIR/$(basename "$initrd")"
echo "boot-native-deb: QEMU ran $(( $(date +%s) - T0 ))s"

qemu_outcome "$rc" "$SERIAL" 'Kernel panic' "xtest-rootfs's summary"
verdict native-deb "$SERIAL" rootfs-init rootfs-userspace rootfs-write pvgrub-kernel \
	pvgrub-initramfs pvgrub-modules && exit $EX_PASS
[ "$rc" != 0 ] || show_tail "$SERIAL"
exit $EX_FAIL
