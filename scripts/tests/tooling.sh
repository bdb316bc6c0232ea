#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# scripts/tests/tooling.sh: tests of the series tooling itself (tree, lint,
# export), on a scratch copy of scripts/ with a tiny fake kernel tarball, so they
# take seconds. Each test breaks something on purpose and checks that the tool
# says what is wrong and loses nothing. Prints PASS/FAIL lines and a count.
set -uo pipefail
SRC=$(cd "$(dirname "$0")/../.." && pwd)
T=$(mktemp -d /tmp/xen-i386-tooling.XXXXXX)
trap '[ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
pass=0 fail=0
ok() { echo "PASS $1"; pass=$((pass + 1)); }
ko() { echo "FAIL $1: $2"; fail=$((fail + 1)); }

# A fake linux-source tarball: a Makefile and two files to patch.
mk_tarball() { # mk_tarball VERSION.PATCHLEVEL.SUBLEVEL OUT
	local d=$T/src.$$ v=$1
	rm -rf "$d"
	mkdir -p "$d/linux-source-6.12/arch/x86/xen" "$d/linux-source-6.12/Documentation"
	printf 'VERSION = %s\nPATCHLEVEL = %s\nSUBLEVEL = %s\nEXTRAVERSION =\n' \
		"${v%%.*}" "$(echo "$v" | cut -d. -f2)" "${v##*.}" >"$d/linux-source-6.12/Makefile"
	printf 'line one\nline two\nline three\n' >"$d/linux-source-6.12/arch/x86/xen/Makefile"
	printf 'doc\n' >"$d/linux-source-6.12/Documentation/index.rst"
	tar -C "$d" -cJf "$2" linux-source-6.12
	rm -rf "$d"
}
mk_tarball 6.12.117 "$T/linux.tar.xz"
mk_tarball 6.11.3 "$T/linux-old.tar.xz"

# A scratch repository: the real scripts, a one-patch series, one new file.
R=$T/repo
mkdir -p "$R/patches" "$R/arch/x86/xen"
cp -a "$SRC/scripts" "$R/"
printf '// SPDX-License-Identifier: GPL-2.0\nint xen_i386_test;\n' >"$R/arch/x86/xen/new_32.c"
cat >"$R/patches/one.patch" <<'P'
Subject: x86/xen: a test patch

Why: the tooling needs a patch to apply.
What and how: change one line.

--- a/arch/x86/xen/Makefile
+++ b/arch/x86/xen/Makefile
@@ -1,3 +1,3 @@
 line one
-line two
+line 2
 line three
P
printf '# test series\n\none.patch\n#+ arch/x86/xen/new_32.c\n' >"$R/series"
git -C "$R" init -q
git -C "$R" -c user.name=Test -c user.email=t@example.org commit -q --allow-empty -m init
export LINUX_SRC_TARBALL=$T/linux.tar.xz LINUX_SRC_PKGVER=6.12.117-test
tree() { "$R/scripts/tree.sh" >"$T/out" 2>&1; }
TR=$R/build/linux-source-6.12

# 1. The series applies and the new file is a link to the repository's copy.
if tree && grep -q '^line 2$' "$TR/arch/x86/xen/Makefile" &&
	[ "$(readlink "$TR/arch/x86/xen/new_32.c")" = "$R/arch/x86/xen/new_32.c" ] &&
	grep -q 'Linux 6.12.117' "$T/out"; then
	ok tree-applies-and-links
else
	ko tree-applies-and-links "$(tail -n 3 "$T/out")"
fi

# 2. A patch that does not apply: the error names the patch and the file.
cp "$R/patches/one.patch" "$T/one.good"
sed -i 's/^-line two$/-line TWO/' "$R/patches/one.patch"
if ! tree && grep -q 'patch one.patch does not apply.*arch/x86/xen/Makefile' "$T/out"; then
	ok tree-names-failing-patch-and-file
else
	ko tree-names-failing-patch-and-file "$(tail -n 2 "$T/out")"
fi
cp "$T/one.good" "$R/patches/one.patch"
tree || ko tree-recovers "$(tail -n 2 "$T/out")"

# 3. Unrefreshed work under a patch survives a change of the series.
echo "local work" >>"$TR/arch/x86/xen/Makefile"
sed -i 's/^What and how: change one line.$/What and how: change a line./' "$R/patches/one.patch"
sed -i 's/^+line 2$/+line II/' "$R/patches/one.patch"
if ! tree && grep -q 'changes under patch one.patch' "$T/out" &&
	grep -q '^local work$' "$TR/arch/x86/xen/Makefile"; then
	ok tree-keeps-unrefreshed-work
else
	ko tree-keeps-unrefreshed-work "$(tail -n 2 "$T/out")"
fi
sed -i '/^local work$/d' "$TR/arch/x86/xen/Makefile"

# 4. A changed patch is popped and pushed again.
if tree && grep -q '^line II$' "$TR/arch/x86/xen/Makefile"; then
	ok tree-follows-changed-patch
