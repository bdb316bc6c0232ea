#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# scripts/check.sh: 'make check', the routine tests, as CI runs them.
#
# Each phase prints PASS or FAIL with its time; a failing phase prints the end of
# its log. The last line is "N passed, N failed" (", N skipped" when a phase
# cannot run yet, with the reason). Logs: build/logs/check-<phase>.log.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/check-lib.sh"

S=$REPO/scripts
check_begin check

phase deps "$S/deps.sh" tree build deb export check docs rig
phase tooling "$S/tests/tooling.sh"
phase series-applies "$S/tree.sh"
phase export "$S/export.sh"
phase roundtrip "$S/roundtrip.sh"
phase checkpatch "$S/checkpatch.sh"
# The fixes for bugs mainline has on its own, exported alone (make export-fixes).
phase export-fixes "$S/export.sh" fixes
phase roundtrip-fixes "$S/roundtrip.sh" fixes
phase checkpatch-fixes "$S/checkpatch.sh" fixes
phase htmldocs "$S/htmldocs.sh"
# The 32-bit Xen structures of the tree's headers, field by field, against
# Xen's own public headers (libxen-dev); and proof that a difference is caught.
phase abi-xen32 "$S/abi/xen-abi32.sh"
phase abi-xen32-selftest "$S/abi/xen-abi32.sh" --self-test
phase build-i386-xen "$S/build-kernel.sh" xen
phase build-i386-native "$S/build-kernel.sh" native
phase build-x86_64 "$S/build-kernel.sh" x86_64
if grep -qx 'CONFIG_XEN_PV=y' "$REPO/Kconfig.xen"; then
	phase build-i386-xen-preempt "$S/build-kernel.sh" xen-preempt
fi
phase rig-setup "$S/rig/setup.sh"

KX=$BUILD/kernel-xen KN=$BUILD/kernel-native K64=$BUILD/kernel64
# The native baseline and the Xen-config i386 kernel both boot on bare (emulated) x86;
# the hostile user process's tries end as the hardware ends them (the reference for Xen).
phase boot-native-baseline env XTEST=basic,hostile "$S/rig/boot-native.sh" "$KN/arch/x86/boot/bzImage"
# The PARAVIRT_XXL kernel must also have patched its pvop call sites into the
# native instructions (its self-test checks the bytes, and a control), with
# and without HIGHMEM in use.
phase boot-native-xen-kernel env XTEST=basic,hostile KEXPECT="$PV_KUNIT_PASS" \
	"$S/rig/boot-native.sh" "$KX/arch/x86/boot/bzImage"
phase boot-native-xen-kernel-3g env MEM=3072 KEXPECT="$PV_KUNIT_PASS" \
	"$S/rig/boot-native.sh" "$KX/arch/x86/boot/bzImage"
# The tree's x86 selftests (32-bit) give the same results with and without
# PARAVIRT_XXL.
phase selftests-native "$S/rig/selftests-native.sh" \
	"$KX/arch/x86/boot/bzImage" "$KN/arch/x86/boot/bzImage"
# The rig itself: mainline's 64-bit PV guest (Debian's, and ours) and a ready 32-bit one.
phase boot-xen-pv64-reference "$S/rig/boot-xen.sh" pv64
phase boot-xen-pv32grub "$S/rig/boot-xen.sh" pv32grub
phase boot-xen-kernel64 "$S/rig/boot-xen.sh" kernel64 "$K64/vmlinux"
# Bad input gets a clear answer, not a hang.
phase rig-refuses-non-pv-kernel expect_fail 2 "without Xen PV support" \
	"$S/rig/boot-xen.sh" i386 "$KN/vmlinux"
phase rig-reports-no-pv32 expect_fail 1 "x86_32p" \
	env XEN=debian "$S/rig/boot-xen.sh" pv32grub
