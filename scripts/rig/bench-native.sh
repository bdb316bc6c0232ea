#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Usage: scripts/rig/bench-native.sh [XXL_KERNEL [NATIVE_KERNEL]]   (make bench-native)
#   The cost of PARAVIRT_XXL on bare metal: boots two i386 bzImages natively in
#   qemu-system-i386 with the benchmark initramfs ($RIG/out/bench.cpio.gz, /init =
#   scripts/guest/bench.c) and compares their per-operation times.
#     XXL_KERNEL     default build/kernel-native-xxl/arch/x86/boot/bzImage  (PARAVIRT_XXL)
#     NATIVE_KERNEL  default build/kernel-native/arch/x86/boot/bzImage      (without)
#   The two default kernels have the same configuration but for PARAVIRT_XXL (and its
#   boot-time self-test), so the ratio is the cost of PARAVIRT_XXL alone. Passing
#   build/kernel-xen's image as XXL_KERNEL measures the domU kernel instead, which also
#   has CONFIG_XEN and what it selects (MMU notifiers, PM sleep, PVHVM, Xen drivers).
#   QEMU counts instructions (-icount shift=0,sleep=off: 1 ns of guest time per instruction,
#   idle time skipped), with a fixed RTC and seed, so a run repeats its numbers exactly: they
#   measure instruction path length, not wall time on real hardware.
#   Prints a table (ns/op of each kernel, ratio XXL/native), the geometric mean of the ratios
#   over the target set (issue 3's suite: null, fork, forkexec, pagefault, mmap, pipe, signal)
#   against the target (overhead at most 1%, stretch 0.5%), the geometric mean over every
#   benchmark run (the suite has more: null-int80, getppid, mprotect, unpack), and writes the
#   results as JSON.
#   Env:  SMP (2)  MEM (MiB, 1024)  TIMEOUT (s per boot, 300)  SCALE (iteration factor, 1)
#         REPEAT (boots per kernel, 1; more reports how far repeats differ)
#         ICOUNT (-icount, shift=0,sleep=off)  QCPU (-cpu, default QEMU's)
#         APPEND (extra kernel command line)  JSON (build/bench/native.json)
#         PROFILE=1: also count the instructions of each timed pass per kernel function
#         (the QEMU plugin scripts/rig/insnprof.c; needs the kernels' System.map beside
#         their build trees) and print where the two kernels differ, per benchmark
#         (insnprof-report.py; also $LOGDIR/profile.txt). Best with SMP=1.
#   Exit: 0 when every boot ended its suite (met target or not: this is a benchmark, not a
#         test); 1 when a kernel is missing, a boot failed or a suite did not finish.
#   Logs: $RIG/logs/bench-native-<time>/{xxl,native}-<n>.log (host timestamps), the kernels
#         measured (copied there), also as bench-native-latest.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

XXL=${1:-$REPO/build/kernel-native-xxl/arch/x86/boot/bzImage}
NATIVE=${2:-$REPO/build/kernel-native/arch/x86/boot/bzImage}
SMP=${SMP:-2}
MEM=${MEM:-1024}
TIMEOUT=${TIMEOUT:-300}
SCALE=${SCALE:-1}
REPEAT=${REPEAT:-1}
ICOUNT=${ICOUNT:-shift=0,sleep=off}
JSON=${JSON:-$REPO/build/bench/native.json}
TARGET=1.0	# percent, geometric mean of XXL/native
STRETCH=0.5

fail() {
	echo "bench-native: error: $*" >&2
	exit 1
}

