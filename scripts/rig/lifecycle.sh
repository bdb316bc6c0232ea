#!/bin/bash
# Usage: scripts/rig/lifecycle.sh [GUEST [KERNEL]]   (make check-lifecycle)
#   The lifecycle run: one boot-xen.sh run (XTEST=lifecycle) in which dom0's toolstack operates
#   the PV guest as one operates a 64-bit one, while the guest checks the outcome itself and
#   dom0 checks its side (testinit's lifecycle mode, dom0-lifecycle):
#     sysrq        xl sysrq GUEST m: the kernel's sysrq output in the guest's kernel log
#     save         xl save + xl restore with work in flight (a process holding 64 MiB of a
#                  pattern, data on xvda, a TCP echo stream to dom0, a CLOCK_MONOTONIC sampler):
#                  all intact after, the stream carries on, timers fire
#     migrate      xl migrate to localhost, the same checks
#     balloon      xl mem-set to half and back: the guest's balloon and MemTotal/MemFree follow,
#                  at half a memory hog is OOM-killed and the rest lives on, memory usable after
#     vcpu         xl vcpu-set 1 and 2 with work running; the guest onlines cpu1 as udev would
#     spinlock     pipe contention on both vCPUs, which dom0 pins on one physical CPU so that
#                  lock holders get preempted; PV spinlocks in use; with LOCK_EVENT_COUNTS
#                  (make kernel-xen-debug) pv_wait/pv_kick must have been used
#     blk          xl block-detach of xvdb under a writing process (it must get an error, the guest
#                  runs on), xl block-attach: the data written before the detach reads back equal;
#                  then detach and attach of the idle xvdb; the save item's work in flight
#                  throughout (memory, an echo stream, clocks, a file on xvda: all intact)
#     net          xl network-detach (eth0 goes, a connect() fails at once), xl network-attach:
#                  eth0 back, configured as at boot, the control connection and a new one work;
#                  the same work in flight: its echo stream to dom0 survives the detach/attach
#     reboot       xl reboot (on_reboot=restart): the second boot sees the first's marker
#     shutdown     xl shutdown: /sbin/poweroff, reason code 0
#     destroy      a third boot, xl destroy: gone from xl list and xenstore
#   GUEST: i386 (default; KERNEL default build/kernel-xen/vmlinux), i386shim (the same kernel
#   inside the PV shim on the stock hypervisor, boot-xen.sh's i386shim), kernel64 (KERNEL default
#   build/kernel64/vmlinux) or pv64 (Debian's amd64 kernel, the 64-bit PV reference). Env: MEM (256), MAXMEM (the
#   guest's maxmem: the balloon item also grows it there and back), VCPUS (2), TIMEOUT (QEMU run, 1500 s + 600 s per GiB of MEM, + 120 s per GiB of MAXMEM), XFAULT
#   (testinit's and dom0-lifecycle's fault injection, see scripts/rig/README), ROUNDS (1: run
#   the save and migrate items that many times in the one boot, a soak of the suspend path; a
#   FAIL in any round fails the item; TIMEOUT grows by 60 s per extra round), LC_ITEMS (the
#   items to run, e.g. balloon,vcpu; default all; reboot, shutdown and destroy always run).
#   Ends with "ITEM ..." lines, the boot-xen VERDICT and "N passed, N failed"; exit 0 when all
#   passed, 1 otherwise, 64 on bad usage.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

GUEST=${1:-i386}
case $GUEST in
i386 | i386shim) KERNEL=${2:-$REPO/build/kernel-xen/vmlinux} ;;	# i386shim: inside the PV shim
kernel64) KERNEL=${2:-$REPO/build/kernel64/vmlinux} ;;
pv64) KERNEL= ;;	# Debian's amd64 kernel: the 64-bit PV reference
*) usage_error "GUEST must be i386, i386shim, kernel64 or pv64, not '$GUEST'" ;;
esac
[ -z "$KERNEL" ] || [ -f "$KERNEL" ] || usage_error "KERNEL $KERNEL does not exist (make kernel / make kernel64)"
ROUNDS=${ROUNDS:-1}
[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] && [ "$ROUNDS" -le 50 ] || usage_error "ROUNDS must be a number from 1 to 50"
# a bigger guest takes longer to save, migrate and balloon: 465 s for a local migration of
# 2 GiB on a busy host, against 1500 s for the whole run at 256 MiB
# Debian's amd64 kernel and its initramfs do not fit in 256 MiB less what the PV shim keeps for
# itself there (the shim panics: "Not enough RAM for domain 0 allocation")
if [ "$GUEST" = pv64 ] && [ "${PVSHIM:-0}" = 1 ]; then
	[ -z "${MEM:-}" ] || [ "$MEM" -ge 512 ] ||
		usage_error "pv64 inside the PV shim needs MEM=512 or more (not $MEM): Debian's kernel and initramfs do not fit in less beside the shim"
	MEM=${MEM:-512}
