#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Usage: scripts/rig/mk-bench-initramfs.sh   (called by bench-native.sh; rebuilds only what is stale)
#   Builds the benchmark guest from scripts/guest/bench.c:
#     $RIG/out/bench            gcc -m32 -static -O2: one binary for 32- and 64-bit guests
#     $RIG/out/bench.cpio.gz    /init = bench, /dev/console; nothing else
#   The archive is reproducible (sorted names, owner 0:0, gzip -n, fixed mtimes), so the same
#   bench.c gives the same image: benchmark numbers are exact only for one image.
#   Env: RIG (default <repo>/build/rig).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

SRC=$REPO/scripts/guest/bench.c
mkdir -p "$OUT"

if [ ! "$OUT/bench" -nt "$SRC" ]; then
	gcc -m32 -static -O2 -Wall -Wextra -o "$OUT/bench.tmp" "$SRC"
	mv "$OUT/bench.tmp" "$OUT/bench"
	echo "mk-bench-initramfs: built $OUT/bench"
fi

if [ ! "$OUT/bench.cpio.gz" -nt "$OUT/bench" ]; then
	W=$RIG/bench-root
	rm -rf "$W"
	mkdir -p "$W/dev"
	cp "$OUT/bench" "$W/init"
	mknod -m 600 "$W/dev/console" c 5 1
	find "$W" -exec touch -h -d @0 {} +
	(cd "$W" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) | gzip -9n > "$OUT/bench.cpio.gz.tmp"
	mv "$OUT/bench.cpio.gz.tmp" "$OUT/bench.cpio.gz"
	rm -rf "$W"
	echo "mk-bench-initramfs: $OUT/bench.cpio.gz ($(stat -c %s "$OUT/bench.cpio.gz") bytes)"
fi