else
	ko tree-follows-changed-patch "$(tail -n 2 "$T/out")"
fi

# 4b. A patch inserted before an applied one (quilt itself then refuses to
# list or pop the applied ones), and removed again: the tree follows both.
cat >"$R/patches/zero.patch" <<'P'
Subject: docs: a test patch that goes first

Why: a series grows in the middle, not only at its end.
What and how: change the index.

--- a/Documentation/index.rst
+++ b/Documentation/index.rst
@@ -1 +1 @@
-doc
+doc zero
P
cp "$R/series" "$T/series.good"
printf '# test series\n\nzero.patch\none.patch\n#+ arch/x86/xen/new_32.c\n' >"$R/series"
if tree && grep -q '^doc zero$' "$TR/Documentation/index.rst" &&
	grep -q '^line II$' "$TR/arch/x86/xen/Makefile" &&
	[ "$(cat "$TR/.pc/applied-patches" | tr '\n' ' ')" = "zero.patch one.patch " ]; then
	cp "$T/series.good" "$R/series"
	rm "$R/patches/zero.patch"
	if tree && grep -q '^doc$' "$TR/Documentation/index.rst" &&
		[ "$(cat "$TR/.pc/applied-patches")" = one.patch ]; then
		ok tree-follows-inserted-and-removed-patch
	else
		ko tree-follows-inserted-and-removed-patch "removing: $(tail -n 2 "$T/out")"
	fi
else
	ko tree-follows-inserted-and-removed-patch "inserting: $(tail -n 2 "$T/out")"
	cp "$T/series.good" "$R/series"
	rm -f "$R/patches/zero.patch"
fi

# 5. A file under arch/ that no patch claims is an error that names it.
touch "$R/arch/x86/xen/stray.c"
if ! tree && grep -q 'arch/x86/xen/stray.c is not claimed' "$T/out"; then
	ok lint-unclaimed-file
else
	ko lint-unclaimed-file "$(tail -n 2 "$T/out")"
fi
rm "$R/arch/x86/xen/stray.c"

# 6. A patch without a commit message body is refused.
cp "$R/patches/one.patch" "$T/one.good"
sed -i '3,4d' "$R/patches/one.patch"
if ! tree && grep -q 'one.patch: the commit message needs a body' "$T/out"; then
	ok lint-needs-body
else
	ko lint-needs-body "$(tail -n 2 "$T/out")"
fi
cp "$T/one.good" "$R/patches/one.patch"

# 7. A tree of another kernel version is refused with its version.
if ! LINUX_SRC_TARBALL=$T/linux-old.tar.xz LINUX_SRC_PKGVER=6.11-test "$R/scripts/tree.sh" >"$T/out" 2>&1 &&
	grep -q 'is Linux 6.11.3, the series is for 6.12.y' "$T/out" && ls -d "$TR".old-* >/dev/null 2>&1; then
	ok tree-refuses-other-version-and-keeps-old
else
	ko tree-refuses-other-version-and-keeps-old "$(tail -n 2 "$T/out")"
fi
rm -rf "$TR" "$TR".old-*

# 8. Export with no git identity: a clear error, nothing written.
if ! env HOME="$T/home" GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null \
	"$R/scripts/export.sh" >"$T/out" 2>&1 && grep -q "no git identity" "$T/out" &&
	[ ! -e "$R/build/export" ]; then
	ok export-needs-identity
else
	ko export-needs-identity "$(tail -n 2 "$T/out")"
fi

# 8b. make export-fixes: the series' fixes section alone, an mbox without the cover letter
# that plain git am takes, and a fix that needs the one before it is refused by name.
mkfix() { # mkfix NAME FROM TO: a patch of Documentation/index.rst
	printf 'Subject: docs: fix %s\n\nWhy: a test fix.\nWhat and how: change the index.\n\n--- a/Documentation/index.rst\n+++ b/Documentation/index.rst\n@@ -1 +1 @@\n-%s\n+%s\n' \
		"$1" "$2" "$3" >"$R/patches/$1.patch"
}
cp "$R/series" "$T/series.good"
mkfix fixa doc "doc a"
printf '# test series\n\n# --- fixes: test ---\nfixa.patch\n\n# --- the rest ---\none.patch\n#+ arch/x86/xen/new_32.c\n' >"$R/series"
git -C "$R" config user.name Test && git -C "$R" config user.email t@example.org
E=$R/build/export-fixes
if "$R/scripts/export.sh" fixes >"$T/out" 2>&1 && [ -f "$E/xen-i386-fixes-6.12.117.mbox" ] &&
	[ "$(grep -c '^Subject: \[PATCH' "$E/xen-i386-fixes-6.12.117.mbox")" = 1 ] &&
	! grep -q '^Subject: \[PATCH 0/' "$E/xen-i386-fixes-6.12.117.mbox" &&
	grep -q '^Subject: \[PATCH 0/1\] x86, xen: fixes' "$E/mail/0000-cover-letter.patch" &&
	[ "$(tar -xOJf "$E/patches-6.12.117-xen-i386-fixes.tar.xz" patches/series | grep -v '^#' | grep .)" = fixa.patch ] &&
	git -C "$E/git" checkout -q -f -B t base && git -C "$E/git" am -q "$E/xen-i386-fixes-6.12.117.mbox" >>"$T/out" 2>&1; then
	mkfix fixb "doc a" "doc b"
	sed -i 's/^fixa.patch$/fixa.patch\nfixb.patch/' "$R/series"
	if ! "$R/scripts/export.sh" fixes >"$T/out" 2>&1 &&
		grep -q "fix fixb.patch does not apply to pristine Linux 6.12.117 on its own" "$T/out"; then
		ok export-fixes
	else
		ko export-fixes "a fix that needs another: $(tail -n 2 "$T/out")"
	fi
