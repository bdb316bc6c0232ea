#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# scripts/tree.sh: lay out the patched kernel tree under build/.
#
# Unpacks Debian's linux-source-6.12 into build/linux-source-6.12 (once), applies
# the repository's 'series' with quilt (QUILT_PATCHES points at the repository's
# patches/, so 'quilt refresh' in the tree writes back into the repository), and
# links the new files of arch/, drivers/, include/, Documentation/ into the tree so
# that they are edited in place in the repository.
#
# When the series changed since the tree was last laid out (a pull, an edit of
# a patch), the applied patches are popped and the series pushed again, unless
# the tree holds changes that neither the repository nor the applied series has:
# then it stops and says which patch, and nothing is lost.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

"$REPO/scripts/deps.sh" tree
need_cmd quilt quilt
[ -r "$LINUX_SRC_TARBALL" ] || die "$LINUX_SRC_TARBALL not found: install $LINUX_SRC_PKG"
pkgver=$(src_pkg_version)
[ -n "$pkgver" ] || die "package $LINUX_SRC_PKG is not installed"

"$REPO/scripts/series-lint.sh"

mkdir -p "$BUILD"
stamp=$TREE/.xen-i386-base
if [ -d "$TREE" ] && [ "$(cat "$stamp" 2>/dev/null)" != "$pkgver" ]; then
	old=$TREE.old-$(cat "$stamp" 2>/dev/null || echo unknown)-$$
	warn "tree was unpacked from another $LINUX_SRC_PKG ($(cat "$stamp" 2>/dev/null || echo none)); moving it to $old"
	mv "$TREE" "$old"
fi
if [ ! -d "$TREE" ]; then
	say "unpacking $LINUX_SRC_TARBALL ($pkgver)"
	tmp=$BUILD/.unpack.$$
	rm -rf "$tmp"
	mkdir -p "$tmp"
	tar -C "$tmp" -xf "$LINUX_SRC_TARBALL"
	[ -f "$tmp/$LINUX_SRC_PKG/Makefile" ] || die "$LINUX_SRC_TARBALL does not hold $LINUX_SRC_PKG/Makefile"
	mv "$tmp/$LINUX_SRC_PKG" "$TREE"
	rmdir "$tmp"
	echo "$pkgver" >"$stamp"
fi
ver=$(tree_version "$TREE")
case $ver in
6.12.*) ;;
*) die "$TREE is Linux $ver, the series is for 6.12.y" ;;
esac

quilt_env
cd "$TREE"
fp_file=.pc/.xen-i386-fingerprint
snap=.pc/.xen-i386-snapshot
fingerprint() {
	{
		cat "$REPO/series"
		for p in $(series_patches); do
			echo "== $p"
			cat "$REPO/patches/$p"
		done
	} | sha256sum | cut -d' ' -f1
}
fp=$(fingerprint)

