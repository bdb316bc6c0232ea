#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""make bench's report (called by scripts/rig/bench.sh): reads the Xen run's serial log (the
guests' "BENCH name iterations=N ns_per_op=X" lines, tagged "[bench:TAG]" by dom0, and dom0's
"RIG: PERF TAG NAME counter=N ..." lines) and bench-native.sh's JSON, and writes
OUTDIR/bench.txt (the tables, also printed), OUTDIR/bench.json and OUTDIR/bench.png
(gnuplot)."""
import argparse
import json
import math
import os
import re
import subprocess
import sys

ap = argparse.ArgumentParser()
ap.add_argument("--serial", required=True)
ap.add_argument("--tags", required=True)
ap.add_argument("--native")
ap.add_argument("--outdir", required=True)
ap.add_argument("--logdir", required=True)
ap.add_argument("--qemu", default="")
ap.add_argument("--icount", default="")
ap.add_argument("--mem", default="")
ap.add_argument("--scale", default="1")
ap.add_argument("--xen", default="")
a = ap.parse_args()
tags = a.tags.split()

# the hypercall counts shown, and where they come from: hc.NAME is Xen's per-hypercall array
# (hypercalls made by the guest directly); the others are Xen's counters of those names
COUNTERS = [
	("mmu_update", "hc.mmu_update"),
	("update_va", "hc.update_va_mapping"),
	("mmuext_op", "hc.mmuext_op"),
	("multicall", "hc.multicall"),
	("mc_entries", "calls_from_multicall"),
	("iret", "hc.iret"),
	("stack_sw", "hc.stack_switch"),
	("fpu_tsw", "hc.fpu_taskswitch"),
	("evtchn_op", "hc.event_channel_op"),
	("direct", "hypercalls"),
]

strip = re.compile(r"^\s*[0-9]+\.[0-9]+ ")
bench_re = re.compile(r"^\[bench:(\S+)\] BENCH (\S+) iterations=(\d+) ns_per_op=([0-9.]+)\s*$")
info_re = re.compile(r"^\[bench:(\S+)\] BENCH-INFO (.*?)\s*$")
perf_re = re.compile(r"^RIG: PERF (\S+) (\S+)((?: \S+=\d+)*) \(uptime [0-9.]+\)\s*$")
res = {t: {} for t in tags}
info = {t: [] for t in tags}
perf = {t: {} for t in tags}
for line in open(a.serial, errors="replace"):
	line = strip.sub("", line.rstrip("\r\n"))
	m = bench_re.match(line)
	if m and m.group(1) in res:
		res[m.group(1)][m.group(2)] = (int(m.group(3)), float(m.group(4)))
		continue
	m = info_re.match(line)
	if m and m.group(1) in info:
		info[m.group(1)].append(m.group(2))
		continue
	m = perf_re.match(line)
	if m and m.group(1) in perf:
		perf[m.group(1)][m.group(2)] = {k: int(v) for k, v in
						 (kv.split("=", 1) for kv in m.group(3).split())}

native = None
if a.native:
	native = json.load(open(a.native))
	res["native-xxl"] = {r["name"]: (r["iterations"], r["ns_per_op_xxl"]) for r in native["results"]}
	res["native"] = {r["name"]: (r["iterations"], r["ns_per_op_native"]) for r in native["results"]}

kinds = tags + (["native-xxl", "native"] if native else [])
LABEL = {"i386": "i386 PV", "i386-before": "i386 before", "x86_64": "x86_64 PV", "i386-nolazy": "i386 nolazy",
	 "x86_64-nolazy": "x86_64 nolazy", "native-xxl": "native XXL", "native": "native"}
names = [n for n in res[tags[0]] if all(n in res[k] for k in kinds)]
left_out = sorted({n for k in kinds for n in res[k]} - set(names))
if not names:
	sys.exit("bench-report: error: no benchmark ran on every kernel")

def geo(vals):
	return math.exp(sum(math.log(v) for v in vals) / len(vals))

out = []
def p(s=""):
	out.append(s)

p("Cost per operation: virtual ns = guest instructions executed, Xen's and dom0's included")
p("(QEMU -icount shift=0,sleep=off); not wall time on real hardware")
p()
hdr = f"{'benchmark':<11} {'iters':>7}" + "".join(f" {LABEL.get(k, k):>13}" for k in kinds)
p(hdr)
for n in names:
	p(f"{n:<11} {res[tags[0]][n][0]:>7}" + "".join(f" {res[k][n][1]:>13.1f}" for k in kinds))
base = "native" if native else tags[0]
p(f"{'geomean/' + LABEL[base]:<19}" + "".join(
	f" {geo([res[k][n][1] / res[base][n][1] for n in names]):>12.3f}x" for k in kinds))
p()

ratios = []
if "i386-before" in tags:
	ratios.append(("i386 PV / i386 before", "i386", "i386-before"))
if "x86_64" in tags:
	ratios.append(("i386 PV / x86_64 PV", "i386", "x86_64"))
	if "i386-before" in tags:
		ratios.append(("i386 before / x86_64 PV", "i386-before", "x86_64"))
for g in ("i386", "x86_64"):
	if f"{g}-nolazy" in tags and g in tags:
		ratios.append((f"{g} nolazy / {g} PV", f"{g}-nolazy", g))
if native:
	ratios.append(("i386 PV / native XXL", "i386", "native-xxl"))
	ratios.append(("native XXL / native", "native-xxl", "native"))
p("Ratios (cost of the first over the second; below 1: the first is cheaper)")
p(f"{'benchmark':<11}" + "".join(f" {r[0]:>22}" for r in ratios))
for n in names:
	p(f"{n:<11}" + "".join(f" {res[x][n][1] / res[y][n][1]:>22.4f}" for _, x, y in ratios))
p(f"{'geomean':<11}" + "".join(
	f" {geo([res[x][n][1] / res[y][n][1] for n in names]):>22.4f}" for _, x, y in ratios))
p()

per_op = {}
for t in tags:
	per_op[t] = {}
	for n in names:
		c = perf[t].get(n)
		if c is None:
			continue
		it = res[t][n][0]
		per_op[t][n] = {label: c.get(key, 0) / it for label, key in COUNTERS}
		# every operation Xen did for the guest: the direct hypercalls, with each multicall
		# counted as the calls it carries
		per_op[t][n]["ops"] = (c.get("hypercalls", 0) - c.get("hc.multicall", 0) +
				       c.get("calls_from_multicall", 0)) / it
p("Hypercalls per operation (Xen's performance counters, reset after the warmup and read after")
p("the timed pass; system-wide, so dom0's few idle-time calls are in them too). The named")
p("columns count hypercalls made directly (a multicall once); mc_entries = the calls carried")
p("inside multicalls; direct = every direct hypercall; ops = direct - multicall + mc_entries,")
p("each operation Xen did once")
COLS = [label for label, _ in COUNTERS] + ["ops"]
for t in tags:
	p(f"-- {LABEL.get(t, t)}")
	p(f"{'benchmark':<11}" + "".join(f" {label:>10}" for label in COLS))
	for n in names:
		if n not in per_op[t]:
			p(f"{n:<11} (no counters)")
			continue
		p(f"{n:<11}" + "".join(f" {per_op[t][n][label]:>10.2f}" for label in COLS))
p()
if left_out:
	p(f"note: benchmarks left out (not run on every kernel): {' '.join(left_out)}")
method = (f"Method: one boot of Xen (PV32 build, {a.xen}) with Debian's amd64 dom0 in {a.qemu}, "
	  f"-machine pc -accel tcg -icount {a.icount} -smp 1 -cpu max,-smap -seed 1, RTC fixed at "
	  f"2025-01-01 (clock=vm); the guests ran one after the other with {a.mem} MiB and 1 vCPU, "
	  f"kernel command line \"console=hvc0 norandmaps bench_sync=xenstore bench_scale={a.scale}\" "
	  f"(+ xen_nolazy for the nolazy runs). /init is scripts/guest/bench.c (gcc -m32 -static "
	  f"-O2; the same 32-bit binary on every kernel, IA32 emulation on x86_64). Each benchmark "
	  f"runs a warmup of a tenth of its iterations, then the timed pass, timed with "
	  f"CLOCK_MONOTONIC; dom0 waits on xenstore watches during it (no polling). Native: "
	  f"bench-native.sh, the i386 kernel with and without PARAVIRT_XXL under qemu-system-i386 "
	  f"with the same icount, seed, RTC, memory and 1 CPU. Numbers repeat exactly for the same "
	  f"images; they count instructions, not cache, TLB or pipeline costs (a hypercall or trap "
	  f"costs its instructions only), so they compare path lengths, not real-hardware speed.")
p(method)
text = "\n".join(out) + "\n"
sys.stdout.write(text)
os.makedirs(a.outdir, exist_ok=True)
with open(os.path.join(a.outdir, "bench.txt"), "w") as f:
	f.write(text)

doc = {
	"method": method,
	"unit": "virtual ns per operation = guest instructions (icount shift=0), not wall time",
	"kernels": {k: LABEL.get(k, k) for k in kinds},
	"info": {t: info[t] for t in tags},
	"results": {n: {"iterations": res[tags[0]][n][0],
			"ns_per_op": {k: res[k][n][1] for k in kinds}} for n in names},
	"geomean_over_" + base: {k: geo([res[k][n][1] / res[base][n][1] for n in names]) for k in kinds},
	"ratios": {r[0]: {"per_benchmark": {n: res[r[1]][n][1] / res[r[2]][n][1] for n in names},
			  "geomean": geo([res[r[1]][n][1] / res[r[2]][n][1] for n in names])}
		   for r in ratios},
	"hypercalls_per_op": per_op,
	"xen_counters_raw": perf,
	"native": native,
	"logs": a.logdir,
}
with open(os.path.join(a.outdir, "bench.json"), "w") as f:
	json.dump(doc, f, indent=1)
	f.write("\n")

# the chart: cost over native (or over the first guest) per benchmark, one bar per kernel
# (log scale); below it, hypercalls per operation of each Xen guest (log scale)
dat = os.path.join(a.outdir, "bench-cost.dat")
with open(dat, "w") as f:
	f.write("benchmark " + " ".join(f'"{LABEL.get(k, k)}"' for k in kinds) + "\n")
	for n in names:
		f.write(n + " " + " ".join(f"{res[k][n][1] / res[base][n][1]:.5f}" for k in kinds) + "\n")
hdat = os.path.join(a.outdir, "bench-hypercalls.dat")
with open(hdat, "w") as f:
	f.write("benchmark " + " ".join(f'"{LABEL.get(t, t)}"' for t in tags) + "\n")
	for n in names:
		f.write(n + " " + " ".join(f"{max(per_op[t].get(n, {}).get('ops', 0), 0.01):.3f}"
					   for t in tags) + "\n")
png = os.path.join(a.outdir, "bench.png")
gp = f"""
set terminal pngcairo size 1400,1000 font ",11" noenhanced
set output "{png}"
set multiplot layout 2,1 title "xen-i386 make bench: instruction-counted cost (QEMU -icount), not wall time"
set style data histogram
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set key outside right top
set grid ytics
set logscale y
set xtics rotate by -30
set ylabel "cost / {LABEL[base]} (log)"
set title "Cost per operation relative to {LABEL[base]}"
set yrange [0.5:*]
plot for [i=2:{len(kinds) + 1}] "{dat}" using i:xtic(1) title columnheader(i)
set ylabel "hypercalls per operation (log)"
set yrange [0.5:*]
set title "Hypercall operations per benchmark operation (xenperf: direct hypercalls, a multicall counted as its entries)"
plot for [i=2:{len(tags) + 1}] "{hdat}" using i:xtic(1) title columnheader(i)
unset multiplot
"""
r = subprocess.run(["gnuplot"], input=gp, text=True, capture_output=True)
if r.returncode:
	sys.exit(f"bench-report: gnuplot failed: {r.stderr.strip()}")
print(f"\nbench: {os.path.join(a.outdir, 'bench.txt')}, {os.path.join(a.outdir, 'bench.json')}, {png}")