else
	ko export-fixes "$(tail -n 2 "$T/out")"
fi
cp "$T/series.good" "$R/series"
rm -rf "$R/patches/fixa.patch" "$R/patches/fixb.patch" "$E"

# 8c. make export: the cover letter quotes the committed record of make bench
# (scripts/bench.record) and names the series it measured; a record of another series is
# warned about, one that is not a record refused
mkrec() { # mkrec COMMIT: a make bench record of two benchmarks
	printf '{"results": {"null": {}, "fork": {}}, "ratios": {
	 "i386 PV / x86_64 PV": {"per_benchmark": {"null": 0.5, "fork": 1.0}, "geomean": 0.7071},
	 "i386 PV / native XXL": {"per_benchmark": {"null": 2.5, "fork": 4.0}, "geomean": 3.1623}},
	 "hypercalls_per_op": {"i386": {"null": {"ops": 0.0}, "fork": {"ops": 96.1}}, "x86_64": {}},
	 "recorded": {"commit": "%s", "date": "2026-12-01", "kernels": {}}}\n' "$1" >"$R/scripts/bench.record"
}
head=$(git -C "$R" rev-parse --short=12 HEAD)
mkrec "$head"
cl=$R/build/export/mail/0000-cover-letter.patch
bad=
"$R/scripts/export.sh" >"$T/out" 2>&1 || bad="$bad export:$(tail -n 1 "$T/out")"
text=$(tr '\n' ' ' <"$cl" 2>/dev/null) # the wrapped paragraph on one line
grep -q "(the series of $head, 2026-12-01; one boot of Xen" <<<"$text" || bad="$bad no-commit"
grep -q "costs 0.71x what mainline's x86_64 PV guest" <<<"$text" || bad="$bad no-x86_64"
grep -q "costs 3.16x what an i386 kernel of the same tree" <<<"$text" || bad="$bad no-native"
grep -qE '^fork +1.000 +- +96.1 +-$' "$cl" 2>/dev/null || bad="$bad no-table"
! grep -q "not of this series" "$T/out" || bad="$bad warned"
mkrec 0123456789ab
"$R/scripts/export.sh" >"$T/out" 2>&1 && grep -q "make bench of 0123456789ab (scripts/bench.record), not of this series" "$T/out" ||
	bad="$bad stale:$(tail -n 1 "$T/out")"
echo '{"results": {}}' >"$R/scripts/bench.record"
! "$R/scripts/export.sh" >"$T/out" 2>&1 && grep -q "bench.record is not a make bench record" "$T/out" ||
	bad="$bad broken:$(tail -n 1 "$T/out")"
if [ -z "$bad" ]; then
	ok export-bench-record
else
	ko export-bench-record "$bad"
fi
rm -rf "$R/scripts/bench.record" "$R/build/export"

# 9. The rig's run_qemu with a fake QEMU: the done line is success; a QEMU that ends with
# status 0 before it (powered off early, or stopped from outside) is not; a timeout is 124.
cat >"$T/fakeqemu" <<'Q'
#!/bin/bash
# fakeqemu MODE -pidfile FILE: prints a line or two, then does what MODE says
echo $$ >"$3"
echo "booting"
case $1 in
done) echo "RIG: DONE"; sleep 30 ;;
early) exit 0 ;;
hang) sleep 30 ;;
esac
Q
chmod +x "$T/fakeqemu"
rq() { # rq MODE: run_qemu's status for a fake QEMU run in MODE
	(RIG=$T/rig; . "$R/scripts/rig/lib.sh"; rc=0
	 run_qemu "$T/rq-$1.log" 2 '^RIG: DONE' "$T/fakeqemu" "$1" || rc=$?; echo $rc)
}
got="$(rq done) $(rq early) $(rq hang)"
if [ "$got" = "0 4 124" ]; then
	ok run-qemu-outcomes
else
	ko run-qemu-outcomes "statuses for done/early/hang: $got, expected 0 4 124"
