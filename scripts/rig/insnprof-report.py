#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Where two kernels' instructions differ, per benchmark (bench-native.sh PROFILE=1).

Usage: insnprof-report.py [--top N] XXL.log XXL.prof XXL.map NATIVE.log NATIVE.prof NATIVE.map

LOG is the kernel's serial log (its BENCH lines name the benchmarks in the order they ran),
PROF the insnprof plugin's windows (window 2k+2 = the timed pass of the k-th benchmark),
MAP the kernel's System.map. For each benchmark: instructions per operation of each kernel
(kernel and user space apart), then the functions whose instructions per operation differ
most, with both counts and the difference.
"""
import bisect
import re
import sys


def load_map(path):
    syms = []
    for line in open(path):
        parts = line.split()
        if len(parts) >= 3 and parts[1] in "tTwW":
            syms.append((int(parts[0], 16), parts[2]))
    syms.sort()
    return [a for a, _ in syms], [n for _, n in syms]


def load_bench(path):
    names = []
    for line in open(path, errors="replace"):
        m = re.search(r"BENCH (\S+) iterations=(\d+) ns_per_op=([\d.]+)", line)
        if m:
            names.append((m.group(1), int(m.group(2)), float(m.group(3))))
    return names


def load_prof(path, addrs, names):
    """windows: number -> {function: count}"""
    windows = {}
    cur = None
    for line in open(path):
        if line.startswith("W "):
            cur = windows.setdefault(int(line[2:]), {})
            continue
        a, c = line.split()
        a = int(a, 16)
        if a < 0xC0000000:
            fn = "[user]"
        else:
            i = bisect.bisect_right(addrs, a) - 1
            fn = names[i] if i >= 0 else "[kernel?]"
        cur[fn] = cur.get(fn, 0) + int(c)
    return windows


def main(argv):
    top = 25
    if len(argv) > 2 and argv[1] == "--top":
        top = int(argv[2])
        argv = argv[2:]
    if len(argv) != 7:
        sys.exit(__doc__)
    kinds = []
    for log, prof, smap in (argv[1:4], argv[4:7]):
        addrs, names = load_map(smap)
        kinds.append((load_bench(log), load_prof(prof, addrs, names)))
    (bx, wx), (bn, wn) = kinds
    if [b[0] for b in bx] != [b[0] for b in bn]:
        sys.exit("insnprof-report: the two logs ran different benchmarks")
    for k, (name, iters, ns_x) in enumerate(bx):
        fx, fn = wx.get(2 * k + 2, {}), wn.get(2 * k + 2, {})
        ns_n = bn[k][2]

        def per_op(d, user):
            return sum(v for f, v in d.items() if (f == "[user]") == user) / iters

        print(f"== {name} (iterations={iters}; ns/op XXL {ns_x:.1f} native {ns_n:.1f}, "
              f"+{ns_x - ns_n:.1f})")
        print(f"   instructions/op in the window: XXL kernel {per_op(fx, False):.1f} "
              f"user {per_op(fx, True):.1f}; native kernel {per_op(fn, False):.1f} "
              f"user {per_op(fn, True):.1f}")
        diff = []
        for f in set(fx) | set(fn):
            x, n = fx.get(f, 0) / iters, fn.get(f, 0) / iters
            if abs(x - n) >= 0.005:
                diff.append((x - n, f, x, n))
        diff.sort(key=lambda d: -abs(d[0]))
        print(f"   {'function':40} {'XXL/op':>10} {'native/op':>10} {'diff':>9}")
        for d, f, x, n in diff[:top]:
            print(f"   {f[:40]:40} {x:10.2f} {n:10.2f} {d:+9.2f}")
        print()


if __name__ == "__main__":
    main(sys.argv)
