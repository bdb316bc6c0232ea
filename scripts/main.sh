#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# scripts/main.sh: what plain 'make' does, on a fresh Debian 12 machine as root.
#
# Installs what is needed, lays out the tree with the series, builds the i386
# domU kernel and the rig, boots the kernel native and as a Xen PV guest, and
# says plainly what the series does not provide yet. Then boots the rig's
# reference guests so that the rig itself is shown working.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

"$REPO/scripts/deps.sh" tree build export rig
"$REPO/scripts/tree.sh"
"$REPO/scripts/build-kernel.sh" xen
"$REPO/scripts/rig/setup.sh"

K=$BUILD/kernel-xen
summary=()
# The PARAVIRT_XXL kernel must also show its call sites patched to native code.
if KEXPECT=$PV_KUNIT_PASS \
	"$REPO/scripts/rig/boot-native.sh" "$K/arch/x86/boot/bzImage"; then
	summary+=("i386 kernel, native in qemu-system-i386 (PARAVIRT_XXL, call sites patched to native code): PASS")
else
	summary+=("i386 kernel, native in qemu-system-i386: FAIL")
fi

rc=0
"$REPO/scripts/rig/boot-xen.sh" i386 "$K/vmlinux" || rc=$?
case $rc in
0) summary+=("i386 kernel as a Xen PV guest: PASS") ;;
2)
	summary+=("i386 kernel as a Xen PV guest: NOT THERE YET: the series does not provide CONFIG_XEN_PV on i386 yet, so this kernel cannot boot under Xen")
	say "the i386 kernel has no Xen PV support yet; booting the rig's reference guests instead"
	for g in pv32grub pv64; do
		if "$REPO/scripts/rig/boot-xen.sh" $g; then
			summary+=("reference guest $g under Xen: PASS")
		else
			summary+=("reference guest $g under Xen: FAIL")
		fi
	done
	;;
*) summary+=("i386 kernel as a Xen PV guest: FAIL (exit $rc)") ;;
esac

echo
say "summary:"
printf '  %s\n' "${summary[@]}"
printf '%s\n' "${summary[@]}" | grep -q ': FAIL' && exit 1
exit 0
