#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# scripts/htmldocs.sh [SPHINXDIR]: build the documentation the series adds with
# the kernel's own 'make SPHINXDIRS=... htmldocs' and fail on any warning.
#
# SPHINXDIR is a directory under Documentation/ (default arch/x86/i386, where
# the series' page is). The build runs in the patched tree with O=build/htmldocs,
# its whole output is kept in build/logs/htmldocs.log, and every "WARNING" or
# "ERROR" line of it is a failure, so is a page that was not written. Ends with
# "htmldocs: PASS ..." or "htmldocs: FAIL ...".
set -euo pipefail
. "$(dirname "$0")/lib.sh"

dir=${1:-arch/x86/i386}
page=xen-pv
"$REPO/scripts/deps.sh" docs
need_cmd sphinx-build python3-sphinx
[ -f "$TREE/Documentation/$dir/index.rst" ] ||
	die "no Documentation/$dir/index.rst in $TREE: run 'make tree' first"
[ -f "$TREE/Documentation/$dir/$page.rst" ] ||
	die "Documentation/$dir/$page.rst is not in $TREE: the series is not applied there"

out=$BUILD/htmldocs
log=$BUILD/logs/htmldocs.log
mkdir -p "$BUILD/logs"
# from scratch: Sphinx keeps its doctrees, and a page it does not rebuild gives no warnings
rm -rf "$out"
mkdir -p "$out"
say "make SPHINXDIRS=$dir htmldocs (O=$out; log: $log)"
t0=$SECONDS
rc=0
make -C "$TREE" O="$out" SPHINXDIRS="$dir" htmldocs >"$log" 2>&1 || rc=$?
html=$out/Documentation/output/$dir/$page.html
warnings=$(grep -cE 'WARNING|ERROR' "$log" || true)
if [ $rc != 0 ] || [ "$warnings" != 0 ] || [ ! -s "$html" ]; then
	grep -E 'WARNING|ERROR' "$log" | head -n 20 >&2 || tail -n 20 "$log" >&2
	echo "htmldocs: FAIL SPHINXDIRS=$dir: make rc $rc, $warnings warning/error lines, page ${html#"$BUILD"/}: $([ -s "$html" ] && echo written || echo missing)"
	exit 1
fi
echo "htmldocs: PASS SPHINXDIRS=$dir: no warnings, ${html#"$BUILD"/} written ($(wc -c <"$html") bytes) in $((SECONDS - t0)) s"
