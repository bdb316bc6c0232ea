#!/bin/bash
# Usage: scripts/rig/boot-native.sh KERNEL
#   Boots an i386 kernel (bzImage) natively in qemu-system-i386 (TCG, serial console ttyS0)
#   with the rig's test initramfs ($RIG/out/guest.cpio.gz: /init = testinit) and ends with
#   "VERDICT: PASS|FAIL native (log: PATH)".
#   Env:  SMP (2)  MEM (MiB, 1024)  TIMEOUT (seconds, 120)  XTEST (checks, default basic)
#         QCPU (a model of lib.sh's qcpu(), amd, intel or max, or a -cpu spec; default amd, as
#         under Xen: a CPU with NX, as every PAE host has; QCPU= for QEMU's own qemu32, which
#         has none, so NX and the W+X check are not exercised)  APPEND (extra command line)
#         KEXPECT (a line the kernel itself must print, e.g. a boot-time self-test's summary)
#   Exit: 0 PASS, 1 FAIL, 64 bad usage / rig not set up.
#   Log:  $RIG/logs/boot-native-<time>/serial.log (host timestamps), also boot-native-latest.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ $# = 1 ] || usage_error "usage: boot-native.sh KERNEL (an i386 bzImage)"
KERNEL=$1
SMP=${SMP:-2}
MEM=${MEM:-1024}
TIMEOUT=${TIMEOUT:-120}
XTEST=${XTEST:-basic}
QCPU=${QCPU-$QCPU_DEFAULT}
[ -f "$KERNEL" ] || usage_error "KERNEL $KERNEL does not exist"
[ "$(dd if="$KERNEL" bs=1 skip=514 count=4 2>/dev/null)" = HdrS ] ||
	usage_error "$KERNEL is not a bzImage (no HdrS boot header)"
[[ $SMP =~ ^[0-9]+$ && $MEM =~ ^[0-9]+$ && $TIMEOUT =~ ^[0-9]+$ ]] ||
	usage_error "SMP, MEM and TIMEOUT must be numbers"
need_rig "$OUT/guest.cpio.gz"

new_logdir boot-native
SERIAL=$LOGDIR/serial.log
echo "boot-native: $KERNEL (cpu ${QCPU:-qemu32}, ${MEM} MiB, $SMP CPUs), xtest=$XTEST; log in $SERIAL"
T0=$(date +%s)

rc=0
run_qemu "$SERIAL" "$TIMEOUT" '^TESTINIT: [0-9]+ passed, [0-9]+ failed' \
	qemu-system-i386 -machine pc -accel tcg ${QCPU:+-cpu "$(qcpu "$QCPU")"} -smp "$SMP" -m "$MEM" \
	-display none -monitor none -serial stdio -nic none -no-reboot \
	-kernel "$KERNEL" -initrd "$OUT/guest.cpio.gz" \
	-append "console=ttyS0 panic=-1 xtest=$XTEST ${APPEND:-}" || rc=$?
echo "boot-native: QEMU ran $(( $(date +%s) - T0 ))s"

qemu_outcome "$rc" "$SERIAL" 'Kernel panic' "testinit's summary"
if [ -n "${KEXPECT:-}" ] && ! grep -qF -- "$KEXPECT" "$SERIAL"; then
	# Show what the kernel printed with the same prefix, if anything.
	seen=$(grep -F -- "${KEXPECT%%:*}" "$SERIAL" | tail -n 3 | sed 's/^ *[0-9.]* //' | paste -sd';' -)
	REASON="${REASON:+$REASON; }the kernel did not print \"$KEXPECT\"${seen:+ (it printed: $seen)}"
fi
mapfile -t EXPECT < <(expected_checks native "$XTEST")
verdict native "$SERIAL" "${EXPECT[@]}" && exit $EX_PASS
# (a QEMU that stopped early has shown its tail already)
[ "$rc" != 0 ] || show_tail "$SERIAL"
exit $EX_FAIL