fi
MEM=${MEM:-256}
MAXMEM=${MAXMEM:-}
export MEM MAXMEM VCPUS=${VCPUS:-2} TIMEOUT=${TIMEOUT:-$((1500 + 60 * (ROUNDS - 1) + MEM * 600 / 1024 + ${MAXMEM:-0} * 120 / 1024))} XTEST=lifecycle ROUNDS LC_ITEMS=${LC_ITEMS:-}
# Inside the shim `xl trigger nmi` reaches the shim, not its guest: the shim takes the NMI as
# its own ("(XEN) NMI - PCI system error (SERR)" in its log, 3 of 3) and forwards nothing, so
# the nmi item is left out unless LC_ITEMS names it
if [ -z "$LC_ITEMS" ] && { [ "$GUEST" = i386shim ] || [ "${PVSHIM:-0}" = 1 ]; }; then
	LC_ITEMS=$(printf '%s\n' $LIFECYCLE_ITEMS | grep -vx nmi | paste -sd, -)
	echo "lifecycle: inside the PV shim the nmi item is left out (the shim takes the NMI itself)"
fi
lifecycle_items_ok "$LC_ITEMS" || usage_error "LC_ITEMS must name items of: ${LIFECYCLE_ITEMS// /, } (not '$LC_ITEMS')"
[ "$VCPUS" = 2 ] || usage_error "the lifecycle run needs VCPUS=2 (vcpu-set 1 and back, spinlocks on 2 vCPUs)"
T0=$(date +%s)
echo "lifecycle: $GUEST (${KERNEL:-the Debian amd64 kernel}), MEM=$MEM${MAXMEM:+, MAXMEM=$MAXMEM}, TIMEOUT=$TIMEOUT${XFAULT:+, XFAULT=$XFAULT}, ROUNDS=$ROUNDS${LC_ITEMS:+, LC_ITEMS=$LC_ITEMS}; progress as it comes:"
# progress: the run's own lines (dom0's actions, the guest's PASS/FAIL) as boot-xen.sh logs them
OUTF=$(mktemp)
"$RIG_SCRIPTS/boot-xen.sh" "$GUEST" ${KERNEL:+"$KERNEL"} > "$OUTF" 2>&1 &
BPID=$!
LOG=
while kill -0 $BPID 2>/dev/null; do
	sleep 5
	[ -n "$LOG" ] || LOG=$(sed -n 's/^boot-xen: .*log in \(.*serial\.log\)$/\1/p' "$OUTF")
	[ -n "$LOG" ] && [ -f "$LOG" ] || continue
	n=$(wc -l < "$LOG")
	sed -n "$(( ${SEEN:-0} + 1 )),${n}p" "$LOG" |
		grep -E 'RIG: (lifecycle|PASS|FAIL|INFO|xl )|\[guest\] (PASS|FAIL|XTEST-LIFECYCLE|INFO (save|migrate|spinlock|balloon|xfault))' |
		sed 's/^/  /'
	SEEN=$n
done
wait $BPID
rc=$?
cat "$OUTF"
rm -f "$OUTF"
[ -n "$LOG" ] || LOG=$(readlink -f "$RIG/logs/boot-xen-$GUEST-latest")/serial.log
[ -f "$LOG" ] || { echo "lifecycle: no serial log"; echo "0 passed, 1 failed"; exit 1; }

