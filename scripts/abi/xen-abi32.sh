#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# scripts/abi/xen-abi32.sh [-v] [TREE]: check, field by field, that the 32-bit
# Xen structures in a kernel tree's headers have the layout of Xen's own public
# headers (Debian's libxen-dev). TREE defaults to build/linux-source-6.12.
#
# scripts/abi/xen-abi32.c is compiled with gcc -m32 twice, against
# TREE/arch/x86/include and TREE/include as an i386 kernel sees them (kshim.h
# stands in for the rest of the kernel) and against /usr/include/xen for
# __i386__; each compile turns the list in xen-abi32-fields.h into lines
# "struct.field offset size", "struct sizeof N" and "struct alignof N".
# The two lists must be identical. Each compile's debug information must also
# show no member of a listed structure that the list leaves out.
#
# Prints a "DIFF ..." line per difference and ends with
#   xen-abi32: N structures, M fields checked, K differences
# Exit 0 only when K is 0 (and N, M are not).
#
#   -v           also print the kernel side's layout, line by line
#   --self-test  prove that the check fails: run it on copies of the tree's
#                headers with one thing changed each (in a temporary overlay;
#                the tree is not touched) and expect the change to be named
#   --overlay D  (used by --self-test) headers under D/arch/x86/include and
#                D/include take precedence over the tree's
#
# Environment: XEN_INC (default /usr/include), XEN_INTERFACE_VERSION (default
# __XEN_LATEST_INTERFACE_VERSION__, what Linux guests are written against).
# Needs gcc with -m32 (gcc-multilib), binutils and libxen-dev; installs nothing.
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
export LC_ALL=C
# A step that fails unexpectedly says so, instead of a silent exit.
set -o errtrace
trap 'die "unexpected failure at line $LINENO: $BASH_COMMAND"' ERR

ABI=$REPO/scripts/abi
XEN_INC=${XEN_INC:-/usr/include}
XEN_IFV=${XEN_INTERFACE_VERSION:-__XEN_LATEST_INTERFACE_VERSION__}
verbose=0 selftest=0 overlay=
while [ $# -gt 0 ]; do
	case $1 in
	-v) verbose=1 ;;
	--self-test) selftest=1 ;;
	--overlay) overlay=${2:?--overlay needs a directory}; shift ;;
	-h | --help) sed -n '3,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
	-*) die "unknown option '$1' (-v, --self-test)" ;;
	*) TREE=$1 ;;
	esac
	shift
done

W=$(mktemp -d /tmp/xen-abi32.XXXXXX)
trap '[ -n "${KEEP:-}" ] && echo "kept: $W" >&2 || rm -rf "$W"' EXIT

# --- prerequisites: checked, never installed --------------------------------
need_cmd gcc gcc
need_cmd readelf binutils
for f in xen/xen.h xen/xen-compat.h xen/arch-x86/xen.h xen/arch-x86/xen-x86_32.h \
	xen/callback.h xen/vcpu.h; do
	[ -f "$XEN_INC/$f" ] ||
		die "$XEN_INC/$f not found: install Debian package 'libxen-dev' (scripts/deps.sh check does)"
done
printf '#include <stdint.h>\nuint64_t x;\n' >"$W/m32.c"
gcc -m32 -S -o /dev/null "$W/m32.c" 2>"$W/m32.err" ||
	die "gcc -m32 cannot compile ($(head -n 1 "$W/m32.err")): install Debian package 'gcc-multilib'"
for f in arch/x86/include/asm/xen/interface.h arch/x86/include/asm/xen/interface_32.h \
	include/xen/interface/xen.h include/xen/interface/callback.h \
	include/xen/interface/vcpu.h; do
	[ -f "$TREE/$f" ] || die "$TREE/$f not found: is $TREE a kernel tree ('make tree')?"
done

# --- one side: compile, then the layout lines and the debug info's members --

CFLAGS=(-m32 -std=gnu11 -Wall -g -gdwarf-4 -fno-eliminate-unused-debug-types)

