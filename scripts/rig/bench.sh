#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Usage: scripts/rig/bench.sh   (make bench)
#   Performance side by side, in one run: the benchmark suite (scripts/guest/bench.c: null
#   syscall, getppid, fork, fork+exec, page faults, mmap, mprotect, pipe, signal, and the macro
#   job "unpack") on
#     i386          the 32-bit PAE PV guest from this series         (build/kernel-xen/vmlinux)
#     x86_64        an x86_64 PV guest from the same 6.12 tree: mainline's PV code, the anchor
#                   (build/kernel64/vmlinux), running the same 32-bit binary
#     i386-nolazy   the i386 guest booted with xen_nolazy: no lazy MMU/CPU batching
#   all in ONE boot of Xen + dom0 in qemu-system-x86_64, one guest after the other, with the
#   same memory and one vCPU each; dom0 resets and reads Xen's performance counters (xenperf)
#   around each timed pass (scripts/rig/dom0-bench; the guest waits for it through xenstore);
#   then, for reference, bench-native.sh boots the i386 kernel natively in qemu-system-i386
#   with and without PARAVIRT_XXL.
#   QEMU counts instructions (-icount shift=0,sleep=off, -smp 1, fixed RTC and seed): guest time
#   advances 1 ns per instruction executed, Xen's and dom0's included, so the numbers measure
#   path length, not wall time on real hardware, and repeat exactly for the same images.
#   Prints tables (cost per operation, the ratios, hypercalls per operation), writes JSON and a
#   PNG chart (gnuplot).
#   Env:  MEM (guest MiB, 512)  SCALE (iteration factor, 1)  TIMEOUT (s for the Xen boot, 5400)
#         NOLAZY (guests that also run with xen_nolazy: "i386" (default), "i386 x86_64", "")
#         NATIVE (1: also the native reference runs; 0: skip them)
#         I386_KERNEL, X86_64_KERNEL (ELF vmlinux; defaults above)
#         BEFORE_KERNEL (an i386 vmlinux to compare with, such as main's before a change to the
#           series: the guest "i386-before" in the same run, with its own column and ratio)
#         OUTDIR (build/bench: bench.json, bench.png, bench.txt)
#         RECORD=1: keep the run's figures as scripts/bench.record (commit it), the record
#           the exported cover letter quotes; the whole-scale run only (SCALE=1, NATIVE=1,
#           MEM=512, the tree's own kernels), from a checkout without uncommitted changes
#           (the record names the commit it measured)
#         PROFILE=1: also count every instruction of each timed pass by address (the QEMU
#           plugin scripts/rig/insnprof.c, windows at bench's bench_mark()) and name where
#           they go, per guest and benchmark: Xen's functions (xen-pv32-syms), the guest
#           kernel's (System.map beside each vmlinux), user space's (bench-profile.py;
#           $OUTDIR/profile.txt). The run takes longer; the counts are the same.
#   Exit: 0 when every guest and native boot ran its suite to the end (a benchmark, not a test:
#         no figure is judged); 1 otherwise, or when a kernel or tool is missing.
#   Logs: $RIG/logs/bench-<time>/ (serial.log with host timestamps, the guests' consoles, the
#         native runs' logs), also as bench-latest.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../lib.sh"       # RECORD_PATHS, tree_committed (RECORD=1)

I386=${I386_KERNEL:-$REPO/build/kernel-xen/vmlinux}
K64=${X86_64_KERNEL:-$REPO/build/kernel64/vmlinux}
MEM=${MEM:-512}
SCALE=${SCALE:-1}
TIMEOUT=${TIMEOUT:-5400}
NOLAZY=${NOLAZY-i386}
NATIVE=${NATIVE:-1}
PROFILE=${PROFILE:-0}
RECORD=${RECORD:-0}
OUTDIR=${OUTDIR:-$REPO/build/bench}
ICOUNT=shift=0,sleep=off

fail() {
	echo "bench: error: $*" >&2
	exit 1
}

[ $# = 0 ] || usage_error "usage: bench.sh (settings through the environment, see its header)"
[[ $MEM =~ ^[0-9]+$ && $TIMEOUT =~ ^[0-9]+$ ]] || usage_error "MEM and TIMEOUT must be numbers"
[[ $SCALE =~ ^[0-9]*\.?[0-9]+$ ]] || usage_error "SCALE must be a positive number"
[[ $NATIVE =~ ^[01]$ ]] || usage_error "NATIVE must be 0 or 1"
[[ $PROFILE =~ ^[01]$ ]] || usage_error "PROFILE must be 0 or 1"
[[ $RECORD =~ ^[01]$ ]] || usage_error "RECORD must be 0 or 1"
if [ "$RECORD" = 1 ]; then
	[ "$SCALE" = 1 ] && [ "$NATIVE" = 1 ] && [ "$MEM" = 512 ] ||
		usage_error "RECORD=1 keeps the whole-scale run only: SCALE=1 NATIVE=1 MEM=512 (not SCALE=$SCALE NATIVE=$NATIVE MEM=$MEM)"
	[ -z "${I386_KERNEL:-}${X86_64_KERNEL:-}" ] ||
		usage_error "RECORD=1 measures the tree's own kernels (make bench builds them): unset I386_KERNEL and X86_64_KERNEL"
	tree_committed ||
		usage_error "RECORD=1: commit first (the record names the commit it measured; uncommitted: $(git -C "$REPO" status --porcelain -- "${RECORD_PATHS[@]}" 2>/dev/null | wc -l) files)"
	RECORD_COMMIT=$(git -C "$REPO" rev-parse --short=12 HEAD)
fi
for g in $NOLAZY; do
	case $g in i386 | x86_64) ;; *) usage_error "NOLAZY names i386 and/or x86_64, not '$g'" ;; esac