# per item: its checks, PASS or FAIL (a missing check is a FAIL), and how long the item took
lines=$(check_lines "$LOG")
pass=0
fail=0
item() {  # item NAME GUEST-ITEM DOM0-ACTIONS CHECKS...
	local name=$1 gi=$2 acts=$3 c st=PASS what="" secs="" ms a e
	shift 3
	if [ -n "${LC_ITEMS:-}" ] && [ "$gi" != - ] && [[ ",$LC_ITEMS," != *",$gi,"* ]]; then
		echo "ITEM $name: not run (LC_ITEMS=$LC_ITEMS)"
		return
	fi
	for c in "$@"; do
		if grep -qE "^FAIL $c(:|\$)" <<<"$lines"; then
			what="$what FAIL:$c"; st=FAIL; fail=$((fail + 1))
		elif grep -qE "^PASS $c(:|\$)" <<<"$lines"; then
			what="$what $c"; pass=$((pass + 1))
		else
			what="$what MISSING:$c"; st=FAIL; fail=$((fail + 1))
		fi
	done
	ms=$(sed -n "s/^TESTINIT: $gi took \([0-9]*\) ms.*/\1/p" <<<"$lines" | tail -n 1)
	[ -z "$ms" ] || secs="guest $((ms / 1000)) s"
	for a in $acts; do
		e=$(sed -n "s/^lifecycle: $a handled in \([0-9]*\) s.*/\1/p" <<<"$lines" | head -n 1)
		[ -z "$e" ] || secs="$secs${secs:+, }xl $a $e s"
	done
	echo "ITEM $name: $st ($what ) ${secs:+[$secs]}"
}
echo "--- lifecycle items ($GUEST):"
item sysrq sysrq sysrq xl-sysrq
item nmi nmi nmi xl-nmi
item save-restore save save-restore save-dom0 save-clock save-timer save-tcp save-mem save-file
item migrate migrate migrate migrate-dom0 migrate-clock migrate-timer migrate-tcp migrate-mem migrate-file
if [ -n "$MAXMEM" ]; then
	item balloon balloon "balloon-down balloon-up balloon-max balloon-back" balloon-dom0 balloon-down balloon-oom balloon-up $LIFECYCLE_MAXMEM_CHECKS
else
	item balloon balloon "balloon-down balloon-up" balloon-dom0 balloon-down balloon-oom balloon-up
fi
item vcpu-hotplug vcpu "vcpu-down vcpu-up" vcpu-down vcpu-up vcpu-clock vcpu-dom0
item spinlock spinlock "spin-pin spin-unpin" spinlock
item blk-detach blk "blk-detach blk-attach" blk-dom0 blk-detach blk-attach blk-idle blk-clock blk-timer blk-tcp blk-mem blk-file
item net-detach net net-cycle net-dom0 net-detach net-attach vif-clock vif-timer vif-tcp vif-mem vif-file
item reboot - reboot xl-reboot-dom0 xl-reboot
item shutdown - "" xl-shutdown xl-shutdown-dom0
item destroy - destroy xl-destroy-dom0
# FAIL lines of other names (init, lifecycle, guest-crashed, ...) count too
other=$(grep -E '^FAIL ' <<<"$lines" | awk '{ print $2 }' | sed 's/:$//' |
	grep -vxE "$(echo $LIFECYCLE_CHECKS $LIFECYCLE_MAXMEM_CHECKS | tr ' ' '|')" | sort -u)
for c in $other; do
	echo "ITEM other: FAIL $c: $(grep -m1 -E "^FAIL $c" <<<"$lines" | cut -c1-300)"
	fail=$((fail + 1))
done
# a WARN/BUG/oops/lockdep report in the guest kernel's log is a failure (as in boot-xen.sh's verdict)
splats=$(SPLAT_PREFIX='[guest] ' kernel_splats "$LOG" | cut -c1-200)
if [ -n "$splats" ]; then
	echo "ITEM other: FAIL kernel-splat: the guest kernel reported: $(head -n 1 <<<"$splats")"
	fail=$((fail + 1))
fi
grep -E '^INFO spinlock' <<<"$lines" | sed 's/^/  /'
echo "lifecycle: $GUEST run took $(( $(date +%s) - T0 )) s (boot-xen.sh exit $rc)"
echo "$pass passed, $fail failed"
[ $fail = 0 ] && [ $rc = 0 ]
