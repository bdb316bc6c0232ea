#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# scripts/check-bisect.sh [KIND...]: build the tree after every patch of the
# exported series and name the first patch that breaks a build.
#
# KIND is xen, native, x86_64 (default: all three). A pristine tree is unpacked
# in build/bisect/linux-source-6.12 (the same name as the main tree, so that
# the paths kbuild hands the compiler match and ccache hits); the exported
# quilt series (make export) is pushed onto
# it one patch at a time with plain quilt, and after each patch every KIND is
# built incrementally, with ccache, in build/bisect/kernel-KIND. Before the last
# patch, an option of the fragments that the series has not made available yet
# (PARAVIRT_XXL before its Kconfig patch) is a note, not an error; after the
# last patch every option must be there, as in 'make kernel'.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

kinds=("$@")
[ ${#kinds[@]} -gt 0 ] || kinds=(xen native x86_64)
EXP=$BUILD/export
W=$BUILD/bisect/$LINUX_SRC_PKG
pkgver=$(src_pkg_version)
tarball=$(ls "$EXP"/patches-*-xen-i386.tar.xz 2>/dev/null | head -n 1)
[ -n "$tarball" ] || die "no export: run 'make export' first"
mkdir -p "$BUILD/bisect"
if [ "$(cat "$W/.xen-i386-base" 2>/dev/null)" != "$pkgver" ]; then
	rm -rf "$W"
	mkdir -p "$W"
	tar -C "$W" -xJf "$LINUX_SRC_TARBALL" --strip-components=1
	echo "$pkgver" >"$W/.xen-i386-base"
fi
home=$(mktemp -d)
trap 'rm -rf "$home"' EXIT
q() { (cd "$W" && env -u QUILTRC -u QUILT_PATCHES -u QUILT_SERIES -u QUILT_PC HOME="$home" quilt "$@"); }
if [ -d "$W/.pc" ]; then
	q pop -a -f -q >/dev/null 2>&1 || true
fi
rm -rf "$W/.pc" "$W/patches"
tar -C "$W" -xJf "$tarball"
mapfile -t patches < <(series_patches "$W/patches/series")
n=${#patches[@]}
i=0
for p in "${patches[@]}"; do
	i=$((i + 1))
	q push -q >"$BUILD/bisect/last.log" 2>&1 || {
		cat "$BUILD/bisect/last.log" >&2
		die "patch $i/$n $p does not apply"
	}
	for k in "${kinds[@]}"; do
		t0=$SECONDS
		lenient=1
		[ $i = "$n" ] && lenient=
		if ! KCONFIG_LENIENT=$lenient "$REPO/scripts/build-kernel.sh" "$k" "$W" "$BUILD/bisect/kernel-$k" >"$BUILD/bisect/last.log" 2>&1; then
			tail -n 30 "$BUILD/bisect/last.log" >&2
			die "patch $i/$n $p breaks the $k build (log: $BUILD/bisect/last.log)"
		fi
		notyet=$(sed -n 's/.*not available yet: //p' "$BUILD/bisect/last.log" | paste -sd' ' -)
		say "patch $i/$n $k: ok ($((SECONDS - t0))s) $p${notyet:+ (not available yet: $notyet)}"
	done
done
say "all $n patches build on their own in: ${kinds[*]}"
