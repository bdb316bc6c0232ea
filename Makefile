# SPDX-License-Identifier: GPL-2.0
# xen-i386: 32-bit (i386 PAE) Xen PV guests for Linux 6.12, as a quilt series.
# 'make help' lists the targets. Everything is built under build/.

SHELL := /bin/bash
S := scripts
B := build
# Guest for boot-xen: i386 (our i386 kernel), kernel64 (our x86_64 kernel),
# pv64 (Debian's amd64 kernel, the rig's reference), pv32grub (GRUB i386-xen);
# pv64rootfs, i386rootfs: the same kernels booting the Debian i386 root file
# system (make rootfs-i386) from xvda; i386pvgrub: Debian's pvgrub2 booting that
# system with our kernel package installed (make deb, make pvgrub-image).
GUEST ?= i386
KERNEL ?=

.PHONY: all help deps tree quilt-env export roundtrip export-fixes checkpatch kernel kernel-native kernel-native-xxl kernel-xen-preempt kernel-xen-debug \
	kernel64 kernels deb deb-distro pvgrub-image pvgrub-image-distro check-bisect check-distro distro-config rig boot-xen boot-native check check-tooling check-lifecycle check-stress check-long htmldocs \
	clean distclean

all:
	@$(S)/main.sh

help:
	@echo 'xen-i386 targets:'
	@echo '  make               the main job: tree, series, i386 domU kernel, rig, and'
	@echo '                     a boot of it under Xen in QEMU (says what is not there yet)'
	@echo '  make check         the routine tests; ends with "N passed, N failed"'
	@echo '  make check-lifecycle [LIFECYCLE_GUEST=i386|i386shim|kernel64|pv64]  the PV guest under xl sysrq, save/'
	@echo '                     restore, migrate, mem-set, vcpu-set, reboot, shutdown, destroy;'
	@echo '                     ROUNDS=N runs save and migrate N times (a soak of the suspend path)'
	@echo '  make check-stress [KERNEL=path] [STRESS=600]  stress-ng in the Debian i386 root file system'
	@echo '                     for STRESS s of guest time (default: the debug kernel, 1 GiB); a'
	@echo '                     kernel warning in the meantime fails it'
	@echo '  make check-long    the hardening run: selftests, hostile userspace, the debug kernel,'
	@echo '                     lifecycle with faults, detach/attach, OOM, stress (~21 min, kernels built)'
	@echo '  make check-matrix  the i386 guest at 512 MiB, 2 GiB, 3.5 GiB x 2, 4 vCPUs x the amd, intel,'
	@echo '                     max CPUs, selftests and lifecycle per size (3 h+; MATRIX_MEM, MATRIX_VCPUS,'
	@echo '                     MATRIX_CPU, MATRIX_PARTS narrow it)'
	@echo '  make htmldocs      make SPHINXDIRS=arch/x86/i386 htmldocs in the tree; any warning fails'
	@echo '  make deps          install every Debian package the project uses (root)'
	@echo '  make tree          unpack linux-source-6.12 under build/, apply series, link new files'
	@echo '  make quilt-env     print the line that points quilt at this repository'
	@echo '  make export        quilt tarball + git format-patch mbox in build/export/'
	@echo '  make roundtrip     the export applies (plain quilt, git am, b4 am) to a pristine tree'
	@echo '  make export-fixes  the fixes section alone (mainline bugs): quilt, mbox, cover letter,'
	@echo '                     each fix applied alone, round trip, checkpatch (build/export-fixes/)'
	@echo '  make checkpatch    checkpatch.pl --strict over every exported patch'
	@echo '  make kernel        i386 PAE Xen domU kernel (Kconfig.xen)   -> build/kernel-xen'
	@echo '  make kernel-native i386 without Xen and PARAVIRT_XXL          -> build/kernel-native'
	@echo '  make kernel-native-xxl  the same with PARAVIRT_XXL (for bench-native) -> build/kernel-native-xxl'
	@echo '  make kernel-xen-preempt the domU kernel with CONFIG_PREEMPT -> build/kernel-xen-preempt'
	@echo '  make kernel-xen-debug   the domU kernel with lockdep, DEBUG_VM, DEBUG_PAGEALLOC, KFENCE ... -> build/kernel-xen-debug'
	@echo '  make kernel64      x86_64 Xen PV guest                       -> build/kernel64'
	@echo '  make deb           the i386 kernel as a Debian package (bindeb-pkg), release 6.12.N-xen-i386,'
	@echo '                     from Kconfig.xen + scripts/configs/deb.config -> build/deb/ (cached)'
	@echo '  make pvgrub-image  the Debian i386 root file system with that package installed by dpkg,'
	@echo '                     initramfs-tools and update-grub, for GUEST=i386pvgrub (cached)'
	@echo '  make check-bisect  build after every patch (i386 Xen, i386 native, x86_64),'
	@echo '                     sparse/W=1 per patch; records in scripts/check-bisect.record;'
	@echo '                     BISECT_ARGS="--resume --budget SECONDS" or --status'
	@echo '  make distro-config Debian 12'"'"'s i386 686-pae kernel configuration -> build/configs/'
	@echo '  make check-distro  that configuration built whole with the series and XEN_PV (pristine'
	@echo '                     where xen warns): no new error or warning; hours, in recorded pieces'
	@echo '                     (scripts/check-distro.record); DISTRO_ARGS="--budget SECONDS" or --status'
	@echo '  make deb-distro    that kernel as a package (bindeb-pkg, 6.12.N-xen-i386), where check-distro'
	@echo '                     built it: minutes after check-distro, hours without -> build/deb/linux-image-distro.deb'
	@echo '  make pvgrub-image-distro  the root file system with that package, for GUEST=i386pvgrub'
	@echo '  make rig           build the Xen-in-QEMU rig (Xen with PV32, dom0, initramfs)'
	@echo '  make rig-xen420    Debian trixie'"'"'s Xen 4.20 for the rig: XEN=debian420 boots it with'
	@echo '                     the 4.20 toolstack in dom0; build/rig/out/xen-shim-4.20 for PVSHIM_PATH'
	@echo '  make boot-xen GUEST=i386|i386shim|kernel64|pv64|pv32grub|pv64rootfs|i386rootfs|i386pvgrub [KERNEL=path]'
	@echo '                     boot Xen + dom0 in QEMU, xl create the guest, give a verdict; i386shim:'
	@echo '                     the i386 guest inside the PV shim on Debian'"'"'s stock Xen (PVSHIM=1 puts'
	@echo '                     another guest there, e.g. pv64)'
	@echo '  make rootfs-i386   Debian bookworm i386 (debootstrap minbase) as an ext4 image with a'
	@echo '                     test hook, for GUEST=pv64rootfs|i386rootfs (cached in ~/.cache/xen-i386)'
	@echo '  make boot-native [KERNEL=path]'
	@echo '                     boot an i386 kernel in qemu-system-i386 with the test init'
	@echo '  make bench-native  microbenchmarks: i386 with PARAVIRT_XXL against without, both'
	@echo '                     native in QEMU (instruction-counted); table + build/bench/native.json'
	@echo '  make bench         the benchmark suite on the i386 PV guest, the x86_64 PV guest'
	@echo '                     (same tree) and i386 with xen_nolazy in one Xen boot, with'
	@echo '                     hypercalls per op (xenperf), plus native i386 with and without'
	@echo '                     PARAVIRT_XXL; instruction-counted; tables, build/bench/bench.{json,png};'
	@echo '                     RECORD=1: the figures into scripts/bench.record for the cover letter'
	@echo '  make selftests-native  the x86 selftests (*_32) on kernel-xen (PARAVIRT_XXL) and'
	@echo '                     kernel-native in qemu-system-i386, compared test by test'
	@echo '  make selftests-xen  the same selftests on kernel-xen as a Xen PV guest against its'
	@echo '                     native boot; a difference needs a written reason'
	@echo '  make clean         remove kernel builds and logs (keeps tree, export, rig)'
	@echo '  make distclean     remove build/'