# Keep the applied patches that still match the series in place and in order
# (the tree holds exactly what the repository's patch makes); pop from the
# first one that does not, unless that would drop changes found nowhere else.
# quilt keeps the series' location in .pc/.quilt_{patches,series}; point them
# at the repository (it may have moved), or for one command at the snapshot of
# the series as last applied.
point_quilt_at() {
	[ -d .pc ] || return 0
	echo "$1" >.pc/.quilt_patches
	echo "$2" >.pc/.quilt_series
}
with_snap() {
	local rc=0
	point_quilt_at "$PWD/$snap" "$PWD/$snap/series"
	"$@" || rc=$?
	point_quilt_at "$REPO/patches" "$REPO/series"
	return $rc
}
point_quilt_at "$REPO/patches" "$REPO/series"
# 'quilt diff -z' of a patch prints nothing when the tree holds exactly what
# the patch makes; a quilt that fails (a series it refuses) proves nothing.
clean_in() { # clean_in repo|snap PATCH: the tree holds what that copy of PATCH makes
	local out
	if [ "$1" = repo ]; then
		series_patches | grep -qxF "$2" || return 1
		out=$(quilt diff -z -P "$2" 2>/dev/null) || return 1
	else
		[ -f "$snap/$2" ] || return 1
		out=$(with_snap quilt diff -z -P "$2" 2>/dev/null) || return 1
	fi
	[ -z "$out" ]
}
# Read the applied patches from quilt's own record: 'quilt applied' refuses to
# answer once the series no longer lists them in the same order.
applied=()
[ -f .pc/applied-patches ] && mapfile -t applied < .pc/applied-patches
if [ ${#applied[@]} -gt 0 ] && [ "$(cat "$fp_file" 2>/dev/null)" != "$fp" ]; then
	mapfile -t wanted < <(series_patches)
	k=0
	while [ $k -lt ${#applied[@]} ] && [ "${applied[$k]}" = "${wanted[$k]:-}" ] &&
		clean_in repo "${applied[$k]}"; do
		k=$((k + 1))
	done
	if [ $k -lt ${#applied[@]} ]; then
		for ((i = k; i < ${#applied[@]}; i++)); do
			p=${applied[$i]}
			clean_in repo "$p" || clean_in snap "$p" ||
				die "the tree has changes under patch $p that are in no patch: 'quilt refresh' them (in $TREE) or undo them, then run 'make tree' again"
		done
		say "series changed from ${applied[$k]} on: popping ${#applied[@]}-$k patches"
		qp=(quilt)
		[ -f "$snap/series" ] && qp=(with_snap quilt)
		if [ $k = 0 ]; then
			"${qp[@]}" pop -a -f -q >/dev/null
		else
			"${qp[@]}" pop -f -q "${applied[$((k - 1))]}" >/dev/null
		fi
	fi
	rm -f "$fp_file"
fi

if [ -n "$(series_patches)" ]; then
	log=$BUILD/quilt-push.log
	# 'quilt push -a' also fails when there is nothing left to push.
	if ! quilt push -a >"$log" 2>&1 && ! grep -q 'File series fully applied' "$log"; then
		bad=$(sed -n 's/^Applying patch \(.*\)/\1/p' "$log" | tail -n 1)
		files=$(sed -n 's/.*rejects in file \(.*\)/\1/p' "$log" | sort -u | tr '\n' ' ')
		[ -n "$files" ] || files=$(awk '/^patching file/ {f = $3} /FAILED/ {print f}' "$log" | sort -u | tr '\n' ' ')
		tail -n 15 "$log" >&2
		die "patch ${bad##*/} does not apply to Linux $ver${files:+ (failing: $files)}; log: $log"
	fi
fi
mkdir -p "$snap"
[ -f .pc/.version ] || echo 2 >.pc/.version
rm -f "$snap"/*
cp "$REPO/series" "$snap/series"
for p in $(series_patches); do cp "$REPO/patches/$p" "$snap/"; done
echo "$fp" >"$fp_file"

# New files: symlinks into the repository, so the repository stays their only copy.
list=.pc/.xen-i386-newfiles
if [ -f "$list" ]; then
	while read -r f; do
		[ -L "$f" ] && ! series_newfiles | cut -f2 | grep -qxF "$f" && rm -f "$f"
	done <"$list"
fi
: >"$list"
series_newfiles | while IFS=$'\t' read -r p f; do
	if [ -e "$f" ] && [ ! -L "$f" ]; then
		die "new file $f (patch $p) already exists in the mainline tree: change it with quilt instead"
	fi
	mkdir -p "$(dirname "$f")"
	ln -sfn "$REPO/$f" "$f"
	echo "$f" >>"$list"
done

n=$(series_patches | wc -l)
m=$(series_newfiles | wc -l)
say "tree: Linux $ver (Debian $LINUX_SRC_PKG $pkgver), $n patches applied, $m new files linked: $TREE"
