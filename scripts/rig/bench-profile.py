#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Where the instructions of each benchmark go under Xen (bench.sh PROFILE=1).

Usage: bench-profile.py --prof FILE --logdir DIR --tags "T1 T2 ..." --map NAME=FILE ...
                        [--top N] [--bench a,b,...]

PROF is the insnprof plugin's output for the whole Xen run (scripts/rig/insnprof.c): a window
each time bench's bench_mark() runs, which it does right before and right after each timed
pass. The guests ran one after the other in the order of --tags, each its suite in order, so
the j-th timed pass of the run (counted over all guests, from 0) is window 2j+2. DIR holds
each guest's console (TAG-console.log), whose "BENCH name iterations=N" lines say which
passes ran and how many operations each did.

The machine ran one CPU: a window holds every instruction executed during the pass, whoever
ran it. 64-bit user space (dom0's programs) is one address, 0x100000000, in the plugin's
counts. An address is Xen's from 0xffff800000000000, a 64-bit kernel's from
0xffffffff80000000 (the x86_64 guest's own while it runs; dom0's, which the pass leaves
alone, otherwise), a 32-bit guest kernel's from 0xc0000000 in an i386 guest, and user
space's below that (below 4 GiB in the x86_64 guest). --map gives the symbols (nm's format,
System.map's too): xen, bench (the benchmark binary), dom0, and one per guest tag whose
kernel is not that of its name without "-nolazy" (i386-nolazy uses i386's map).

For each benchmark: per guest, the instructions per operation of the timed pass, split into
Xen, the guest kernel, user space and dom0, then the functions with the most instructions
per operation.
"""
import argparse
import bisect
import re
import sys


class Symbols:
    def __init__(self, path):
        syms = []
        for line in open(path, errors="replace"):
            parts = line.split()
            if len(parts) >= 3 and parts[1] in "tTwW":
                try:
                    syms.append((int(parts[0], 16), parts[2]))
                except ValueError:
                    pass
        syms.sort()
        self.addrs = [a for a, _ in syms]
        self.names = [n for _, n in syms]

    def name(self, addr):
        """The symbol at or below ADDR; "?" below the first and far past the last (another
        mapping: the vDSO, for a user address beyond the benchmark binary)."""
        i = bisect.bisect_right(self.addrs, addr) - 1
        if i < 0 or (i == len(self.addrs) - 1 and addr - self.addrs[i] > 1 << 20):
            return "?"
        return self.names[i]


class Named:
    """A map of one name (the plugin folds 64-bit user space into one address)."""

    def __init__(self, name):
        self.label = name

    def name(self, addr):
        return self.label


USER64 = Named("[64-bit user space]")


def load_windows(path, wanted):
    """The windows of PROF whose numbers are in WANTED: {n: {addr: count}}; and the last."""
    windows, cur, last = {}, None, 0
    for line in open(path):
        if line.startswith("W "):
            last = int(line[2:])
            cur = windows.setdefault(last, {}) if last in wanted else None
        elif cur is not None:
            a, c = line.split()
            cur[int(a, 16)] = int(c)
    return windows, last


def load_bench(path):
    """The timed passes a guest's console reports: [(name, iterations)]."""
    out = []
    for line in open(path, errors="replace"):
        m = re.search(r"\bBENCH (\S+) iterations=(\d+)", line)
        if m:
            out.append((m.group(1), int(m.group(2))))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--prof", required=True)
    ap.add_argument("--logdir", required=True)
    ap.add_argument("--tags", required=True)
    ap.add_argument("--map", action="append", default=[])
    ap.add_argument("--top", type=int, default=8)
    ap.add_argument("--bench", default="")
    args = ap.parse_args()

    maps = {}
    for m in args.map:
        name, _, path = m.partition("=")
        maps[name] = Symbols(path)
    for need in ("xen", "bench"):
        if need not in maps:
            sys.exit(f"bench-profile: no --map {need}=FILE")
    tags = args.tags.split()
    passes = []  # (tag, bench, iterations, window)
    for tag in tags:
        for name, n in load_bench(f"{args.logdir}/{tag}-console.log"):
            passes.append((tag, name, n, 2 * len(passes) + 2))
    windows, last = load_windows(args.prof, {p[3] for p in passes})
    # two marks a pass, and the plugin's last window is written at QEMU's exit
    if last != 2 * len(passes) + 1:
        sys.exit(f"bench-profile: {args.prof} has {last} windows, the consoles report "
                 f"{len(passes)} timed passes (2 x {len(passes)} + 1 windows expected): a pass "
                 "that started without finishing cannot be aligned")
    only = [b for b in args.bench.split(",") if b]
    order = []
    for _, name, _, _ in passes:
        if name not in order and (not only or name in only):
            order.append(name)

    def where(tag, addr):
        """(part, symbols) of an address in the window of a pass of TAG."""
        kernel = tag[: -len("-nolazy")] if tag.endswith("-nolazy") else tag
        bits64 = kernel.startswith("x86_64")
        if 0xFFFF800000000000 <= addr < 0xFFFFFFFF80000000:
            return "xen", maps["xen"]
        if 0x100000000 <= addr < 0xFFFF800000000000:
            # 64-bit user space, one address in the plugin's counts: dom0's programs
            return "dom0", USER64

        if addr >= 0xFFFFFFFF80000000:
            return ("kernel", maps.get(kernel)) if bits64 else ("dom0", maps.get("dom0"))
        if not bits64 and addr >= 0xC0000000:
            return "kernel", maps.get(kernel)
        return "user", maps["bench"]

    for name in order:
        print(f"== {name}: instructions per operation of the timed pass")
        for tag, bname, n, w in passes:
            if bname != name:
                continue
            parts, funcs = {}, {}
            for addr, c in windows.get(w, {}).items():
                part, syms = where(tag, addr)
                parts[part] = parts.get(part, 0) + c
                fn = syms.name(addr) if syms else "?"
                key = f"{part}:{fn}"
                funcs[key] = funcs.get(key, 0) + c
            total = sum(parts.values())
            split = "  ".join(f"{p} {parts.get(p, 0) / n:.1f}"
                              for p in ("xen", "kernel", "user", "dom0"))
            print(f"  {tag:<14} {total / n:12.1f}   {split}")
            for key, c in sorted(funcs.items(), key=lambda kv: -kv[1])[: args.top]:
                print(f"      {c / n:12.1f}  {key}")
        print()


if __name__ == "__main__":
    main()
