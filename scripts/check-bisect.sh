#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# scripts/check-bisect.sh [KIND...]: build the tree after every patch of the
# exported series and name the first patch that breaks a build.
#
# KIND is xen, native, x86_64 (default: all three). Each patch's state is the
# exported commit (build/export/git, branch xen-i386), checked out in the
# worktree build/bisect/tree; builds are incremental, with ccache, in
# build/bisect/kernel-KIND. Run 'make export' first.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

kinds=("$@")
[ ${#kinds[@]} -gt 0 ] || kinds=(xen native x86_64)
G=$BUILD/export/git
W=$BUILD/bisect/tree
git -C "$G" rev-parse -q --verify xen-i386 >/dev/null 2>&1 || die "no export: run 'make export' first"
mapfile -t commits < <(git -C "$G" rev-list --reverse base..xen-i386)
n=${#commits[@]}
if [ ! -e "$W/.git" ]; then
	rm -rf "$W"
	git -C "$G" worktree prune
	git -C "$G" worktree add -q --detach "$W" base
fi
i=0
for c in "${commits[@]}"; do
	i=$((i + 1))
	subj=$(git -C "$G" log -1 --format=%s "$c")
	git -C "$W" checkout -q -f --detach "$c"
	git -C "$W" clean -q -fdx
	for k in "${kinds[@]}"; do
		t0=$SECONDS
		if ! "$REPO/scripts/build-kernel.sh" "$k" "$W" "$BUILD/bisect/kernel-$k" >"$BUILD/bisect/last.log" 2>&1; then
			cat "$BUILD/bisect/last.log" >&2
			die "patch $i/$n \"$subj\" breaks the $k build"
		fi
		say "patch $i/$n $k: ok ($((SECONDS - t0))s) $subj"
	done
done
say "all $n patches build on their own in: ${kinds[*]}"
