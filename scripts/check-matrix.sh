#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# scripts/check-matrix.sh: 'make check-matrix' (and a phase of 'make check-long'), the i386 PV
# guest on the sizes, vCPU counts and CPUs users have (issue 21), so that a path that breaks
# only at one size or on one CPU cannot hide:
#
#   boot-<MEM>m-<N>v-<CPU>  the full guest checks with the hostile user process (XTEST=full,
#                           hostile: disk, network, SMP, clock, storm, LDT, Meltdown report,
#                           xl shutdown), for each guest size, vCPU count and CPU model
#   selftests-<MEM>m        the tree's x86 selftests in the PV guest against native
#   lifecycle-<MEM>m        the whole lifecycle run (save/restore and migration with work in
#                           flight, balloon down to an OOM kill and up, from 2 GiB also up to a
#                           maxmem of 8 GiB, vCPU hotplug, block and network detach/attach,
#                           reboot, shutdown, destroy); 2 vCPUs
#
# Env: MATRIX_MEM (guest MiB, "512 2048 3584"), MATRIX_VCPUS ("2 4"), MATRIX_CPU (lib.sh qcpu()
# models, "amd intel max"), MATRIX_PARTS ("boot selftests lifecycle"), KERNEL (build/kernel-xen).
# A CPU model without the hypervisor bit must also say what Meltdown is on it (MELTDOWN).
# Ends with a table (size x vCPUs x CPU: PASS/FAIL and seconds) and "N passed, N failed";
# results in build/check-matrix-results.txt. The whole matrix takes 3 hours or more under TCG
# (estimated from its parts: a boot 4-8 min, the lifecycle run 25-30 min at 2 GiB).
set -uo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/check-lib.sh"
. "$(dirname "$0")/rig/lib.sh"	# the CPU models: QCPU_MODELS, QCPU_DEFAULT

R=$REPO/scripts/rig
KX=${KERNEL:-$BUILD/kernel-xen}
MEMS=${MATRIX_MEM:-512 2048 3584}
NVCPUS=${MATRIX_VCPUS:-2 4}
CPUS=${MATRIX_CPU:-$QCPU_MODELS}
PARTS=${MATRIX_PARTS:-boot selftests lifecycle}
for m in $MEMS $NVCPUS; do
	[[ $m =~ ^[1-9][0-9]*$ ]] || { echo "check-matrix.sh: MATRIX_MEM and MATRIX_VCPUS are numbers, not '$m'" >&2; exit 64; }
done
for c in $CPUS; do
	[[ " $QCPU_MODELS " == *" $c "* ]] || { echo "check-matrix.sh: MATRIX_CPU names models of: $QCPU_MODELS, not '$c'" >&2; exit 64; }
done
for p in $PARTS; do
	case $p in boot | selftests | lifecycle) ;; *) echo "check-matrix.sh: MATRIX_PARTS names boot, selftests or lifecycle, not '$p'" >&2; exit 64 ;; esac
done
[ -f "$KX/vmlinux" ] || { echo "check-matrix.sh: no $KX/vmlinux (make kernel)" >&2; exit 64; }

# what /sys/devices/system/cpu/vulnerabilities/meltdown must say on each model: Intel family 6
# model 85 without RDCL_NO is affected; AMD is not (either family)
meltdown() {
	case $1 in intel) echo vulnerable ;; *) echo not-affected ;; esac
}

has() { [[ " $PARTS " == *" $1 "* ]]; }

check_begin check-matrix
setup rig-setup "$R/setup.sh"
# (no phase here boots Xen 4.20, but the records' key covers it: the same key as check-long's)
setup rig-xen420 "$R/setup-xen420.sh"
check_records "$REPO/scripts/check-long.record"
for mem in $MEMS; do
	if has boot; then
		for cpu in $CPUS; do
			for v in $NVCPUS; do
				phase "boot-${mem}m-${v}v-$cpu" env MEM="$mem" VCPUS="$v" QCPU="$cpu" \
					MELTDOWN="$(meltdown "$cpu")" XTEST=full,hostile "$R/boot-xen.sh" i386 "$KX/vmlinux"
			done
		done
	fi
	if has selftests; then
		phase "selftests-${mem}m" env MEM="$mem" "$R/selftests-xen.sh" "$KX/arch/x86/boot/bzImage"
	fi
	if has lifecycle; then
		# from 2 GiB, the balloon also grows the guest to a maxmem of 8 GiB (a 32-bit guest
		# reaches memory + 10 x lowmem, so 512 MiB cannot)
		maxmem=
		[ "$mem" -lt 2048 ] || [ "$mem" -ge 8192 ] || maxmem=8192
		phase "lifecycle-${mem}m" env MEM="$mem" MAXMEM="$maxmem" "$R/lifecycle.sh" i386 "$KX/vmlinux"
	fi
done
echo "[check-matrix] the table (guest MiB, what, vCPUs, CPU model: result, seconds):"
while read -r res name secs rec; do
	case $name in
	boot-*) IFS=- read -r _ mem v cpu <<<"$name"; what="boot ${v%v} vCPUs $cpu" ;;
	selftests-* | lifecycle-*) IFS=- read -r what mem <<<"$name"; what="$what 2 vCPUs $QCPU_DEFAULT" ;;
	*) continue ;;
	esac
	printf '  %5s MiB  %-26s %s %6s %s\n' "${mem%m}" "$what" "$res" "$secs" "$rec"
done <"$RESULTS.new"
check_end