fi

# lifecycle.sh and boot-xen.sh refuse a bad ROUNDS before they touch QEMU: usage error, exit 64
bad=
for r in 0 51 x 2x; do
	out=$(ROUNDS=$r "$SRC/scripts/rig/lifecycle.sh" i386 "$SRC/Makefile" 2>&1); rc=$?
	[ $rc = 64 ] && grep -q "ROUNDS must be a number from 1 to 50" <<<"$out" || bad="$bad lifecycle:$r=$rc"
	out=$(ROUNDS=$r "$SRC/scripts/rig/boot-xen.sh" i386 "$SRC/Makefile" 2>&1); rc=$?
	[ $rc = 64 ] && grep -q "ROUNDS must be a number from 1 to 50" <<<"$out" || bad="$bad boot-xen:$r=$rc"
done
if [ -z "$bad" ]; then
	ok rounds-refused
else
	ko rounds-refused "not refused as usage errors:$bad"
fi

# boot-xen.sh and check-long.sh refuse a bad STRESS, and boot-xen.sh a STRESS for a guest
# without the root file system that has stress-ng: usage error, exit 64, before QEMU
bad=
for r in 0 x 10s -1; do
	out=$(STRESS=$r "$SRC/scripts/rig/boot-xen.sh" i386rootfs "$SRC/Makefile" 2>&1); rc=$?
	[ $rc = 64 ] && grep -q "STRESS must be a number of seconds" <<<"$out" || bad="$bad boot-xen:$r=$rc"
	out=$(STRESS=$r "$SRC/scripts/check-long.sh" 2>&1); rc=$?
	[ $rc = 64 ] && grep -q "STRESS must be a number of seconds" <<<"$out" || bad="$bad check-long:$r=$rc"
done
out=$(STRESS=60 "$SRC/scripts/rig/boot-xen.sh" i386 "$SRC/Makefile" 2>&1); rc=$?
[ $rc = 64 ] && grep -q "STRESS runs in the root file system" <<<"$out" || bad="$bad boot-xen:i386=$rc"
if [ -z "$bad" ]; then
	ok stress-refused
else
	ko stress-refused "not refused as usage errors:$bad"
fi

# boot-xen.sh's i386pvgrub guest takes its kernel and command line from the image (the
# guest's /boot, its grub.cfg): a KERNEL argument or an XTEST is a usage error, before QEMU
bad=
out=$("$SRC/scripts/rig/boot-xen.sh" i386pvgrub "$SRC/Makefile" 2>&1); rc=$?
[ $rc = 64 ] && grep -q "i386pvgrub takes no KERNEL argument" <<<"$out" || bad="$bad kernel=$rc"
out=$(XTEST=basic "$SRC/scripts/rig/boot-xen.sh" i386pvgrub 2>&1); rc=$?
[ $rc = 64 ] && grep -q "i386pvgrub takes no XTEST" <<<"$out" || bad="$bad xtest=$rc"
if [ -z "$bad" ]; then
	ok pvgrub-refused
else
	ko pvgrub-refused "not refused as usage errors:$bad"
fi

# boot-xen.sh's shim settings are checked before QEMU: a PVSHIM that is not 0 or 1, a shim
# for a guest that cannot have one, a PVSHIM_PATH that is no file
bad=
out=$(PVSHIM=yes "$SRC/scripts/rig/boot-xen.sh" i386 "$SRC/Makefile" 2>&1); rc=$?
[ $rc = 64 ] && grep -q "PVSHIM must be 0 or 1" <<<"$out" || bad="$bad pvshim=$rc"
out=$(PVSHIM=1 "$SRC/scripts/rig/boot-xen.sh" pv32grub 2>&1); rc=$?
[ $rc = 64 ] && grep -q "PVSHIM=1 is for the guests" <<<"$out" || bad="$bad pv32grub=$rc"
out=$(PVSHIM_PATH=$T/no-such-shim "$SRC/scripts/rig/boot-xen.sh" i386shim "$SRC/Makefile" 2>&1); rc=$?
[ $rc = 64 ] && grep -q "PVSHIM_PATH must be a shim file" <<<"$out" || bad="$bad path=$rc"
if [ -z "$bad" ]; then
	ok pvshim-refused
else
	ko pvshim-refused "not refused as usage errors:$bad"
fi

# boot-xen.sh refuses an unknown XEN, and XEN=debian420 without setup-xen420.sh's hypervisor
# and dom0 image (naming make rig-xen420), as usage errors before QEMU (an empty RIG: the
# check does not depend on what this checkout has built)
bad=
out=$(RIG=$T/rig XEN=xen99 "$SRC/scripts/rig/boot-xen.sh" i386 "$SRC/Makefile" 2>&1); rc=$?
[ $rc = 64 ] && grep -q "XEN must be pv32, debian or debian420, not 'xen99'" <<<"$out" || bad="$bad xen99=$rc"
out=$(RIG=$T/rig XEN=debian420 "$SRC/scripts/rig/boot-xen.sh" i386shim "$SRC/Makefile" 2>&1); rc=$?
[ $rc = 64 ] && grep -q "xen-debian420 is missing: run make rig-xen420" <<<"$out" || bad="$bad debian420=$rc"
if [ -z "$bad" ]; then
	ok xen-refused
