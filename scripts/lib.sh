# SPDX-License-Identifier: GPL-2.0
# scripts/lib.sh: shared helpers for the xen-i386 tooling. Source it; do not run it.
#
# Sets REPO (the checkout), BUILD (build/ in it), TREE (the patched kernel tree),
# and offers say/die/phase helpers, the quilt environment and the build lock.

REPO=${REPO:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
BUILD=${BUILD:-$REPO/build}
LINUX_SRC_PKG=${LINUX_SRC_PKG:-linux-source-6.12}
LINUX_SRC_TARBALL=${LINUX_SRC_TARBALL:-/usr/src/$LINUX_SRC_PKG.tar.xz}
TREE=${TREE:-$BUILD/$LINUX_SRC_PKG}
# One kernel (or hypervisor) build at a time on this machine: every build takes this lock.
BUILD_LOCK=${BUILD_LOCK:-/tmp/xen-i386-build.lock}
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$BUILD}
# What a PARAVIRT_XXL kernel's KUnit suite of pvop call-site patching (paravirt_kunit.c)
# prints at boot when every site was patched to native code: boot-native.sh's KEXPECT.
PV_KUNIT_PASS='# paravirt_patching: pass:8 fail:0 skip:0 total:8'
# The distribution kernel's own ccache (check-distro.sh, deb.sh distro): a build of its size
# must not push the rig's kernels out of the default one.
distro_ccache() {
	export CCACHE_DIR=${XEN_I386_CACHE:-$HOME/.cache/xen-i386}/ccache-distro
	export CCACHE_MAXSIZE=12G
}

# The paths of the repository the kernel is made of: the series and the files it links in
# (export's check of the bench record, deb.sh's package key).
KERNEL_PATHS=(series patches arch drivers include Documentation Kconfig.xen)
# The paths whose content a record (check-long's, check-matrix's, make bench's) stands for:
# the kernel and test files as committed, READMEs and the records left out.
RECORD_PATHS=("${KERNEL_PATHS[@]}" scripts ':(exclude)*README*' ':(exclude)scripts/*.record')
# tree_committed: true when those paths have no uncommitted changes in a git checkout
tree_committed() {
	git -C "$REPO" rev-parse HEAD >/dev/null 2>&1 &&
		[ -z "$(git -C "$REPO" status --porcelain -- "${RECORD_PATHS[@]}" 2>/dev/null)" ]
}

say() { printf '[%s] %s\n' "${0##*/}" "$*"; }
warn() { printf '[%s] warning: %s\n' "${0##*/}" "$*" >&2; }
die() { printf '[%s] error: %s\n' "${0##*/}" "$*" >&2; exit 1; }

# need_cmd CMD PACKAGE: fail with a clear message when a tool is missing.
need_cmd() {
	command -v "$1" >/dev/null 2>&1 ||
		die "'$1' not found: install Debian package '$2' (or run 'make deps')"
}

# Quilt works on the checkout's own series and patches/ (scripts/quiltrc): a
# 'quilt refresh' in the tree writes straight back into the repository.
quilt_env() {
	export QUILTRC=$REPO/scripts/quiltrc
	unset QUILT_PATCHES QUILT_SERIES QUILT_PC QUILT_DIFF_ARGS QUILT_REFRESH_ARGS
}

# series_patches [SERIES]: the patch names in a series file, in order.
series_patches() {
	sed -e '/^[[:space:]]*#/d' -e 's/^[[:space:]]*//' -e 's/[[:space:]].*//' \
		-e '/^$/d' "${1:-$REPO/series}"
}

# series_newfiles [SERIES]: "patch<TAB>path" for every new file ("#+ path" lines
# under the patch that adds it).
series_newfiles() {
	awk '/^[[:space:]]*#\+[[:space:]]/ { if (p == "") { print "orphan\t" $2; next }
				     print p "\t" $2; next }
	     /^[[:space:]]*#/ || /^[[:space:]]*$/ { next }
	     { p = $1 }' "${1:-$REPO/series}"
}

# series_section NAME [SERIES]: the lines of one section of a series file, from its
# "# --- NAME..." heading to the next "# ---" heading, in series format.
series_section() {
	awk -v name="$1" '/^# --- / { f = (index($0, "# --- " name) == 1); next } f' "${2:-$REPO/series}"
}

# tree_version DIR: "6.12.117" from a kernel tree's Makefile.
tree_version() {
	awk '/^VERSION =/ {v=$3} /^PATCHLEVEL =/ {p=$3} /^SUBLEVEL =/ {s=$3}
	     /^EXTRAVERSION =/ {e=$3} END {print v "." p "." s e}' "$1/Makefile"
}

# src_pkg_version: the installed linux-source package version.
src_pkg_version() {
	if [ -n "${LINUX_SRC_PKGVER:-}" ]; then
		echo "$LINUX_SRC_PKGVER"
	else
		dpkg-query -W -f='${Version}' "$LINUX_SRC_PKG" 2>/dev/null
	fi
}