# members OBJ: "struct path" for every member, at any depth, of each structure
# named on stdin, from OBJ's DWARF (typedefs and qualifiers followed; unnamed
# members entered without a name; arrays, pointers and guest handles, which
# Xen's headers wrap in a struct, not entered).
members() {
	local want
	want=$(tr '\n' ' ')
	readelf --debug-dump=info "$1" | awk -v want="$want" '
	function strip(t) {
		while (t in tag && (tag[t] == "typedef" || tag[t] == "const_type" ||
				    tag[t] == "volatile_type")) {
			# A guest handle is a pointer, which Xen wraps in a struct.
			if (tag[t] == "typedef" && name[t] ~ /^__guest_handle_/)
				return ""
			t = type[t]
		}
		return t
	}
	function walk(die, prefix, s,    n, k, i, c, p, t) {
		n = split(kids[die], k, " ")
		for (i = 1; i <= n; i++) {
			c = k[i]
			if (tag[c] != "member")
				continue
			p = prefix
			if (c in name) {
				p = prefix name[c]
				print s, p
				p = p "."
			}
			t = strip(type[c])
			if (tag[t] == "structure_type" || tag[t] == "union_type")
				walk(t, p, s)
		}
	}
	/^ *<[0-9]+><[0-9a-f]+>: Abbrev Number:/ {
		match($0, /<[0-9]+><[0-9a-f]+>/)
		split(substr($0, RSTART + 1, RLENGTH - 2), a, "><")
		if ($0 ~ /Abbrev Number: 0/) {
			cur = ""
			next
		}
		d = a[1] + 0
		cur = "0x" a[2]
		match($0, /\(DW_TAG_[a-z_]+\)/)
		tag[cur] = substr($0, RSTART + 8, RLENGTH - 9)
		depth[cur] = d
		last[d] = cur
		if (d > 0)
			kids[last[d - 1]] = kids[last[d - 1]] " " cur
		next
	}
	cur != "" && $2 == "DW_AT_name" { sub(/.*: /, ""); name[cur] = $0; next }
	cur != "" && $2 == "DW_AT_type" { gsub(/.*<|>.*/, ""); type[cur] = $0; next }
	cur != "" && $2 == "DW_AT_declaration" { decl[cur] = 1; next }
	END {
		n = split(want, w, " ")
		for (i = 1; i <= n; i++) {
			found = ""
			for (c in tag)
				if (tag[c] == "structure_type" && depth[c] == 1 &&
				    name[c] == w[i] && !(c in decl))
					found = c
			if (found == "")
				print w[i], "?"
			else
				walk(found, "", w[i])
		}
	}'
}

# compile NAME FLAGS...: xen-abi32.c to $W/NAME.s; fails if it does not compile.
compile() {
	local n=$1
	shift
	gcc "${CFLAGS[@]}" "$@" -S -o "$W/$n.s" "$ABI/xen-abi32.c" 2>"$W/$n.err"
}

# lists NAME: from $W/NAME.s, the layout lines, what the list names and the
# members the debug information shows.
lists() {
	local n=$1
	gcc -m32 -c -o "$W/$n.o" "$W/$n.s"
	sed -n 's/^[[:space:]]*\.ascii[[:space:]]*"->\(.*\)"$/\1/p' "$W/$n.s" >"$W/$n.all"
	grep -v '^= ' "$W/$n.all" >"$W/$n.layout" || true
	# What this side's list entries name, array indices dropped.
	sed -n 's/^= \([^ ]*\) \(.*\)$/\1 \2/p' "$W/$n.all" | sed 's/\[[^]]*\]//g' |
		sort -u >"$W/$n.listed"
	awk '$2 == "sizeof" { print $1 }' "$W/$n.layout" | members "$W/$n.o" |
		sort -u >"$W/$n.members"
}

