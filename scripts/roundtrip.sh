#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# scripts/roundtrip.sh: prove that what 'make export' wrote gives users the tree
# that 'make tree' gives developers.
#
#  1. the quilt tarball, unpacked in a freshly unpacked pristine tree and applied
#     with plain 'quilt push -a' (no project settings), gives exactly
#     build/linux-source-6.12 (compared file by file);
#  2. the mbox's patches apply with 'git am' onto the pristine import in
#     build/export/git and give exactly the exported commits.
# Run 'make export' first.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

EXP=$BUILD/export
G=$EXP/git
W=$EXP/roundtrip
ver=$(tree_version "$TREE")
tarball=$EXP/patches-$ver-xen-i386.tar.xz
[ -f "$tarball" ] && [ -d "$G/.git" ] || die "no export for Linux $ver: run 'make export' first"
[ -d "$TREE/.pc" ] || die "no laid-out tree at $TREE: run 'make tree' first"

# 1. plain quilt, as a user has it: no project quiltrc, no QUILT_* settings.
rm -rf "$W"
mkdir -p "$W"
tar -C "$W" -xJf "$LINUX_SRC_TARBALL" --strip-components=1
tar -C "$W" -xJf "$tarball"
home=$(mktemp -d)
if ! (cd "$W" && env -u QUILTRC -u QUILT_PATCHES -u QUILT_SERIES -u QUILT_PC HOME="$home" \
	quilt push -a -q >"$EXP/roundtrip-quilt.log" 2>&1); then
	rm -rf "$home"
	tail -n 10 "$EXP/roundtrip-quilt.log" >&2
	die "the exported quilt series does not apply to pristine Linux $ver (log: $EXP/roundtrip-quilt.log)"
fi
rm -rf "$home"
if ! diff -r -q -x .pc -x patches -x .xen-i386-base "$TREE" "$W" >"$EXP/roundtrip-diff.log" 2>&1; then
	head -n 20 "$EXP/roundtrip-diff.log" >&2
	die "pristine + exported quilt series differs from $TREE (list: $EXP/roundtrip-diff.log)"
fi
n=$(grep -c '^[^#[:space:]]' "$W/patches/series")
rm -rf "$W"
say "quilt: the exported series ($n patches) applies with plain quilt and gives the developers' tree"

# 2. git am of the mailed patches (the cover letter carries no diff).
mails=()
for m in "$EXP"/mail/[0-9][0-9][0-9][0-9]-*.patch; do
	[ "${m##*/}" = 0000-cover-letter.patch ] || mails+=("$m")
done
git -C "$G" checkout -q -f -B roundtrip-am base
if ! git -C "$G" am -q "${mails[@]}" >"$EXP/roundtrip-am.log" 2>&1; then
	git -C "$G" am --abort >/dev/null 2>&1 || true
	git -C "$G" checkout -q -f xen-i386
	tail -n 10 "$EXP/roundtrip-am.log" >&2
	die "the mbox does not apply with git am (log: $EXP/roundtrip-am.log)"
fi
same=yes
git -C "$G" diff --quiet roundtrip-am xen-i386 || same=no
git -C "$G" checkout -q -f xen-i386
[ $same = yes ] || die "git am of the mbox gives a tree other than the exported commits"
say "git am: the mbox's ${#mails[@]} patches apply onto pristine Linux $ver and give the exported commits"
