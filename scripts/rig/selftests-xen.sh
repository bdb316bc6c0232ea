#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Usage: scripts/rig/selftests-xen.sh [XXL_BZIMAGE]   (make selftests-xen)
#   The tree's x86 32-bit selftests on the i386 kernel (default build/kernel-xen) as a Xen PV
#   guest against the same kernel booted natively: selftests-native.sh with STX_MODE=xen
#   (see there). Ends with "VERDICT: PASS|FAIL selftests-xen ...".
exec env STX_MODE=xen "$(dirname "$0")/selftests-native.sh" "$@"
