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
#
# Every KIND is first built on the pristine tree. Around each patch, the C files
# it touches (and adds) that a KIND builds are compiled with sparse (C=2) and
# W=1 before and after it (build-kernel.sh's LINT): a warning after that was not
# there before is the patch's. A build that breaks stops the run at once; new
# warnings are listed as they come and fail the run at its end. Headers are
# checked through the C files that include them.
# Log: build/bisect/check-bisect.log (also on the terminal); the warnings of
# patch N in KIND: build/bisect/lint/N-KIND.{before,after}.
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
L=$BUILD/bisect/lint
rm -rf "$L"
mkdir -p "$L"
exec > >(tee "$BUILD/bisect/check-bisect.log") 2>&1

# build I P K: the tree as it is after patch I (0: pristine) in KIND K
build() {
	local i=$1 p=$2 k=$3 t0=$SECONDS lenient=1 notyet
	[ "$i" = "$n" ] && lenient=
	if ! KCONFIG_LENIENT=$lenient "$REPO/scripts/build-kernel.sh" "$k" "$W" "$BUILD/bisect/kernel-$k" >"$BUILD/bisect/last.log" 2>&1; then
		tail -n 30 "$BUILD/bisect/last.log" >&2
		die "patch $i/$n $p breaks the $k build (log: $BUILD/bisect/last.log)"
	fi
	notyet=$(sed -n 's/.*not available yet: //p' "$BUILD/bisect/last.log" | paste -sd' ' -)
	say "patch $i/$n $k: ok ($((SECONDS - t0))s) $p${notyet:+ (not available yet: $notyet)}"
}
# lint K OUTFILE FILES: the sparse and W=1 warnings of FILES in KIND K
lint() {
	local k=$1 f=$2
	shift 2
	LINT="$*" "$REPO/scripts/build-kernel.sh" "$k" "$W" "$BUILD/bisect/kernel-$k" >"$f" 2>&1 ||
		die "the sparse/W=1 run for $k failed: $(tail -n 5 "$f")"
}

for k in "${kinds[@]}"; do
	build 0 "(pristine $LINUX_SRC_PKG $pkgver)" "$k"
done
i=0 warned=0
for p in "${patches[@]}"; do
	i=$((i + 1))
	# the C files the patch changes or adds
	mapfile -t cfiles < <(sed -n 's|^+++ b/\(.*\.c\)$|\1|p' "$W/patches/$p" | sort -u)
	for k in "${kinds[@]}"; do
		[ ${#cfiles[@]} = 0 ] || lint "$k" "$L/$i-$k.before" "${cfiles[@]}"
	done
	q push -q >"$BUILD/bisect/last.log" 2>&1 || {
		cat "$BUILD/bisect/last.log" >&2
		die "patch $i/$n $p does not apply"
	}
	for k in "${kinds[@]}"; do
		build "$i" "$p" "$k"
		[ ${#cfiles[@]} != 0 ] || continue
		lint "$k" "$L/$i-$k.after" "${cfiles[@]}"
		new=$(grep -v '^== ' "$L/$i-$k.after" | grep -vxF -f <(grep -v '^== ' "$L/$i-$k.before") || true)
		if [ -n "$new" ]; then
			warned=$((warned + 1))
			say "patch $i/$n $k: NEW sparse/W=1 warnings in ${cfiles[*]}:"
			printf '%s\n' "$new" | sed 's/^/    /'
		else
			say "patch $i/$n $k: no new sparse/W=1 warnings ($(sed -n 's/^== //p' "$L/$i-$k.after"))"
		fi
	done
done
say "all $n patches build on their own in: ${kinds[*]}"
[ $warned = 0 ] || die "$warned patch builds added sparse or W=1 warnings (listed above; build/bisect/lint/)"
say "no patch adds a sparse or W=1 warning to the C files it touches"
