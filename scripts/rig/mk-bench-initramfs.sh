#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Usage: scripts/rig/mk-bench-initramfs.sh   (called by bench-native.sh and bench.sh; rebuilds
#                                             only what is stale)
#   Builds the benchmark guest from scripts/guest/bench.c:
#     $RIG/out/bench            gcc -m32 -static -O2: one binary for 32- and 64-bit guests
#     $RIG/out/bench.cpio.gz    /init = bench, /dev/console, /bench/archive.tar
#   /bench/archive.tar is the macro job's input (bench.c, "unpack"): fs/ext4 and fs/jbd2 of the
#   kernel tree (sources the series never touches, about 2 MiB in 60 files) under src/, with
#   their sha256sum list as SHA256SUMS, as a ustar archive.
#   Everything is reproducible (sorted names, owner 0:0, fixed mtimes, gzip -n), so the same
#   bench.c and tree give the same image: benchmark numbers are exact only for one image.
#   Env: RIG (default <repo>/build/rig), TREE (the kernel tree, default build/linux-source-6.12).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
TREE=${TREE:-$REPO/build/linux-source-6.12}

SRC=$REPO/scripts/guest/bench.c
ARCHIVE_DIRS="fs/ext4 fs/jbd2"
mkdir -p "$OUT"

if [ ! "$OUT/bench" -nt "$SRC" ] || [ ! "$OUT/bench" -nt "$REPO/scripts/guest/sha256.h" ]; then
	gcc -m32 -static -O2 -Wall -Wextra -o "$OUT/bench.tmp" "$SRC"
	mv "$OUT/bench.tmp" "$OUT/bench"
	echo "mk-bench-initramfs: built $OUT/bench"
fi

if [ ! -s "$OUT/bench-archive.tar" ] || [ "$0" -nt "$OUT/bench-archive.tar" ]; then
	for d in $ARCHIVE_DIRS; do
		[ -d "$TREE/$d" ] || { echo "mk-bench-initramfs: error: $TREE/$d is missing (make tree)" >&2; exit 1; }
	done
	A=$RIG/bench-archive
	rm -rf "$A"
	mkdir -p "$A/src"
	for d in $ARCHIVE_DIRS; do cp -r "$TREE/$d" "$A/src/"; done
	(cd "$A" && find src -type f | LC_ALL=C sort | xargs sha256sum > SHA256SUMS &&
		tar --format=ustar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 \
			--mode=go-w -cf "$OUT/bench-archive.tar.tmp" SHA256SUMS src)
	mv "$OUT/bench-archive.tar.tmp" "$OUT/bench-archive.tar"
	rm -rf "$A"
	echo "mk-bench-initramfs: $OUT/bench-archive.tar ($(stat -c %s "$OUT/bench-archive.tar") bytes)"
fi

if [ ! "$OUT/bench.cpio.gz" -nt "$OUT/bench" ] || [ ! "$OUT/bench.cpio.gz" -nt "$OUT/bench-archive.tar" ]; then
	W=$RIG/bench-root
	rm -rf "$W"
	mkdir -p "$W/dev" "$W/bench"
	cp "$OUT/bench" "$W/init"
	cp "$OUT/bench-archive.tar" "$W/bench/archive.tar"
	mknod -m 600 "$W/dev/console" c 5 1
	find "$W" -exec touch -h -d @0 {} +
	(cd "$W" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) | gzip -9n > "$OUT/bench.cpio.gz.tmp"
	mv "$OUT/bench.cpio.gz.tmp" "$OUT/bench.cpio.gz"
	rm -rf "$W"
	echo "mk-bench-initramfs: $OUT/bench.cpio.gz ($(stat -c %s "$OUT/bench.cpio.gz") bytes)"
fi