[ $# -le 2 ] || usage_error "usage: bench-native.sh [XXL_KERNEL [NATIVE_KERNEL]]"
[[ $SMP =~ ^[0-9]+$ && $MEM =~ ^[0-9]+$ && $TIMEOUT =~ ^[0-9]+$ && $REPEAT =~ ^[1-9][0-9]*$ ]] ||
	usage_error "SMP, MEM, TIMEOUT and REPEAT must be numbers"
[[ $SCALE =~ ^[0-9]*\.?[0-9]+$ ]] || usage_error "SCALE must be a positive number"
PROFILE=${PROFILE:-0}
[[ $PROFILE =~ ^[01]$ ]] || usage_error "PROFILE must be 0 or 1"
for k in "$XXL" "$NATIVE"; do
	[ -f "$k" ] || fail "kernel $k is missing (make kernel-native-xxl / make kernel-native build them)"
	[ "$(dd if="$k" bs=1 skip=514 count=4 2>/dev/null)" = HdrS ] ||
		fail "$k is not a bzImage (no HdrS boot header)"
done
command -v qemu-system-i386 >/dev/null || fail "qemu-system-i386 not found (make deps)"

"$RIG_SCRIPTS/mk-bench-initramfs.sh"
new_logdir bench-native
# the exact images measured (a build may replace the originals meanwhile)
cp "$XXL" "$LOGDIR/bzImage-xxl"
cp "$NATIVE" "$LOGDIR/bzImage-native"
cp "$OUT/bench.cpio.gz" "$LOGDIR/bench.cpio.gz"
if [ "$PROFILE" = 1 ]; then
	for kind in xxl native; do
		k=$XXL
		[ $kind = xxl ] || k=$NATIVE
		map=$(dirname "$k")/../../../System.map
		[ -f "$map" ] || fail "PROFILE=1: no System.map beside $k"
		cp "$map" "$LOGDIR/System.map-$kind"
	done
	MARK=$(insnprof_mark) || fail "PROFILE=1: the instruction profiler cannot be used (above)"
fi
QEMU_VERSION=$(qemu-system-i386 --version | head -n 1)
CMDLINE="console=ttyS0 panic=-1 norandmaps bench_scale=$SCALE ${APPEND:-}"
# shellcheck disable=SC2054 # the commas are QEMU option syntax
QEMU_ARGS=(-machine pc -accel tcg -icount "$ICOUNT" ${QCPU:+-cpu "$QCPU"} -smp "$SMP" -m "$MEM"
	-seed 1 -rtc base=2025-01-01T00:00:00,clock=vm
	-display none -monitor none -serial stdio -nic none -no-reboot)
echo "bench-native: $QEMU_VERSION; -icount $ICOUNT -smp $SMP -m $MEM; logs in $LOGDIR"
echo "bench-native: XXL    $XXL"
echo "bench-native: native $NATIVE"

LOGS=()
for r in $(seq 1 "$REPEAT"); do
	for kind in xxl native; do
		log=$LOGDIR/$kind-$r.log
		t0=$(date +%s)
		rc=0
		plugin=()
		[ "$PROFILE" = 0 ] ||
			plugin=(-plugin "$OUT/insnprof.so,mark=$MARK,out=$LOGDIR/$kind-$r.prof")
		run_qemu "$log" "$TIMEOUT" '^BENCH-(DONE|FAILED)$' qemu-system-i386 "${QEMU_ARGS[@]}" \
			"${plugin[@]}" \
			-kernel "$LOGDIR/bzImage-$kind" -initrd "$LOGDIR/bench.cpio.gz" \
			-append "$CMDLINE" || rc=$?
		echo "bench-native: $kind run $r: QEMU ran $(( $(date +%s) - t0 ))s (log: $log)"
		qemu_outcome "$rc" "$log" 'Kernel panic' "BENCH-DONE"
		[ -z "$REASON" ] || fail "$kind run $r: $REASON"
		lines=$(check_lines "$log")
		if ! grep -qx 'BENCH-DONE' <<<"$lines"; then
			show_tail "$log"
			fail "$kind run $r: the suite did not finish: $(grep -E '^BENCH-(ERROR|FAILED)' <<<"$lines" | paste -sd';' -)"
		fi
		LOGS+=("$kind:$log")
	done
done

mkdir -p "$(dirname "$JSON")"
python3 - "$JSON" "$TARGET" "$STRETCH" "$QEMU_VERSION" "$ICOUNT" "$SMP" "$MEM" "$SCALE" \
	"$CMDLINE" "$XXL" "$NATIVE" "$LOGDIR" "${LOGS[@]}" <<'EOF'
import json, math, re, sys

(json_path, target, stretch, qemu, icount, smp, mem, scale, cmdline, xxl, native,
 logdir) = sys.argv[1:13]
target, stretch = float(target), float(stretch)
runs = {"xxl": [], "native": []}	# per kind: one {name: (iterations, ns)} per boot
info = {"xxl": [], "native": []}
strip = re.compile(r"^\s*[0-9]+\.[0-9]+ ")
for arg in sys.argv[13:]:
	kind, log = arg.split(":", 1)
	res, inf = {}, []
	for line in open(log, errors="replace"):
		line = strip.sub("", line.rstrip("\r\n"))
		m = re.match(r"^BENCH (\S+) iterations=(\d+) ns_per_op=([0-9.]+)$", line)
		if m:
			res[m.group(1)] = (int(m.group(2)), float(m.group(3)))
		elif line.startswith("BENCH-INFO "):
			inf.append(line[len("BENCH-INFO "):])
	runs[kind].append(res)
	info[kind].append(inf)

names = [n for n in runs["xxl"][0] if n in runs["native"][0]]
missing = sorted(set(runs["xxl"][0]) ^ set(runs["native"][0]))
if not names:
	sys.exit("bench-native: error: no benchmark ran on both kernels")

def mean(kind, n):
	v = [r[n][1] for r in runs[kind] if n in r]
	return sum(v) / len(v)

rows, spread = [], 0.0
for n in names:
	x, y = mean("xxl", n), mean("native", n)
	for kind, m in (("xxl", x), ("native", y)):
		for r in runs[kind]:
			if n in r and m:
				spread = max(spread, abs(r[n][1] / m - 1))
	rows.append({"name": n, "iterations": runs["xxl"][0][n][0], "ns_per_op_xxl": x,
		     "ns_per_op_native": y, "ratio": x / y})
# the target is on the suite issue 3 set it for: null syscall, fork+exit, fork+exec, page
# faults, mmap/munmap, pipe, signal; the other benchmarks are shown and have their own mean
TARGET_SET = ["null", "fork", "forkexec", "pagefault", "mmap", "pipe", "signal"]
def geomean(rs):
	return math.exp(sum(math.log(r["ratio"]) for r in rs) / len(rs)) if rs else float("nan")
target_rows = [r for r in rows if r["name"] in TARGET_SET]
geo = geomean(target_rows)
geo_all = geomean(rows)
over = (geo - 1) * 100
met = over <= target and len(target_rows) == len(TARGET_SET)

print()
print(f"{'benchmark':<12} {'iterations':>10} {'ns/op XXL':>12} {'ns/op native':>13} {'XXL/native':>10}")
for r in rows:
	mark = "" if r["name"] in TARGET_SET else "  (not in the target set)"
	print(f"{r['name']:<12} {r['iterations']:>10} {r['ns_per_op_xxl']:>12.2f} "
	      f"{r['ns_per_op_native']:>13.2f} {r['ratio']:>10.4f}{mark}")
print(f"{'geomean':<12} {'':>10} {'':>12} {'':>13} {geo:>10.4f}  (the target set: {len(target_rows)})")
print(f"{'geomean all':<12} {'':>10} {'':>12} {'':>13} {geo_all:>10.4f}  (all {len(rows)})")
print()
verdict = ("met" if met else "NOT met") + (
	f" (stretch target {stretch}% {'met' if over <= stretch else 'not met'})")
if len(target_rows) != len(TARGET_SET):
	verdict += " (not every benchmark of the target set ran)"
print(f"PARAVIRT_XXL overhead (geometric mean of the ratios over {', '.join(TARGET_SET)}): "
      f"{over:+.2f}%; target at most {target}%: {verdict}; over all {len(rows)} benchmarks: "
      f"{(geo_all - 1) * 100:+.2f}%")
if missing:
	print(f"note: benchmarks not run on both kernels, left out: {' '.join(missing)}")
reps = len(runs["xxl"])
if reps > 1:
	print(f"repeats: {reps} boots per kernel; the largest deviation of one boot from its mean "
	      f"is {spread * 100:.3f}%")
print()
print(f"Method: each kernel booted natively in {qemu}, -machine pc -accel tcg "
      f"-icount {icount} -smp {smp} -m {mem}, fixed RTC (2025-01-01, clock=vm) and -seed 1, "
      f"kernel command line \"{cmdline.strip()}\". /init is scripts/guest/bench.c "
      f"(gcc -m32 -static -O2); each benchmark runs a warmup pass of a tenth of its "
      f"iterations, then the timed pass (iteration counts above, bench_scale={scale}), timed "
      f"with clock_gettime(CLOCK_MONOTONIC). The ns are virtual, instruction-counted time "
      f"(shift=0: one ns per guest instruction, idle time skipped), not wall time: they "
      f"measure the instructions each operation executes, without cache, TLB or pipeline "
      f"costs, and repeat exactly for the same images. The ratio is XXL/native; the "
      f"geometric mean weighs every benchmark equally.")

doc = {
	"method": {"qemu": qemu, "machine": "pc", "accel": "tcg", "icount": icount,
		   "smp": int(smp), "mem_mib": int(mem), "rtc": "base=2025-01-01T00:00:00,clock=vm",
		   "seed": 1, "cmdline": cmdline.strip(), "bench_scale": float(scale),
		   "boots_per_kernel": reps, "warmup": "a tenth of the iterations, untimed",
		   "clock": "CLOCK_MONOTONIC",
		   "unit": "virtual ns = guest instructions (icount shift=0), not wall time"},
	"kernels": {"xxl": {"path": xxl, "info": info["xxl"][0]},
		    "native": {"path": native, "info": info["native"][0]}},
	"results": rows,
	"target_set": TARGET_SET,
	"geomean_ratio": geo,
	"geomean_ratio_all": geo_all,
	"overhead_percent": over,
	"target_percent": target,
	"target_met": met,
	"stretch_percent": stretch,
	"stretch_met": over <= stretch,
	"repeat_max_deviation": spread if reps > 1 else None,
	"boots": {k: [{n: ns for n, (_, ns) in r.items()} for r in runs[k]] for k in runs},
	"logs": logdir,
}
with open(json_path, "w") as f:
	json.dump(doc, f, indent=1)
	f.write("\n")
print(f"\nbench-native: results in {json_path}")
EOF
if [ "$PROFILE" = 1 ]; then
	echo
	python3 "$RIG_SCRIPTS/insnprof-report.py" \
		"$LOGDIR/xxl-1.log" "$LOGDIR/xxl-1.prof" "$LOGDIR/System.map-xxl" \
		"$LOGDIR/native-1.log" "$LOGDIR/native-1.prof" "$LOGDIR/System.map-native" |
		tee "$LOGDIR/profile.txt"
fi
