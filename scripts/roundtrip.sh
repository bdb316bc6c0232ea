#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# scripts/roundtrip.sh [fixes]: prove that what 'make export' wrote gives users the
# tree that 'make tree' gives developers.
#
#  1. the quilt tarball, unpacked in a freshly unpacked pristine tree and applied
#     with plain 'quilt push -a' (no project settings), gives exactly
#     build/linux-source-6.12 (compared file by file);
#  2. the mbox applies with plain 'git am' onto the pristine import in
#     build/export/git and gives exactly the exported commits;
#  3. the thread (cover letter first) goes through b4's usual flow, 'b4 am' into
#     an am-ready mbox and 'git am' of that, to the same commits.
# Run 'make export' first.
#
# With 'fixes' (make export-fixes) the same for build/export-fixes/, where 1
# compares the files the fixes touch with the exported commits (the developers'
# tree has the whole series).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

mode=${1:-all}
case $mode in
all) EXP=$BUILD/export tag=xen-i386 target=export ;;
fixes) EXP=$BUILD/export-fixes tag=xen-i386-fixes target=export-fixes ;;
*) die "usage: ${0##*/} [fixes]" ;;
esac
G=$EXP/git
W=$EXP/roundtrip
ver=$(tree_version "$TREE")
tarball=$EXP/patches-$ver-$tag.tar.xz
mbox=$EXP/$tag-$ver.mbox
thread=$EXP/$tag-$ver-thread.mbox
[ -f "$tarball" ] && [ -f "$mbox" ] && [ -f "$thread" ] && [ -d "$G/.git" ] ||
	die "no export for Linux $ver in $EXP: run 'make $target' first"
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
if [ "$mode" = all ]; then
	if ! diff -r -q -x .pc -x patches -x .xen-i386-base "$TREE" "$W" >"$EXP/roundtrip-diff.log" 2>&1; then
		head -n 20 "$EXP/roundtrip-diff.log" >&2
		die "pristine + exported quilt series differs from $TREE (list: $EXP/roundtrip-diff.log)"
	fi
else
	: >"$EXP/roundtrip-diff.log"
	while read -r f; do
		git -C "$G" show "xen-i386:$f" | cmp -s - "$W/$f" || echo "$f" >>"$EXP/roundtrip-diff.log"
	done < <(git -C "$G" ls-tree -r --name-only xen-i386)
	if [ -s "$EXP/roundtrip-diff.log" ]; then
		head -n 20 "$EXP/roundtrip-diff.log" >&2
		die "pristine + exported quilt series differs from the exported commits (list: $EXP/roundtrip-diff.log)"
	fi
fi
n=$(grep -c '^[^#[:space:]]' "$W/patches/series")
rm -rf "$W"
if [ "$mode" = all ]; then
	say "quilt: the exported series ($n patches) applies with plain quilt and gives the developers' tree"
else
	say "quilt: the exported series ($n patches) applies with plain quilt and gives the exported commits"
fi

# am_onto_base BRANCH MBOX LOG WHAT: git am of MBOX on a new BRANCH at the pristine base
# must give the exported commits' tree; WHAT names MBOX in the errors
am_onto_base() {
	git -C "$G" checkout -q -f -B "$1" base
	if ! git -C "$G" am -q "$2" >>"$3" 2>&1; then
		git -C "$G" am --abort >/dev/null 2>&1 || true
		git -C "$G" checkout -q -f xen-i386
		tail -n 10 "$3" >&2
		die "$4 does not apply with git am (log: $3)"
	fi
	local same=yes
	git -C "$G" diff --quiet "$1" xen-i386 || same=no
	git -C "$G" checkout -q -f xen-i386
	[ $same = yes ] || die "git am of $4 gives a tree other than the exported commits"
}

# 2. plain git am of the mbox, as a user runs it.
n_am=$(grep -c '^From [0-9a-f]\{40\} ' "$mbox")
: >"$EXP/roundtrip-am.log"
am_onto_base roundtrip-am "$mbox" "$EXP/roundtrip-am.log" "the mbox"
say "git am: the mbox's $n_am patches apply onto pristine Linux $ver and give the exported commits"

# 3. b4: the thread as it would come from lore, made am-ready by b4 (which takes the
# cover letter as such), then git am. b4 is Debian's package (make deps).
need_cmd b4 b4
rm -rf "$W"
mkdir -p "$W"
msgid=$(sed -n '1,/^$/s/^Message-I[dD]: *<\(.*\)>.*/\1/p' "$thread" | head -n 1)
[ -n "$msgid" ] || die "the thread's cover letter has no Message-Id"
# Headers unfolded, as a mail reader sees them: Debian 12's b4 (0.12) fails on a From:
# that git format-patch folded ("Header values may not contain linefeed"), which a
# long name and address give.
awk '!h && /^From [0-9a-f]+ Mon Sep 17 00:00:00 2001$/ {h = 1; print; next}
     h && /^[ \t]/ {sub(/^[ \t]+/, " "); buf = buf $0; next}
     h {if (pend) print buf; pend = 0}
     h && /^$/ {h = 0; print; next}
     h {buf = $0; pend = 1; next}
     {print}
     END {if (pend) print buf}' "$thread" >"$W/thread.mbox"
# b4 runs with no configuration of the user's; it wants a git identity (the export's).
name=$(git -C "$G" log -1 --format=%an xen-i386)
email=$(git -C "$G" log -1 --format=%ae xen-i386)
if ! (cd "$W" && HOME=$W XDG_CONFIG_HOME=$W XDG_DATA_HOME=$W XDG_CACHE_HOME=$W \
	GIT_CONFIG_COUNT=2 GIT_CONFIG_KEY_0=user.name GIT_CONFIG_VALUE_0="$name" \
	GIT_CONFIG_KEY_1=user.email GIT_CONFIG_VALUE_1="$email" \
	b4 --offline-mode am -n b4 -o "$W" -m "$W/thread.mbox" "$msgid") >"$EXP/roundtrip-b4.log" 2>&1; then
	tail -n 10 "$EXP/roundtrip-b4.log" >&2
	die "b4 am does not take the thread (log: $EXP/roundtrip-b4.log)"
fi
[ -f "$W/b4.mbx" ] || die "b4 am wrote no b4.mbx (log: $EXP/roundtrip-b4.log)"
am_onto_base roundtrip-b4 "$W/b4.mbx" "$EXP/roundtrip-b4.log" "b4's am-ready mbox of the thread"
n_b4=$(git -C "$G" rev-list --count base..roundtrip-b4)
rm -rf "$W"
[ "$n_b4" = "$n_am" ] || die "b4 am gave $n_b4 commits, the mbox has $n_am"
say "b4 am: the thread (cover letter and $n_b4 patches) gives the exported commits"