# compile_errors NAME: one DIFF line per error, naming struct.member when gcc does.
compile_errors() {
	sed -n "s/.*error: 'struct \([a-z_0-9]*\)' has no member named '\([a-z_0-9]*\)'.*/DIFF \1.\2: not in the $1 headers/p" \
		"$W/$1.err" | sort -u
	grep 'error:' "$W/$1.err" | grep -v 'has no member named' |
		sed "s/^/DIFF $1 side does not compile: /" | sort -u || true
}

# --- the check ------------------------------------------------------------
check() {
	local kflags=(-nostdinc -DXEN_ABI32_KERNEL)
	local xflags=(-DXEN_ABI32_XEN "-D__XEN_INTERFACE_VERSION__=$XEN_IFV")
	local ok=1 n=0 m=0 k=0 s

	[ -z "$overlay" ] || kflags+=(-I"$overlay/arch/x86/include" -I"$overlay/include")
	kflags+=(-I"$TREE/arch/x86/include" -I"$TREE/include")
	[ "$XEN_INC" = /usr/include ] || xflags+=(-I"$XEN_INC")

	say "kernel: $TREE ($(tree_version "$TREE" 2>/dev/null || echo '?'))${overlay:+, overlay $overlay}"
	local xv=
	[ "$XEN_INC" != /usr/include ] ||
		xv="libxen-dev $(dpkg-query -W -f='${Version}' libxen-dev 2>/dev/null || echo '?'), "
	say "xen: $XEN_INC/xen (${xv}interface $XEN_IFV)"
	: >"$W/diff"
	compile kernel "${kflags[@]}" || { ok=0; compile_errors kernel >>"$W/diff"; }
	compile xen "${xflags[@]}" || { ok=0; compile_errors xen >>"$W/diff"; }
	if [ $ok = 0 ]; then
		# Nothing was compared: only the compile errors count.
		cat "$W/diff"
		k=$(wc -l <"$W/diff")
		[ "$k" -gt 0 ] || k=1
		printf 'xen-abi32: 0 structures, 0 fields checked, %d differences\n' "$k"
		exit 1
	fi
	for s in kernel xen; do
		if [ -s "$W/$s.err" ]; then sed "s/^/[$s side] /" "$W/$s.err" >&2; fi
		lists $s
	done

	# Same list on both sides, so line i is the same entry on both.
	[ "$(awk '{ print $1, $2 == "sizeof" || $2 == "alignof" ? $2 : "" }' "$W/kernel.layout")" = \
		"$(awk '{ print $1, $2 == "sizeof" || $2 == "alignof" ? $2 : "" }' "$W/xen.layout")" ] ||
		die "internal error: the two sides list different entries"
	paste -d ' ' "$W/kernel.layout" "$W/xen.layout" | awk '
		$2 == "sizeof" || $2 == "alignof" {
			if ($3 != $6)
				printf "DIFF %s %s: kernel %s, xen %s\n", $1, $2, $3, $6
			next
		}
		$2 != $5 || $3 != $6 {
			printf "DIFF %s: kernel offset %s size %s, xen offset %s size %s\n",
			       $1, $2, $3, $5, $6
		}' >"$W/diff"

	# Members the list leaves out (or structures the debug info lacks).
	for s in kernel xen; do
		awk -v s=$s '$2 == "?" { printf "DIFF %s: no such structure in the %s debug info\n", $1, s }' \
			"$W/$s.members"
		{ grep -v ' ?$' "$W/$s.members" || true; } | comm -23 - "$W/$s.listed" |
			awk -v s=$s '{ printf "DIFF %s.%s: member of the %s headers missing from xen-abi32-fields.h\n", $1, $2, s }'
	done >>"$W/diff"

	[ $verbose = 0 ] || awk '{ printf "  %-56s %s %s\n", $1, $2, $3 }' "$W/kernel.layout"
	cat "$W/diff"
	n=$(awk '$2 == "sizeof"' "$W/kernel.layout" | wc -l)
	m=$(awk '$1 ~ /\./' "$W/kernel.layout" | wc -l)
	k=$(wc -l <"$W/diff")
	printf 'xen-abi32: %d structures, %d fields checked, %d differences\n' "$n" "$m" "$k"
	if [ "$k" = 0 ] && [ "$n" -gt 0 ] && [ "$m" -gt 0 ]; then
		exit 0
	fi
	exit 1
}