else
	ko xen-refused "not refused as usage errors:$bad"
fi

# bench --unpack, make bench's macro job, checks what it extracts: a clean archive passes; one
# byte changed in a file gives exit 1 naming that file; a file SHA256SUMS does not list too
bench_cc() { gcc "$@" -static -O2 -o "$T/bench" "$SRC/scripts/guest/bench.c" 2>"$T/bench-cc.log"; }
# bench runs in the i386 guest; a host that cannot run 32-bit programs (exit 126: no IA32
# emulation, as on some VM hosts) checks the same code built for itself
runs32() { "$T/bench" --unpack "$T/none.tar" "$T/none" >/dev/null 2>&1; [ $? -ne 126 ]; }
bench_built=
if bench_cc -m32; then
	if runs32; then
		bench_built=i386
	else
		echo "tooling: bench-unpack-checks: this host does not run 32-bit programs: bench built for x86_64"
		! bench_cc || bench_built=x86_64
	fi
fi
if [ -n "$bench_built" ]; then
	A=$T/arc
	mkdir -p "$A/src/d"
	printf 'alpha\n' >"$A/src/a.c"
	head -c 70000 /dev/zero | tr '\0' 'x' >"$A/src/d/b.c"
	mk_arc() { (cd "$A" && find src -type f | LC_ALL=C sort | xargs sha256sum >SHA256SUMS &&
		tar --format=ustar -cf "$1" SHA256SUMS src); }
	mk_arc "$T/good.tar"
	printf 'y' | dd of="$A/src/d/b.c" bs=1 seek=65600 conv=notrunc 2>/dev/null
	(cd "$A" && tar --format=ustar -cf "$T/bad.tar" SHA256SUMS src)
	printf 'extra\n' >"$A/src/c.c"
	(cd "$A" && tar --format=ustar -cf "$T/extra.tar" SHA256SUMS src)
	got=
	for a in good bad extra; do
		out=$(cd "$T" && ./bench --unpack "$T/$a.tar" "$T/unpack-$a" 2>&1); rc=$?
		got="$got $a=$rc"
		[ ! -e "$T/unpack-$a" ] || got="$got($a: left its tree behind)"
		case $a in
		bad) grep -q "src/d/b.c: sha256" <<<"$out" || got="$got(bad: b.c not named: $out)" ;;
		extra) grep -q "3 files extracted, 2 checked\|4 files extracted, 2 checked" <<<"$out" ||
			got="$got(extra: not reported: $out)" ;;
		esac
	done
	if [ "$got" = " good=0 bad=1 extra=1" ]; then
		ok bench-unpack-checks
	else
		ko bench-unpack-checks "exit statuses:$got, expected good=0 bad=1 extra=1"
	fi
else
	ko bench-unpack-checks "gcc -static of bench.c failed: $(tail -n 3 "$T/bench-cc.log")"
fi

# bench.sh refuses a missing kernel and bad settings before it builds or boots anything
bad=
out=$(I386_KERNEL=$T/none "$SRC/scripts/rig/bench.sh" 2>&1); rc=$?
[ $rc = 1 ] && grep -q "kernel $T/none is missing" <<<"$out" || bad="$bad missing-kernel=$rc"
out=$(I386_KERNEL=$SRC/Makefile "$SRC/scripts/rig/bench.sh" 2>&1); rc=$?
[ $rc = 1 ] && grep -q "is not an ELF32 vmlinux" <<<"$out" || bad="$bad not-elf=$rc"
out=$(NOLAZY=arm "$SRC/scripts/rig/bench.sh" 2>&1); rc=$?
[ $rc = 64 ] && grep -q "NOLAZY names i386 and/or x86_64" <<<"$out" || bad="$bad nolazy=$rc"
out=$(RECORD=1 SCALE=0.05 "$SRC/scripts/rig/bench.sh" 2>&1); rc=$?
[ $rc = 64 ] && grep -q "RECORD=1 keeps the whole-scale run only" <<<"$out" || bad="$bad record-scale=$rc"
out=$(RECORD=1 I386_KERNEL=$T/none "$SRC/scripts/rig/bench.sh" 2>&1); rc=$?
[ $rc = 64 ] && grep -q "RECORD=1 measures the tree's own kernels" <<<"$out" || bad="$bad record-kernel=$rc"
if [ -z "$bad" ]; then
	ok bench-refuses
else
	ko bench-refuses "not refused:$bad"
fi