deps:
	@$(S)/deps.sh tree build deb export check docs rig

tree:
	@$(S)/tree.sh

quilt-env:
	@echo "export QUILTRC=$(CURDIR)/$(S)/quiltrc"

export: tree
	@$(S)/export.sh

roundtrip: export
	@$(S)/roundtrip.sh

# the fixes section alone (build/export-fixes/): quilt series, mbox, cover letter;
# each fix applies to the pristine tree on its own; then the same round trip and
# checkpatch as for the whole series
export-fixes: tree
	@$(S)/export.sh fixes
	@$(S)/roundtrip.sh fixes
	@$(S)/checkpatch.sh fixes

checkpatch: export
	@$(S)/checkpatch.sh

kernel: tree
	@$(S)/build-kernel.sh xen

kernel-native: tree
	@$(S)/build-kernel.sh native

kernel-native-xxl: tree
	@$(S)/build-kernel.sh native-xxl

kernel-xen-preempt: tree
	@$(S)/build-kernel.sh xen-preempt

kernel-xen-debug: tree
	@$(S)/build-kernel.sh xen-debug

kernel64: tree
	@$(S)/build-kernel.sh x86_64

kernels: kernel kernel-native kernel64

# the distribution-style kernel package (issue 22): scripts/deb.sh
deb: tree
	@$(S)/deb.sh

check-bisect: export
	@$(S)/check-bisect.sh $(BISECT_ARGS)

distro-config:
	@$(S)/distro-config.sh