done
BEFORE=${BEFORE_KERNEL:-}
for k in "$I386:32:make kernel" "$K64:64:make kernel64" ${BEFORE:+"$BEFORE:32:BEFORE_KERNEL"}; do
	IFS=: read -r f bits how <<<"$k"
	[ -f "$f" ] || fail "kernel $f is missing ($how builds it)"
	[ "$(readelf -h "$f" 2>/dev/null | sed -n 's/^ *Class: *//p')" = "ELF$bits" ] ||
		fail "$f is not an ELF$bits vmlinux"
done
for t in qemu-system-x86_64 gnuplot python3 objcopy; do
	command -v "$t" >/dev/null || fail "$t not found (make deps installs it)"
done
need_rig "$OUT/xen-pv32" "$OUT/vmlinuz-debian" "$OUT/dom0.cpio.gz"

"$RIG_SCRIPTS/mk-bench-initramfs.sh"
new_logdir bench
SERIAL=$LOGDIR/serial.log
T0=$(date +%s)

# --- the payload: /guest/info (BENCH=1), /guest/bench/{list,TAG.cfg,kernels,bench.cpio.gz} --
P=$LOGDIR/payload
mkdir -p "$P/guest/bench"
objcopy --strip-debug "$I386" "$P/guest/bench/i386"
objcopy --strip-debug "$K64" "$P/guest/bench/x86_64"
[ -z "$BEFORE" ] || objcopy --strip-debug "$BEFORE" "$P/guest/bench/i386-before"
cp "$OUT/bench.cpio.gz" "$P/guest/bench/bench.cpio.gz"
cp "$OUT/bench.cpio.gz" "$LOGDIR/bench.cpio.gz"
TAGS="i386${BEFORE:+ i386-before} x86_64"
for g in $NOLAZY; do TAGS="$TAGS $g-nolazy"; done
PLUGIN=() MAPS=()
if [ "$PROFILE" = 1 ]; then
	MARK=$(insnprof_mark) || fail "PROFILE=1: the instruction profiler cannot be used (above)"
	[ -f "$OUT/xen-pv32-syms" ] || fail "PROFILE=1: no $OUT/xen-pv32-syms (make rig)"
	nm "$OUT/xen-pv32-syms" > "$LOGDIR/xen.map"
	nm "$OUT/bench" > "$LOGDIR/bench.map"
	MAPS=(--map "xen=$LOGDIR/xen.map" --map "bench=$LOGDIR/bench.map")
	for k in "i386:$I386" "x86_64:$K64" ${BEFORE:+"i386-before:$BEFORE"}; do
		map=$(dirname "${k#*:}")/System.map
		[ -f "$map" ] || fail "PROFILE=1: no System.map beside ${k#*:}"
		cp "$map" "$LOGDIR/System.map-${k%%:*}"
		MAPS+=(--map "${k%%:*}=$LOGDIR/System.map-${k%%:*}")
	done
	PLUGIN=(-plugin "$OUT/insnprof.so,mark=$MARK,out=$LOGDIR/profile.raw")
fi
for tag in $TAGS; do
	kernel=${tag%-nolazy}
	extra="console=hvc0 norandmaps bench_sync=xenstore bench_scale=$SCALE"
	[ "$tag" = "$kernel" ] || extra="$extra xen_nolazy"
	cat > "$P/guest/bench/$tag.cfg" <<-CFG
	name = "$tag"
	type = "pv"
	kernel = "/guest/bench/$kernel"
	ramdisk = "/guest/bench/bench.cpio.gz"
	extra = "$extra"
	memory = $MEM
	vcpus = 1
	on_poweroff = "destroy"
	on_reboot = "destroy"
	on_crash = "preserve"
	CFG
	echo "$tag" >> "$P/guest/bench/list"
done
printf 'GUEST_NAME=bench\nGUEST_BITS=32\nBENCH=1\n' > "$P/guest/info"
(cd "$P" && find guest | cpio -o -H newc --quiet -R 0:0) > "$LOGDIR/payload.cpio"
cat "$OUT/dom0.cpio.gz" "$LOGDIR/payload.cpio" > "$LOGDIR/initrd.img"
rm -rf "$P" "$LOGDIR/payload.cpio"