# The i386 PV guest, once Kconfig.xen asks for XEN_PV: 2 vCPUs, 512 MiB, the
# full set of checks (disk, network with TCP, SMP, clock, fork/exec storm, many
# LDT entries, the Meltdown report, xl shutdown; a hostile user process, as
# native); and the same at 2 GiB with 4 vCPUs, where HIGHMEM is in use (the LDT
# and the balloon take highmem pages there). The rig's CPU is an AMD server
# without the hypervisor bit (as Xen sees bare metal); the Intel model checks
# what the guest says about Meltdown. 'make check-matrix' has every size, vCPU
# count and CPU.
if grep -qx 'CONFIG_XEN_PV=y' "$REPO/Kconfig.xen"; then
	phase boot-xen-i386 env XTEST=full,hostile "$S/rig/boot-xen.sh" i386 "$KX/vmlinux"
	phase boot-xen-i386-2g env MEM=2048 VCPUS=4 XTEST=full,hostile "$S/rig/boot-xen.sh" i386 "$KX/vmlinux"
	phase boot-xen-i386-intel env QCPU=intel MEM=2048 MELTDOWN=vulnerable XTEST=basic,ldt,meltdown \
		"$S/rig/boot-xen.sh" i386 "$KX/vmlinux"
	# The same kernel inside Xen's PV shim on Debian's stock Xen 4.17, what a stock host runs
	# (xl type "pvh", pvshim 1): every check of boot-xen-i386 but hostile, with dom0's shim
	# watcher (scripts/rig/README, "The stock host"). make check-long has its lifecycle, 2 GiB,
	# pvgrub2 and Xen 4.20 runs.
	phase boot-xen-i386shim "$S/rig/boot-xen.sh" i386shim "$KX/vmlinux"
	# The tree's x86 selftests (32-bit) in the PV guest give the results they give natively
	# on the same kernel (a difference needs its written reason in selftests-native.sh).
	phase selftests-xen "$S/rig/selftests-xen.sh" "$KX/arch/x86/boot/bzImage"
	phase selftests-xen-2g env MEM=2048 "$S/rig/selftests-xen.sh" "$KX/arch/x86/boot/bzImage"
	# and on the Intel model, where user space enters by SYSENTER (AMD's: SYSCALL)
	phase selftests-xen-intel env XEN_QCPU=intel "$S/rig/selftests-xen.sh" "$KX/arch/x86/boot/bzImage"
	# The balloon at 2 GiB: down to half (highmem pages go first) with an OOM kill, and up;
	# then to a maxmem of 8 GiB (pfns above 4 GiB, whose p2m the guest set up at boot) and back.
	phase lifecycle-i386-2g-balloon env MEM=2048 MAXMEM=8192 LC_ITEMS=balloon "$S/rig/lifecycle.sh" i386 "$KX/vmlinux"
	# Debian bookworm i386 (debootstrap, cached in ~/.cache/xen-i386/rootfs) from
	# xvda, no initramfs: root=, init= and rw reach the kernel, its userspace runs.
	# The same guest built with CONFIG_PREEMPT (Kconfig.xen has PREEMPT_VOLUNTARY) and
	# CONFIG_HIGHPTE, at 1.5 GiB so that there is highmem its page tables must stay out of.
	phase boot-xen-i386-preempt env MEM=1536 XTEST=basic,net,tcp,blk,smp,storm \
		"$S/rig/boot-xen.sh" i386 "$BUILD/kernel-xen-preempt/vmlinux"
	phase rootfs-i386 "$S/rig/mk-debian-i386-rootfs.sh"
	phase boot-xen-i386rootfs "$S/rig/boot-xen.sh" i386rootfs "$KX/vmlinux"
	# What a user runs: the kernel as a Debian package (make deb: bindeb-pkg of Kconfig.xen
	# + deb.config, cached by its sources), installed in that root file system by dpkg, its
	# initramfs by initramfs-tools and /boot/grub/grub.cfg by update-grub (cached), booted by
	# Debian's pvgrub2 (grub-i386-xen.bin) from the guest's /boot, rebooted, shut down; and
	# the same package and initramfs booted natively.
	phase deb "$S/deb.sh"
	phase pvgrub-image "$S/rig/mk-pvgrub-image.sh"
	phase boot-xen-i386pvgrub "$S/rig/boot-xen.sh" i386pvgrub
	phase boot-native-deb "$S/rig/boot-native-deb.sh"
else
	skipped boot-xen-i386 "Kconfig.xen does not ask for CONFIG_XEN_PV yet (the series does not provide it on i386)"
fi

check_end