# --- the self-test --------------------------------------------------------

# perturb NAME FILE SED EXPECT: copy the tree's FILE into an overlay, apply the
# sed expression, and expect the check to fail with a line matching EXPECT.
st_pass=0 st_fail=0
perturb() {
	local name=$1 file=$2 expr=$3 expect=$4 o=$W/st-$1 rc=0
	mkdir -p "$o/$(dirname "$file")"
	sed -e "$expr" "$TREE/$file" >"$o/$file"
	if cmp -s "$TREE/$file" "$o/$file"; then
		echo "FAIL $name: the edit of $file did not apply (has the header changed?)"
		st_fail=$((st_fail + 1))
		return
	fi
	# The file lives under arch/x86/include or include: the overlay root is $o.
	"$BASH" "$0" --overlay "$o" "$TREE" >"$W/st-$name.out" 2>&1 || rc=$?
	if [ $rc = 0 ]; then
		echo "FAIL $name: the check passed with $file changed ($expr)"
	elif grep -q "^xen-abi32: .*, 0 differences$" "$W/st-$name.out"; then
		echo "FAIL $name: exit $rc but 0 differences reported"
	elif ! grep -q -- "$expect" "$W/st-$name.out"; then
		echo "FAIL $name: no line matching '$expect'; the check said:"
		sed 's/^/    /' "$W/st-$name.out"
	elif grep -q -- "$expect" "$W/baseline.out"; then
		echo "FAIL $name: the unchanged tree already reports '$expect'"
	else
		echo "PASS $name: $(grep -m 1 -- "$expect" "$W/st-$name.out")"
		st_pass=$((st_pass + 1))
		return
	fi
	st_fail=$((st_fail + 1))
}

if [ $selftest = 1 ]; then
	I=arch/x86/include/asm/xen
	"$BASH" "$0" "$TREE" >"$W/baseline.out" 2>&1 || true
	say "self-test: the check on copies of $TREE's headers, one change each"
	# A 64-bit field where i386 has a long: everything after it moves.
	perturb type $I/interface_32.h 's/^\([[:space:]]*\)unsigned long cr2;/\1uint64_t cr2;/' \
		'^DIFF arch_vcpu_info\.pad: kernel offset 8 size 20, xen offset 4 size 20$'
	# xen_pfn_t as on Arm (64 bits on every guest): start_info's frame numbers move.
	perturb pfn $I/interface.h 's/^typedef unsigned long xen_pfn_t;/typedef uint64_t xen_pfn_t;/' \
		'^DIFF start_info\.store_mfn: kernel offset 44 size 8, xen offset 44 size 4$'
	# An x86_64 habit: 64-bit members 8-byte aligned. i386 aligns them to 4.
	perturb align include/xen/interface/vcpu.h \
		's/^\([[:space:]]*uint64_t timeout_abs_ns\);/\1 __attribute__((__aligned__(8)));/' \
		'^DIFF vcpu_set_singleshot_timer sizeof: kernel 16, xen 12$'
	# A field Xen has and the kernel lacks.
	perturb missing $I/interface.h '/^[[:space:]]*uint32_t wc_sec_hi;/d' \
		'^DIFF arch_shared_info\.wc_sec_hi: not in the kernel headers$'
	# A new member in padding: no layout moves, but the list no longer covers it.
	perturb unlisted include/xen/interface/xen.h \
		's/^\([[:space:]]*\)uint8_t evtchn_upcall_mask;/&\n\1uint8_t evtchn_spare;/' \
		'^DIFF vcpu_info\.evtchn_spare: member of the kernel headers missing'
	echo "xen-abi32 self-test: $st_pass passed, $st_fail failed"
	[ $st_fail != 0 ] || exit 0
	exit 1
fi

check