QEMU_VERSION=$(qemu-system-x86_64 --version | head -n 1)
XENARGS="$(xen_cmdline 1)"
DOM0="$OUT/vmlinuz-debian console=hvc0 earlyprintk=xen loglevel=4"
INITRD="${DOM0//,/,,},${LOGDIR//,/,,}/initrd.img"
echo "bench: $QEMU_VERSION, -icount $ICOUNT -smp 1; guests: $TAGS ($MEM MiB, 1 vCPU, bench_scale=$SCALE); logs in $LOGDIR"
rc=0
# shellcheck disable=SC2054 # the commas are QEMU option syntax
run_qemu "$SERIAL" "$TIMEOUT" '^RIG: DONE' \
	qemu-system-x86_64 -machine pc -accel tcg -icount "$ICOUNT" -cpu max,-smap -smp 1 -m 2048 \
	-seed 1 -rtc base=2025-01-01T00:00:00,clock=vm \
	-display none -monitor none -serial stdio -nic none -no-reboot "${PLUGIN[@]}" \
	-kernel "$OUT/xen-pv32" -append "$XENARGS" -initrd "$INITRD" || rc=$?
rm -f "$LOGDIR/initrd.img"
echo "bench: Xen run took $(( $(date +%s) - T0 ))s (log: $SERIAL)"
qemu_outcome "$rc" "$SERIAL" 'Kernel panic|Panic on CPU|Dom0 crashed|FATAL PAGE FAULT' "dom0 said DONE"
[ -z "$REASON" ] || { show_tail "$SERIAL"; fail "the Xen run: $REASON"; }
for tag in $TAGS; do
	sed -n "s/^ *[0-9.]* \[bench:$tag\] //p" "$SERIAL" > "$LOGDIR/$tag-console.log"
done
ok=1
for tag in $TAGS; do
	grep -q "RIG: PASS bench-$tag:" "$SERIAL" || ok=0
done
if [ $ok = 0 ]; then
	echo "bench: not every guest ran its suite to the end; dom0 said:" >&2
	grep -E "RIG: (FAIL|PASS)" "$SERIAL" >&2 || echo "  (nothing: see $SERIAL)" >&2
fi

NJSON=
if [ "$NATIVE" = 1 ]; then
	NJSON=$LOGDIR/native.json
	SMP=1 MEM=$MEM SCALE=$SCALE JSON=$NJSON "$RIG_SCRIPTS/bench-native.sh" > "$LOGDIR/native.txt" 2>&1 ||
		{ tail -n 20 "$LOGDIR/native.txt" >&2; fail "the native runs failed (log: $LOGDIR/native.txt)"; }
	echo "bench: native runs done (log: $LOGDIR/native.txt)"
fi

mkdir -p "$OUTDIR"
python3 "$RIG_SCRIPTS/bench-report.py" --serial "$SERIAL" --tags "$TAGS" ${NJSON:+--native "$NJSON"} \
	--outdir "$OUTDIR" --logdir "$LOGDIR" --qemu "$QEMU_VERSION" --icount "$ICOUNT" --mem "$MEM" \
	--scale "$SCALE" --xen "$XENARGS" | tee "$LOGDIR/report.txt"
cp "$OUTDIR/bench.json" "$OUTDIR/bench.png" "$LOGDIR/" 2>/dev/null || true
if [ "$PROFILE" = 1 ]; then
	python3 "$RIG_SCRIPTS/bench-profile.py" --prof "$LOGDIR/profile.raw" --logdir "$LOGDIR" \
		--tags "$TAGS" "${MAPS[@]}" > "$OUTDIR/profile.txt" ||
		fail "PROFILE=1: bench-profile.py failed (profile: $LOGDIR/profile.raw)"
	cp "$OUTDIR/profile.txt" "$LOGDIR/"
	echo "bench: where the instructions go: $OUTDIR/profile.txt"
fi
[ $ok = 1 ] || fail "not every guest ran its suite to the end (RIG: FAIL lines above; log: $SERIAL)"
if [ "$RECORD" = 1 ]; then
	banners=()
	for k in "i386:$I386" "x86_64:$K64" ${BEFORE:+"i386-before:$BEFORE"}; do
		# the banner of a reproducible build (no build number, no date) is the same for
		# every kernel of one version: the ELF build ID tells the images apart
		bid=$(LC_ALL=C readelf -n "${k#*:}" 2>/dev/null | sed -n 's/^ *Build ID: *//p' | head -n 1 || true)
		banners+=("${k%%:*}=$(grep -a -m 1 -o 'Linux version [[:print:]]*' "${k#*:}" || echo unknown)${bid:+ (build ID $bid)}")
	done
	python3 - "$OUTDIR/bench.json" "$REPO/scripts/bench.record" "$RECORD_COMMIT" \
		"$(date -u +%Y-%m-%d)" "${banners[@]}" <<-'PY'
	import json, sys
	src, dst, commit, date = sys.argv[1:5]
	doc = json.load(open(src))
	doc.pop("logs", None)
	doc["recorded"] = {"commit": commit, "date": date,
			   "kernels": dict(b.split("=", 1) for b in sys.argv[5:])}
	with open(dst, "w") as f:
	    json.dump(doc, f, indent=1)
	    f.write("\n")
	PY
	echo "bench: recorded in scripts/bench.record (commit $RECORD_COMMIT): commit it"
fi