# bench-native PROFILE=1: the plugin builds, and insnprof-report.py attributes a window's
# counts to functions per operation (window 2k+2 = benchmark k's timed pass), and refuses logs
# that ran different benchmarks; a bad PROFILE is a usage error
bad=
# (insnprof_mark builds it and finds the marker in a bench binary, here a stand-in)
mkdir -p "$T/iout" && printf 'void bench_mark(void) {}\nint main(void) { bench_mark(); return 0; }\n' >"$T/iout/b.c" &&
	cc -o "$T/iout/bench" "$T/iout/b.c"
m=$(RIG=$T/rig; . "$SRC/scripts/rig/lib.sh"; OUT=$T/iout; insnprof_mark 2>"$T/insnprof-cc.log") ||
	bad="$bad plugin-cc:$(head -n 3 "$T/insnprof-cc.log")"
[ "$m" = "0x$(nm "$T/iout/bench" | awk '$3 == "bench_mark" { print $1 }')" ] && [ -s "$T/iout/insnprof.so" ] ||
	bad="$bad mark:'$m'"
printf 'c1000000 T fa\nc1000100 t fb\nc1000200 T fc\n' >"$T/map"
for k in x n; do
	printf 'BENCH one iterations=10 ns_per_op=5\nBENCH two iterations=4 ns_per_op=9\n' >"$T/$k.log"
done
# x: in two's timed pass (window 4) fb runs 8 more instructions, 2 per operation
printf 'W 1\nc1000000 7\nW 2\nc1000000 50\nW 3\nc1000104 1\nW 4\nc1000104 12\n8048000 4\n' >"$T/x.prof"
printf 'W 1\nc1000000 7\nW 2\nc1000000 50\nW 3\nc1000104 1\nW 4\nc1000104 4\n8048000 4\n' >"$T/n.prof"
out=$(python3 "$SRC/scripts/rig/insnprof-report.py" "$T/x.log" "$T/x.prof" "$T/map" \
	"$T/n.log" "$T/n.prof" "$T/map" 2>&1) || bad="$bad report-rc"
two=$(sed -n '/^== two /,/^$/p' <<<"$out")
grep -qE '^ +fb +3\.00 +1\.00 +\+2\.00$' <<<"$two" || bad="$bad fb-not-found:'$two'"
grep -q 'XXL kernel 3.0 user 1.0; native kernel 1.0 user 1.0' <<<"$two" || bad="$bad totals:'$two'"
grep -qE '^ +fa ' <<<"$(sed -n '/^== one /,/^$/p' <<<"$out")" && bad="$bad one-has-a-diff"
printf 'BENCH one iterations=10 ns_per_op=5\n' >"$T/n.log"
out=$(python3 "$SRC/scripts/rig/insnprof-report.py" "$T/x.log" "$T/x.prof" "$T/map" \
	"$T/n.log" "$T/n.prof" "$T/map" 2>&1) && bad="$bad mismatch-accepted"
grep -q "ran different benchmarks" <<<"$out" || bad="$bad mismatch:'$out'"
out=$(PROFILE=2 "$SRC/scripts/rig/bench-native.sh" 2>&1); rc=$?
[ $rc = 64 ] && grep -q "PROFILE must be 0 or 1" <<<"$out" || bad="$bad profile=2:$rc"
if [ -z "$bad" ]; then
	ok insnprof
else
	ko insnprof "$bad"
fi

# bench PROFILE=1: bench-profile.py splits a timed pass's instructions per operation into Xen,
# the guest kernel, user space and dom0 by address, per guest (32- and 64-bit; the plugin's one
# address for 64-bit user space, 0x100000000, is dom0's), names the functions, and refuses a
# profile whose windows do not match the passes the consoles report
bad=
P=$T/prof
mkdir -p "$P"
printf 'ffff82d040200000 T xen_entry
ffff82d040200100 t bounce
' >"$P/xen.map"
printf 'c1000000 T entry_INT80_32
c1000100 T do_syscall
' >"$P/i386.map"
printf 'ffffffff81000000 T entry_SYSCALL_compat
' >"$P/x86_64.map"
printf '08049000 T main
0804a000 T syscall
' >"$P/bench.map"
printf 'BENCH null iterations=10 ns_per_op=5
' >"$P/i386-console.log"
printf 'BENCH null iterations=10 ns_per_op=6
' >"$P/x86_64-console.log"
printf 'W 1
c1000000 99
W 2
ffff82d040200000 30
c1000000 50
c1000104 20
8049000 10
ffffffff81000000 5
100000000 7
W 3
8049000 7
W 4
ffff82d040200104 40
ffffffff81000000 60
804a000 10
f7ff0000 3
W 5
8049000 1
' >"$P/profile.raw"
args=(--prof "$P/profile.raw" --logdir "$P" --tags "i386 x86_64" --map "xen=$P/xen.map"
	--map "bench=$P/bench.map" --map "i386=$P/i386.map" --map "x86_64=$P/x86_64.map")
