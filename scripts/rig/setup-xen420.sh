#!/bin/bash
# Usage: scripts/rig/setup-xen420.sh   (make rig-xen420)
#   Lets the rig run Debian trixie's Xen 4.20 as the hypervisor (boot-xen.sh XEN=debian420)
#   and trixie's 4.20 PV shim under any shim guest (boot-xen.sh PVSHIM_PATH=$OUT/xen-shim-4.20).
#   A 4.17 xl cannot drive a 4.20 hypervisor, so dom0 gets the 4.20 toolstack too, with
#   trixie's glibc under it; dom0's kernel stays bookworm's 6.1 (setup.sh's), with its modules.
#   Builds, in $RIG/out:
#     xen-debian420      trixie's xen-hypervisor-4.20-amd64 as a plain ELF (QEMU's multiboot
#                        loader wants the ELF, not the .gz)
#     xen-shim-4.20      trixie's /usr/lib/xen-4.20/boot/xen-shim
#     dom0-420.cpio.gz   dom0's image (mk-dom0-initramfs.sh) with the 4.20 toolstack
#     rig-versions-420   the trixie .debs it came from, one name a line, for the records
#   Trixie's packages come from a private apt state (sources list, lists, cache) under
#   $XEN_I386_CACHE/apt-trixie: the host's own apt sources and state are never touched.
#   Versions are apt's candidates (never pinned); the .debs are downloaded once into
#   $XEN_I386_CACHE/debs-trixie and extracted into $RIG/x420 (never installed).
#   Env: RIG             work dir (default <repo>/build/rig)
#        XEN_I386_CACHE  cache (default ~/.cache/xen-i386)
#        TRIXIE_MIRROR   the Debian mirror (default http://deb.debian.org/debian)
#   Log: $RIG/logs/setup-xen420.log. Idempotent; fast when cached (the trixie lists are
#   fetched again when older than a day). Needs scripts/rig/setup.sh to have run first.
set -euo pipefail