# the distribution kernel (issue 22): resumable, DISTRO_ARGS="--budget SECONDS" or --status
check-distro:
	@$(S)/check-distro.sh $(DISTRO_ARGS)

# that kernel as a package, built where check-distro built it (hours without that build)
deb-distro: tree
	@$(S)/deb.sh distro

rig:
	@$(S)/rig/setup.sh

# Debian trixie's Xen 4.20 (hypervisor, toolstack, shim) beside the rig's 4.17 (issue 23)
.PHONY: rig-xen420
rig-xen420: rig
	@$(S)/rig/setup-xen420.sh

# the Debian i386 root file system image for the *rootfs guests
.PHONY: rootfs-i386
rootfs-i386: rig
	@$(S)/rig/mk-debian-i386-rootfs.sh

# the guest booted by pvgrub2 from its own /boot, with the package of make deb installed
pvgrub-image: rootfs-i386 deb
	@$(S)/rig/mk-pvgrub-image.sh

# the same with the distribution kernel's package: boot-xen GUEST=i386pvgrub boots it
pvgrub-image-distro: rootfs-i386 deb-distro
	@TIMEOUT=$${TIMEOUT:-3600} $(S)/rig/mk-pvgrub-image.sh $(B)/deb/linux-image-distro.deb

KERNEL_i386 := $(B)/kernel-xen/vmlinux
KERNEL_i386shim := $(B)/kernel-xen/vmlinux
KERNEL_i386rootfs := $(B)/kernel-xen/vmlinux
KERNEL_kernel64 := $(B)/kernel64/vmlinux
boot-xen: rig $(if $(filter %rootfs,$(GUEST)),rootfs-i386) $(if $(filter i386pvgrub,$(GUEST)),pvgrub-image)
	@$(S)/rig/boot-xen.sh $(GUEST) $(or $(KERNEL),$(KERNEL_$(GUEST)))

boot-native: rig
	@$(S)/rig/boot-native.sh $(or $(KERNEL),$(B)/kernel-xen/arch/x86/boot/bzImage)

.PHONY: bench-native
bench-native: rig kernel kernel-native kernel-native-xxl
	@$(S)/rig/bench-native.sh

.PHONY: bench
bench: rig kernel kernel64 kernel-native kernel-native-xxl
	@$(S)/rig/bench.sh

.PHONY: selftests-native
selftests-native: rig kernel kernel-native
	@$(S)/rig/selftests-native.sh

# the same 32-bit selftests on kernel-xen as a Xen PV guest against its native boot (issue 8)
.PHONY: selftests-xen
selftests-xen: rig kernel
	@$(S)/rig/selftests-xen.sh

check:
	@$(S)/check.sh

# the i386 guest on every size, vCPU count and CPU model (issue 21); MATRIX_MEM, MATRIX_VCPUS,
# MATRIX_CPU, MATRIX_PARTS narrow it
.PHONY: check-matrix
check-matrix: rig kernel
	@$(S)/check-matrix.sh

# the lifecycle run (issue 5): xl sysrq, save/restore, migrate, mem-set, vcpu-set, PV spinlocks,
# reboot, shutdown, destroy of a PV guest; LIFECYCLE_GUEST=i386 (default), i386shim, kernel64 or pv64;
# ROUNDS=N (environment or make variable, exported) repeats save and migrate N times
export ROUNDS
LIFECYCLE_GUEST ?= i386
check-lifecycle: rig $(if $(filter i386 i386shim,$(LIFECYCLE_GUEST)),kernel) $(if $(filter kernel64,$(LIFECYCLE_GUEST)),kernel64)
	@$(S)/rig/lifecycle.sh $(LIFECYCLE_GUEST) $(KERNEL)

# stress-ng (issue 8) in the Debian i386 root file system, on the debug kernel by default;
# STRESS=SECONDS (600)
check-stress: rig rootfs-i386 $(if $(KERNEL),,kernel-xen-debug)
	@STRESS=$${STRESS:-600} MEM=$${MEM:-1024} $(S)/rig/boot-xen.sh i386rootfs $(or $(KERNEL),$(B)/kernel-xen-debug/vmlinux)

# everything issue 8 asks for, about 21 minutes of TCG with the kernels built: scripts/check-long.sh
check-long:
	@$(S)/check-long.sh

# the series' documentation page through the kernel's own Sphinx build, warnings fail
htmldocs: tree
	@$(S)/htmldocs.sh

check-tooling:
	@$(S)/tests/tooling.sh

clean:
	rm -rf $(B)/deb $(B)/kernel-xen $(B)/kernel-native $(B)/kernel-native-xxl $(B)/kernel-xen-preempt $(B)/kernel-xen-debug $(B)/kernel64 $(B)/bisect $(B)/logs

distclean:
	rm -rf $(B)