out=$(python3 "$SRC/scripts/rig/bench-profile.py" "${args[@]}" 2>&1) || bad="$bad rc:'$out'"
grep -qE '^  i386 +12\.2   xen 3\.0  kernel 7\.0  user 1\.0  dom0 1\.2$' <<<"$out" || bad="$bad i386:'$out'"
grep -qE '^ +0\.7  dom0:\[64-bit user space\]$' <<<"$out" || bad="$bad user64"
grep -qE '^ +5\.0  kernel:entry_INT80_32$' <<<"$out" || bad="$bad i386-top"
grep -qE '^  x86_64 +11\.3   xen 4\.0  kernel 6\.0  user 1\.3  dom0 0\.0$' <<<"$out" || bad="$bad x86_64"
grep -qE '^ +4\.0  xen:bounce$' <<<"$out" || bad="$bad xen-sym"
grep -qE '^ +0\.3  user:\?$' <<<"$out" || bad="$bad vdso-unnamed"
sed -i '/^W 5$/,$d' "$P/profile.raw"
out=$(python3 "$SRC/scripts/rig/bench-profile.py" "${args[@]}" 2>&1) && bad="$bad short-accepted"
grep -q "cannot be aligned" <<<"$out" || bad="$bad short:'$out'"
if [ -z "$bad" ]; then
	ok bench-profile
else
	ko bench-profile "$bad"
fi

# build-kernel.sh LINT= refuses a build directory whose thin archive lists a
# member that is gone (a failed lint run once deleted one, and the objects
# after it were then skipped as "not built here")
L=$T/lint
mkdir -p "$L/repo" "$L/src" "$L/out/sub"
cp -a "$SRC/scripts" "$L/repo/" && echo CONFIG_EXPERT=y >"$L/repo/Kconfig.xen" && : >"$L/src/Makefile" &&
	: >"$L/out/.config" && printf 'int a;\n' >"$L/a.c" && cc -c -o "$L/out/sub/a.o" "$L/a.c" &&
	cc -c -o "$L/out/sub/b.o" "$L/a.c" && (cd "$L/out" && ar rcT vmlinux.a sub/a.o sub/b.o) &&
	rm "$L/out/sub/a.o"
if out=$(LINT=sub/b.c "$L/repo/scripts/build-kernel.sh" native "$L/src" "$L/out" 2>&1); then
	ko lint-missing-member "accepted: $out"
elif grep -q "cannot list the objects linked in $L/out" <<<"$out"; then
	ok lint-missing-member
else
	ko lint-missing-member "$(tail -n 2 <<<"$out")"
fi

# check-bisect.sh refuses bad arguments before it touches a tree
bad=
out=$("$SRC/scripts/check-bisect.sh" --budget 10m 2>&1) && bad="$bad budget=0"
grep -q -- "--budget needs a number of seconds" <<<"$out" || bad="$bad budget:'$out'"
out=$("$SRC/scripts/check-bisect.sh" --resume arm 2>&1) && bad="$bad kind=0"
grep -q "usage: check-bisect.sh .*(not 'arm')" <<<"$out" || bad="$bad kind:'$out'"
# a tool that is missing is named with its package before anything runs (it once
# exited 127 without a word when sparse was missing): dpkg-query says sparse is not
# installed, and as a user the script cannot install it
mkdir -p "$T/nosparse"
printf '#!/bin/sh\nfor a; do :; done\n[ "$a" = sparse ] && exit 1\nexec /usr/bin/dpkg-query "$@"\n' >"$T/nosparse/dpkg-query"
printf '#!/bin/sh\necho 1000\n' >"$T/nosparse/id"
chmod +x "$T/nosparse/dpkg-query" "$T/nosparse/id"
out=$(PATH=$T/nosparse:$PATH "$SRC/scripts/check-bisect.sh" --status 2>&1) && bad="$bad nosparse=0"
grep -q "missing packages: sparse; run as root" <<<"$out" || bad="$bad nosparse:'$out'"
# and without an export, it says so (it once ended silently, ls failing in a pipeline)
out=$(BUILD=$T/nobuild "$SRC/scripts/check-bisect.sh" --status 2>&1) && bad="$bad noexport=0"
grep -q "no export: run 'make export' first" <<<"$out" || bad="$bad noexport:'$out'"
if [ -z "$bad" ]; then
	ok check-bisect-refuses
else
	ko check-bisect-refuses "not refused:$bad"
fi

# deb.sh takes 'distro' or nothing, and says so before it installs or builds anything
out=$("$SRC/scripts/deb.sh" cloud 2>&1)
rc=$?
if [ $rc != 0 ] && grep -q "usage: deb.sh \[distro\]" <<<"$out"; then
	ok deb-refuses
else
	ko deb-refuses "status $rc: $out"
fi

