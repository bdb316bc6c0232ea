#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Usage: scripts/rig/mk-selftests-initramfs.sh   (called by selftests-native.sh)
#   Builds the patched tree's tools/testing/selftests/x86 32-bit tests (*_32) out of tree and
#   packs them into $RIG/out/selftests.cpio.gz with scripts/guest/selftest-runner.c as /init:
#     $RIG/selftests-x86/hdr/usr/include   the tree's UAPI headers ('make headers' with O=;
#                                          the selftests include them with -isystem)
#     $RIG/selftests-x86/bin/*_32          the tests, built as their Makefile builds them
#                                          (make all_32 OUTPUT=...; -m32, dynamically linked
#                                          but for check_initial_reg_state, which is static)
#     $RIG/out/selftest-runner             gcc -m32 -static
#     $RIG/out/selftests.cpio.gz           /init = the runner, /selftests/*_32, and the i386
#                                          glibc they need (/lib/ld-linux.so.2, /lib/libc.so.6,
#                                          ...) from the host's libc6-i386 (gcc-multilib)
#   The tests stay dynamically linked as upstream builds them: test_vsyscall, vdso_restorer
#   and unwind_vdso find the vDSO through dlopen()/dladdr(), which a static binary cannot do.
#   Nothing is written into the kernel tree (checked afterwards). Rebuilds only what is stale.
#   Env: RIG (default <repo>/build/rig), TREE (default <repo>/build/linux-source-6.12).
#   Log: $RIG/logs/mk-selftests-initramfs.log
set -euo pipefail
. "$(dirname "$0")/lib.sh"

TREE=${TREE:-$REPO/build/linux-source-6.12}
SRC=$REPO/scripts/guest/selftest-runner.c
W=$RIG/selftests-x86
HDR=$W/hdr
BIN=$W/bin
ROOT=$RIG/selftests-root
LOG=$RIG/logs/mk-selftests-initramfs.log

[ -d "$TREE/tools/testing/selftests/x86" ] || usage_error "no kernel tree at $TREE: run 'make tree'"
mkdir -p "$OUT" "$RIG/logs" "$W"
: > "$LOG"
fail() {  # fail WHAT: the last lines of the log, exit 1
	echo "mk-selftests-initramfs: $1 failed; last lines of $LOG:" >&2
	tail -n 20 "$LOG" >&2
	exit 1
}
touch "$W/.start"

# --- the tree's UAPI headers (stale when a uapi header of the tree is newer) -------------------
if [ ! -e "$HDR/.stamp" ] || [ -n "$(find "$TREE/include/uapi" "$TREE/arch/x86/include/uapi" \
		"$TREE/arch/x86/entry/syscalls" -newer "$HDR/.stamp" -print -quit)" ]; then
	t=$(date +%s)
	rm -rf "$HDR" "$BIN"
	make -s -C "$TREE" O="$HDR" ARCH=x86 headers >>"$LOG" 2>&1 || fail "make headers"
	touch "$HDR/.stamp"
	echo "mk-selftests-initramfs: UAPI headers in $HDR/usr/include ($(( $(date +%s) - t ))s)"
fi

# --- the tests: their own Makefile, all_32, output outside the tree ----------------------------
mkdir -p "$BIN"
make -C "$TREE/tools/testing/selftests/x86" OUTPUT="$BIN" \
	KHDR_INCLUDES="-isystem $HDR/usr/include" all_32 >>"$LOG" 2>&1 || fail "the selftests build"
mapfile -t TESTS < <(find "$BIN" -maxdepth 1 -type f -name '*_32' -perm -u+x -printf '%f\n' | LC_ALL=C sort)
[ ${#TESTS[@]} -gt 0 ] || fail "the selftests build (no *_32 binaries)"
# (the build must not have written into the tree)
written=$(find "$TREE/tools/testing/selftests" -newer "$W/.start" -print -quit)
[ -z "$written" ] || { echo "mk-selftests-initramfs: the build wrote into the tree: $written" >&2; exit 1; }

# --- the runner --------------------------------------------------------------------------------
if [ ! "$OUT/selftest-runner" -nt "$SRC" ]; then
	gcc -m32 -static -O2 -Wall -Wextra -o "$OUT/selftest-runner.tmp" "$SRC" >>"$LOG" 2>&1 ||
		fail "building $SRC"
	mv "$OUT/selftest-runner.tmp" "$OUT/selftest-runner"
	echo "mk-selftests-initramfs: built $OUT/selftest-runner"
fi

# --- pack (stale when the runner or a test is newer) -------------------------------------------
IMG=$OUT/selftests.cpio.gz
stale=0
for f in "$OUT/selftest-runner" "${TESTS[@]/#/$BIN/}"; do
	[ "$IMG" -nt "$f" ] || { stale=1; break; }
done
if [ "$stale" = 1 ]; then
	rm -rf "$ROOT"
	mkdir -p "$ROOT"/{dev,proc,sys,tmp,lib,selftests}
	cp "$OUT/selftest-runner" "$ROOT/init"
	mknod -m 600 "$ROOT/dev/console" c 5 1
	for t in "${TESTS[@]}"; do
		cp "$BIN/$t" "$ROOT/selftests/"
	done
	# The i386 dynamic loader and the libraries the tests need (recursively), from libc6-i386.
	# Its ld-linux.so.2 searches /lib32, /usr/lib32, /lib, /usr/lib: they go in /lib.
	interp=$(for t in "${TESTS[@]}"; do readelf -l "$BIN/$t"; done |
		sed -n 's/.*Requesting program interpreter: \(.*\)]/\1/p' | sort -u)
	[ "$(wc -l <<<"$interp")" = 1 ] || fail "finding the interpreter (got: $interp)"
	mkdir -p "$ROOT/$(dirname "$interp")"
	cp -L "$interp" "$ROOT/$interp"
	todo=("${TESTS[@]/#/$BIN/}")
	declare -A have=()
	while [ ${#todo[@]} -gt 0 ]; do
		f=${todo[0]}
		todo=("${todo[@]:1}")
		for lib in $(readelf -d "$f" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
			[ -n "${have[$lib]:-}" ] && continue
			p=
			for d in /usr/lib32 /lib32; do
				[ -e "$d/$lib" ] && { p=$d/$lib; break; }
			done
			[ -n "$p" ] || fail "finding the i386 library $lib needed by $f (is libc6-i386 installed?)"
			cp -L "$p" "$ROOT/lib/$lib"
			have[$lib]=1
			todo+=("$p")
		done
	done
	(cd "$ROOT" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) | gzip -6n > "$IMG.tmp"
	mv "$IMG.tmp" "$IMG"
	rm -rf "$ROOT"
	echo "mk-selftests-initramfs: $IMG (${#TESTS[@]} tests, libraries: ${!have[*]}; $(stat -c %s "$IMG") bytes)"
fi
rm -f "$W/.start"
