#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# scripts/check-long.sh: 'make check-long', the hardening run (issue 8) that 'make check' has
# only a quick part of: 21 minutes of TCG on 2 cores with the kernels built (1277 s,
# 2026-11-27) before the matrix (issue 21) came in, which adds 3 hours or more; plus the debug
# kernel's build when it is cold.
#
#   selftests-xen          the tree's x86 selftests (32-bit) in the PV guest against native
#   boot-xen-i386-hostile  the full set of guest checks with the hostile user process
#   boot-xen-i386-debug    the same on the debug kernel (make kernel-xen-debug: lockdep,
#                          DEBUG_VM, DEBUG_PAGEALLOC, DEBUG_LIST, KFENCE, DEBUG_ATOMIC_SLEEP),
#                          and the direct return's critical region aimed at (iret-window)
#   iret-window-2g-intel   that check again at 2 GiB with 4 vCPUs on the intel model
#   lifecycle-i386         the lifecycle run (save/restore, migrate, balloon with OOM, vCPU
#                          hotplug, block and network detach/attach under I/O, ...)
#   lifecycle-i386-debug   the same on the debug kernel
#   lifecycle-i386shim     the lifecycle run inside Xen's PV shim on Debian's stock Xen (make
#                          check boots the guest there: boot-xen-i386shim)
#   boot-xen-i386shim-2g   the shim guest's checks at 2 GiB with 4 vCPUs
#   boot-xen-i386pvgrub-shim  pvgrub2 inside the shim booting the packaged kernel from the
#                          guest's /boot (a provider's stock host)
#   boot-xen-i386shim-xen420      the shim guest's checks on Debian trixie's Xen 4.20 with its
#                          own toolstack and shim (make rig-xen420)
#   boot-xen-i386shim420-xen417   trixie's 4.20 shim on bookworm's Xen 4.17
#   lifecycle-faults       the lifecycle run with three faults injected: exactly their three
#                          checks fail (the checks can fail)
#   matrix                 make check-matrix: the guest at 512 MiB, 2 GiB and 3.5 GiB, with 2
#                          and 4 vCPUs, on the amd, intel and max CPU models, with the selftests
#                          and the whole lifecycle run at each size (3 hours or more)
#   stress-debug           Debian's stress-ng (cpu, vm, fork, mmap, pipe, timer) for STRESS
#                          seconds (600) of guest time on the debug kernel, 1 GiB (HIGHMEM in
#                          use), from the Debian i386 root file system; nothing at warning level
#                          or above in the kernel log
# Each phase prints PASS or FAIL with its time; the last line is "N passed, N failed".
# Logs: build/logs/check-long-<phase>.log; results: build/check-long-results.txt.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/check-lib.sh"

# STRESS is for the stress phase alone: boot-xen.sh refuses it for the other guests
stress=${STRESS:-600}
unset STRESS
if ! [[ $stress =~ ^[1-9][0-9]*$ ]]; then
	echo "check-long.sh: STRESS must be a number of seconds (1 or more), not '$stress'" >&2
	exit 64
fi
S=$REPO/scripts
R=$S/rig
KX=$BUILD/kernel-xen KD=$BUILD/kernel-xen-debug
FAULTS=lc-oom-spare,lc-blk-nowrite,lc-net-noconfig
FAULTED="balloon-oom blk-detach net-attach"

# fault_run: the lifecycle run with $FAULTS fails, and exactly the checks $FAULTED fail
fault_run() {
	local out rc=0 got
	out=$(XFAULT=$FAULTS "$R/lifecycle.sh" i386 "$KX/vmlinux" 2>&1) || rc=$?
	printf '%s\n' "$out"
	got=$(grep -E '^ITEM ' <<<"$out" | grep -oE 'FAIL:[a-z0-9-]+' | sed 's/^FAIL://' | sort | paste -sd' ' -)
	echo "failed checks: ${got:-none}; expected: $FAULTED; lifecycle.sh exit $rc"
	[ "$rc" = 1 ] && [ "$got" = "$(tr ' ' '\n' <<<"$FAULTED" | sort | paste -sd' ' -)" ]
}

check_begin check-long
setup deps "$S/deps.sh" tree build deb rig
setup series-applies "$S/tree.sh"
setup build-i386-xen "$S/build-kernel.sh" xen
setup build-i386-xen-debug "$S/build-kernel.sh" xen-debug
setup rig-setup "$R/setup.sh"
setup rig-xen420 "$R/setup-xen420.sh"
setup rootfs-i386 "$R/mk-debian-i386-rootfs.sh"
# the pvgrub guest's image (make deb, make pvgrub-image; both cached by content)
setup deb "$S/deb.sh"
setup pvgrub-image "$R/mk-pvgrub-image.sh"
check_records "$S/check-long.record"
phase selftests-xen "$R/selftests-xen.sh" "$KX/arch/x86/boot/bzImage"
phase boot-xen-i386-hostile env XTEST=full,hostile "$R/boot-xen.sh" i386 "$KX/vmlinux"
phase boot-xen-i386-debug env XTEST=full,hostile,iretwin "$R/boot-xen.sh" i386 "$KD/vmlinux"
phase iret-window-2g-intel env XTEST=iretwin MEM=2048 VCPUS=4 QCPU=intel \
	"$R/boot-xen.sh" i386 "$KD/vmlinux"
phase lifecycle-i386 "$R/lifecycle.sh" i386 "$KX/vmlinux"
phase lifecycle-i386-debug "$R/lifecycle.sh" i386 "$KD/vmlinux"
phase lifecycle-i386shim "$R/lifecycle.sh" i386shim "$KX/vmlinux"
phase boot-xen-i386shim-2g env MEM=2048 VCPUS=4 "$R/boot-xen.sh" i386shim "$KX/vmlinux"
phase boot-xen-i386pvgrub-shim env PVSHIM=1 "$R/boot-xen.sh" i386pvgrub
phase boot-xen-i386shim-xen420 env XEN=debian420 "$R/boot-xen.sh" i386shim "$KX/vmlinux"
phase boot-xen-i386shim420-xen417 env PVSHIM_PATH="${RIG:-$BUILD/rig}/out/xen-shim-4.20" \
	"$R/boot-xen.sh" i386shim "$KX/vmlinux"
phase lifecycle-faults fault_run
phase matrix "$S/check-matrix.sh"
phase stress-debug env STRESS="$stress" MEM=1024 "$R/boot-xen.sh" i386rootfs "$KD/vmlinux"
check_end