S=$(cd "$(dirname "$0")" && pwd)
. "$S/lib.sh"                # step()
REPO=$(cd "$S/../.." && pwd)
RIG=${RIG:-$REPO/build/rig}
export RIG                  # for mk-dom0-initramfs.sh
CACHE=${XEN_I386_CACHE:-$HOME/.cache/xen-i386}
MIRROR=${TRIXIE_MIRROR:-http://deb.debian.org/debian}
OUT=$RIG/out
X=$RIG/x                    # setup.sh's bookworm tree: dom0's kernel modules come from there
X420=$RIG/x420              # the extracted trixie debs
APT=$CACHE/apt-trixie
DEBS=$CACHE/debs-trixie
XV=4.20
LOG=$RIG/logs/setup-xen420.log

LOG_STARTED=     # (before, $LOG is an earlier run's: not shown)
die() {
	echo "setup-xen420: ERROR: $*" >&2
	if [ -n "$LOG_STARTED" ] && [ -s "$LOG" ]; then
		echo "setup-xen420: last lines of $LOG:" >&2
		tail -n 20 "$LOG" >&2
	fi
	exit 1
}

# setup.sh first: dom0's kernel, its modules and the rest of the rig are bookworm's
[ -s "$OUT/kver" ] || die "$OUT/kver is missing: run scripts/rig/setup.sh (make rig) first"
KVER=$(cat "$OUT/kver")
[ -s "$X/.debs" ] && [ -d "$X/lib/modules/$KVER" ] ||
	die "$X (setup.sh's extracted bookworm debs, with the modules of $KVER) is missing or incomplete: run scripts/rig/setup.sh (make rig) first"

mkdir -p "$OUT" "$RIG/logs" "$DEBS" "$APT/lists/partial" "$APT/cache/archives/partial" "$APT/state"
: > "$LOG"
LOG_STARTED=1
echo "setup-xen420: RIG=$RIG CACHE=$CACHE mirror $MIRROR; log in $LOG"
T0=$(date +%s)
# ---------------------------------------------------------------------------------------------
# The private apt state. Everything apt would read from the host that could change which
# trixie version is the candidate is pointed away: the host's sources (SourceParts), its
# preferences (the host pins some packages), its dpkg status (a package installed on the host
# would otherwise compete with trixie's version), its foreign architectures (i386 lists are
# not needed). The host's trusted keys stay: bookworm's debian-archive-keyring has trixie's.
# ---------------------------------------------------------------------------------------------
printf 'deb %s trixie main\n' "$MIRROR" > "$APT/sources.list.new"
cmp -s "$APT/sources.list.new" "$APT/sources.list" 2>/dev/null || {
	mv "$APT/sources.list.new" "$APT/sources.list"
	rm -f "$APT/updated"   # another mirror: its lists, not the old ones
}
rm -f "$APT/sources.list.new"
[ -e "$APT/status" ] || : > "$APT/status"
APTOPT=(-o "Dir::Etc::SourceList=$APT/sources.list" -o Dir::Etc::SourceParts=/dev/null
	-o Dir::Etc::Preferences=/dev/null -o Dir::Etc::PreferencesParts=/dev/null
	-o "Dir::State=$APT/state" -o "Dir::State::Lists=$APT/lists" -o "Dir::State::status=$APT/status"
	-o "Dir::Cache=$APT/cache" -o APT::Architectures=amd64 -o APT::Architecture=amd64
	# (the cache is under root's home, which apt's unprivileged _apt user cannot write)
	-o APT::Sandbox::User=root)

lists_ok() { compgen -G "$APT/lists/*_dists_trixie_main_binary-amd64_Packages*" >/dev/null; }

apt_update() {
	# at most once a day: the stamp is touched only by an update that fetched everything
	if lists_ok && [ -e "$APT/updated" ] && [ -n "$(find "$APT/updated" -mmin -1440)" ]; then
		echo "setup-xen420: trixie lists of $(date -r "$APT/updated" '+%F %T'), less than a day old"
		return
	fi
	# --error-on=any: without it a mirror that fails leaves apt-get update at exit 0
	if apt-get "${APTOPT[@]}" --error-on=any update >>"$LOG" 2>&1 && lists_ok; then
		touch "$APT/updated"
		echo "setup-xen420: trixie lists updated from $MIRROR"
	elif lists_ok && [ -e "$APT/updated" ]; then
		# an older list still names versions whose .debs are probably cached already: go on,
		# but say so (a download below fails clearly if the mirror has dropped them)
		echo "setup-xen420: WARNING: apt-get update of trixie from $MIRROR failed (see $LOG: $(grep -E '^(E|W|Err):' "$LOG" | tail -n 1)); using the lists of $(date -r "$APT/updated" '+%F %T')" >&2
	else
		die "apt-get update of trixie from $MIRROR failed and there are no earlier lists in $APT/lists (mirror down, no network, or TRIXIE_MIRROR wrong?)"
	fi
}

# ---------------------------------------------------------------------------------------------
# The packages: hypervisor, tools, and the closure of their shared libraries (libc6 too:
# trixie's programs need trixie's glibc 2.41, and dom0's image has one libc). Libraries are
# the lib* packages and zlib1g (libxenguest and libxenhypfs link zlib; without it the host's
# bookworm copy would slip in). Other dependencies (python3, udev, ucf, ...) are what an
# installed system wants, not what the rig runs, so they are left out; mk-dom0-initramfs.sh
# refuses a trixie program whose library would come from the host.
# ---------------------------------------------------------------------------------------------
# direct Depends and Pre-Depends of PKG... (the first of a group of alternatives), names only;
# virtual packages (<name>) are never libraries here and are dropped
deps_of() {
	apt-cache "${APTOPT[@]}" depends --no-recommends --no-suggests --no-conflicts --no-breaks \
		--no-replaces --no-enhances "$@" 2>>"$LOG" |
		awk '/^[^ ]/ { alt = 0; next }
			/^ [ |](Pre)?Depends: / {
				if (!alt && $2 !~ /^</) { sub(/:.*/, "", $2); print $2 }
				alt = (substr($0, 2, 1) == "|"); next }
			/^  [A-Za-z]/ { alt = 0 }' | sort -u
}

resolve() {
	local todo next q
	todo="xen-hypervisor-$XV-amd64 xen-utils-$XV xen-utils-common xenstore-utils"
	PKGS=" $todo "
	while [ -n "$todo" ]; do
		next=
		for q in $(deps_of $todo); do
			case $q in lib* | zlib1g)
				case $PKGS in *" $q "*) ;; *) PKGS="$PKGS$q "; next="$next $q" ;; esac ;;
			esac
		done
		todo=$next
	done
	# candidates of all of them at once (each apt-cache call parses trixie's whole list)
	apt-cache "${APTOPT[@]}" show --no-all-versions $PKGS > "$RIG/logs/apt-records-420" 2>>"$LOG" ||
		die "trixie's lists do not know all of:$PKGS (apt-cache show failed)"
	local p ver arch f
	FILES=()
	while read -r p ver arch; do
		f=${p}_${ver//:/%3a}_${arch}.deb
		if [ ! -s "$DEBS/$f" ]; then
			(cd "$DEBS" && apt-get "${APTOPT[@]}" download "$p=$ver" >>"$LOG" 2>&1) ||
				die "apt-get download $p=$ver from trixie failed"
			[ -s "$DEBS/$f" ] || die "apt-get download $p=$ver did not give $DEBS/$f"
		fi
		FILES+=("$DEBS/$f")
	done < <(awk '/^Package: / { p = $2 } /^Version: / { v = $2 } /^Architecture: / { a = $2 }
		/^$/ && p { print p, v, a; p = "" } END { if (p) print p, v, a }' "$RIG/logs/apt-records-420")
	local n
	n=$(wc -w <<< "$PKGS")
	[ ${#FILES[@]} = "$n" ] || die "expected $n trixie packages ($PKGS), apt-cache show gave ${#FILES[@]}"
	echo "setup-xen420: trixie packages:$PKGS"
	echo "setup-xen420: $(basename "$(printf '%s\n' "${FILES[@]}" | grep "/xen-hypervisor-$XV-amd64_")")"
}

# ---------------------------------------------------------------------------------------------
# Extract (again only when the set of .debs changed), the hypervisor as ELF, the shim, and
# trixie's dynamic loader
# ---------------------------------------------------------------------------------------------
extract() {
	local want d l
	want=$(printf '%s\n' "${FILES[@]}" | xargs -n1 basename | sort)
	if [ "$(cat "$X420/.debs" 2>/dev/null)" != "$want" ]; then
		rm -rf "$X420"; mkdir -p "$X420"
		for d in "${FILES[@]}"; do dpkg-deb -x "$d" "$X420" || die "dpkg-deb -x $d"; done
		echo "$want" > "$X420/.debs"   # last: an interrupted extraction is redone
	fi
	[ -s "$X420/boot/xen-$XV-amd64.gz" ] || die "$X420/boot/xen-$XV-amd64.gz is missing (xen-hypervisor-$XV-amd64 changed its layout?)"
	[ -s "$X420/usr/lib/xen-$XV/boot/xen-shim" ] || die "$X420/usr/lib/xen-$XV/boot/xen-shim is missing (xen-utils-$XV changed its layout?)"
	if [ ! "$OUT/xen-debian420" -nt "$X420/.debs" ]; then
		zcat "$X420/boot/xen-$XV-amd64.gz" > "$OUT/xen-debian420.tmp" || die "zcat $X420/boot/xen-$XV-amd64.gz"
		mv "$OUT/xen-debian420.tmp" "$OUT/xen-debian420"
	fi
	[ "$(head -c 4 "$OUT/xen-debian420" | od -An -tx1 | tr -d ' ')" = 7f454c46 ] ||
		die "$OUT/xen-debian420 is not an ELF file (head: $(head -c 16 "$OUT/xen-debian420" | od -An -tx1))"
	[ "$OUT/xen-shim-$XV" -nt "$X420/.debs" ] || cp "$X420/usr/lib/xen-$XV/boot/xen-shim" "$OUT/xen-shim-$XV"
	# Trixie's loader: its programs need it (the host's, bookworm's 2.36, cannot resolve them
	# reliably), and it lists their libraries. The .deb's absolute symlinks would point at the
	# host's loader: a regular file only.
	LOADER=
	for l in usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 \
		usr/lib64/ld-linux-x86-64.so.2 lib64/ld-linux-x86-64.so.2; do
		if [ -f "$X420/$l" ] && [ ! -L "$X420/$l" ]; then LOADER=$X420/$l; break; fi
	done
	[ -n "$LOADER" ] || die "no ld-linux-x86-64.so.2 (a regular file) in $X420/{usr/,}lib{/x86_64-linux-gnu,64}: is libc6 among the trixie packages?"
	"$LOADER" --version > "$RIG/logs/ld-420.version" 2>&1 ||
		die "trixie's loader $LOADER does not run here: $(head -n 2 "$RIG/logs/ld-420.version")"
	echo "setup-xen420: loader $LOADER: $(head -n 1 "$RIG/logs/ld-420.version")"
	# xl with all its libraries from trixie's tree: what dom0 will run
	local libpath=$X420/usr/lib/x86_64-linux-gnu:$X420/lib/x86_64-linux-gnu out
	out=$("$LOADER" --library-path "$libpath" --list "$X420/usr/lib/xen-$XV/bin/xl" 2>&1) ||
		die "$LOADER --list $X420/usr/lib/xen-$XV/bin/xl failed: $(tail -n 3 <<< "$out")"
	! grep -q 'not found' <<< "$out" || die "xl $XV lacks libraries in $X420: $(grep 'not found' <<< "$out" | paste -sd' ')"
}

# ---------------------------------------------------------------------------------------------
# dom0's image: the 4.20 toolstack and trixie's libraries and loader, bookworm's kernel modules
# ---------------------------------------------------------------------------------------------
build_dom0() {
	DOM0_X=$X420 DOM0_XEN_VERSION=$XV DOM0_IMG=$OUT/dom0-420.cpio.gz DOM0_LOADER=$LOADER \
		DOM0_MODULES=$X "$S/mk-dom0-initramfs.sh" >>"$LOG" 2>&1 ||
		die "mk-dom0-initramfs.sh for $OUT/dom0-420.cpio.gz failed"
	grep '^mk-dom0-initramfs: ' "$LOG" | tail -n 1 | sed 's/^/setup-xen420: /'
}

step apt-update apt_update
step debs resolve
step extract extract
step dom0-initramfs build_dom0
# what a boot with XEN=debian420 or the 4.20 shim runs, for the records of such checks to key
# on (as scripts/check-lib.sh keys on rig-versions): another trixie .deb makes them stale
printf '%s\n' "${FILES[@]}" | xargs -n1 basename | sort > "$OUT/rig-versions-420"
echo "setup-xen420: all done in $(( $(date +%s) - T0 ))s:"
ls -la "$OUT/xen-debian420" "$OUT/xen-shim-$XV" "$OUT/dom0-420.cpio.gz" "$OUT/rig-versions-420" | sed 's/^/  /'
echo "setup-xen420: boot it: XEN=debian420 scripts/rig/boot-xen.sh i386shim KERNEL; the 4.20 shim on another Xen: PVSHIM_PATH=$OUT/xen-shim-$XV"