# check-lib.sh's records: a phase that passed is recorded under the checkout's key and not
# run again; a failed one is not recorded; a change to a keyed file makes the records stale;
# uncommitted changes switch them off; RECORDS=0 ignores them
C=$T/records
mkdir -p "$C/repo/scripts" "$C/repo/patches" && cp "$SRC/scripts/lib.sh" "$SRC/scripts/check-lib.sh" "$C/repo/scripts/" &&
	echo a.patch >"$C/repo/series" && : >"$C/repo/patches/a.patch" &&
	cat >"$C/repo/scripts/run.sh" <<'RUN' &&
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/check-lib.sh"
check_begin rec
check_records "$REPO/scripts/rec.record"
phase good sh -c 'echo ran >>"$0"' "$BUILD/good.ran"
phase bad false
check_end
RUN
	git -C "$C/repo" init -q && git -C "$C/repo" add -A &&
	git -C "$C/repo" -c user.name=t -c user.email=t@t commit -qm t
rr() { LINUX_SRC_PKGVER=1 RIG=$C/rig bash "$C/repo/scripts/run.sh" 2>&1; }
runs() { cat "$C/repo/build/good.ran" 2>/dev/null | wc -l; }
bad=
rr >/dev/null; out=$(rr)
[ "$(runs)" = 1 ] || bad="$bad rerun:$(runs)"
grep -q "good .*PASS (recorded" <<<"$out" || bad="$bad not-reported:'$out'"
grep -q "1 passed, 1 failed (1 of the passes recorded by earlier runs)" <<<"$out" || bad="$bad summary"
grep -q " rec/bad " "$C/repo/scripts/rec.record" && bad="$bad failure-recorded"
echo x >"$C/repo/patches/a.patch"
out=$(rr)
grep -q "records: not used (uncommitted changes" <<<"$out" || bad="$bad dirty-used"
git -C "$C/repo" -c user.name=t -c user.email=t@t commit -qam u
rr >/dev/null
[ "$(runs)" = 3 ] || bad="$bad stale-reused"
RECORDS=0 rr >/dev/null
[ "$(runs)" = 4 ] || bad="$bad records=0-reused"
if [ -z "$bad" ]; then
	ok check-records
else
	ko check-records "$bad"
fi

# dom0-init's shim watcher (scripts/rig/README, "The stock host"): it kicks a shim whose guest
# is blocked, with its CPU time and console standing still, and no other (dom0's tools mocked:
# xl list gives the state and CPU time of the mode, xenstore-read a file for the console's tty)
mkdir -p "$T/sw"
cat >"$T/sw/xl" <<'Q'
#!/bin/sh
case $1 in
domid) echo 7; exit 0 ;;
list) ;;
*) exit 1 ;;
esac
n=$(cat "$SW/calls" 2>/dev/null || echo 0)
echo $((n + 1)) >"$SW/calls"
case $SW_MODE in
hung | console) st=-b---- cpu=26.0 ;;
alive) st=-b---- cpu=$((26 + n)).0 ;;
running) st=r----- cpu=26.0 ;;
esac
printf 'Name ID Mem VCPUs State Time(s)\ng 7 512 2 %s %s\n' "$st" "$cpu"
[ "$SW_MODE" != console ] || echo "line $n" >>"$SW/console"
Q
printf '#!/bin/sh\necho "$SW/tty"\n' >"$T/sw/xenstore-read"
chmod +x "$T/sw/xl" "$T/sw/xenstore-read"
sed -n '/^console_tty() {/,/^}/p; /^shim_watch() {/,/^}/p' "$SRC/scripts/rig/dom0-init" >"$T/sw/watch.sh"
sw() { # sw MODE: the watcher for 5 s (a kick after 2 s of quiet, a look every second)
	local d=$T/sw/$1
	mkdir -p "$d"
	: >"$d/console" && : >"$d/tty"
	(
		export SW=$d SW_MODE=$1 PATH=$T/sw:$PATH
		say() { echo "RIG: $*"; }
		GUEST_NAME=g CONSOLE=$d/console SHIM_KICK_AFTER=2 SHIM_WATCH_EVERY=1
		cd "$d" && . "$T/sw/watch.sh"
		shim_watch >"$d/out" 2>&1 &
		sleep 5
		kill $!
	)
	echo "$1:$(grep -c 'kick [0-9]* (Ctrl-A' "$d/out"):$(od -An -c "$d/tty" | tr -d ' \n')"
}
got="$(sw hung & sw alive & sw console & sw running & wait)"
got=$(sort <<<"$got" | paste -sd' ' -)
# (each kick writes six Ctrl-As, od's 001)
if [[ $got =~ ^alive:0:\ console:0:\ hung:[12]:(001){6,12}\ running:0:$ ]]; then
	ok shim-watch
else
	ko shim-watch "kicks:bytes per mode: $got (expected hung: 1 or 2 kicks of six Ctrl-A, none for the others)"
fi

echo "tooling: $pass passed, $fail failed"
[ $fail = 0 ]
