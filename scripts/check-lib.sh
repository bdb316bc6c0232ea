#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# scripts/check-lib.sh: the phases of 'make check' (check.sh) and 'make check-long'
# (check-long.sh). Sourced after lib.sh.
#
# check_begin NAME: starts a run; its results go to build/NAME-results.txt when it ends.
# phase NAME CMD...: runs one check, its output to build/logs/NAME-<phase>.log; prints
# PASS or FAIL with its time, and the end of the log of a failing phase.
# setup NAME CMD...: the same for a phase that prepares the others (never recorded).
# skipped NAME WHY: a phase that cannot run yet.
# expect_fail CODE PATTERN CMD...: CMD must fail with exit CODE and say PATTERN.
# check_end: prints the total time and "N passed, N failed" (", N skipped"); its status is
# that of the run.
#
# Records (check_records FILE, used by check-long and check-matrix, whose runs take longer
# than a session): a phase that passes is recorded in FILE (committed) under a key of
# everything its result depends on: the Debian linux-source version, the repository's kernel
# and test files as committed (series, patches/, arch/, drivers/, include/, Documentation/,
# Kconfig.xen, scripts/; READMEs and the records left out) and the rig's Xen, .debs and QEMU
# (build/rig/out/rig-versions, written by rig/setup.sh, and rig-versions-420 by
# rig/setup-xen420.sh; check-long and check-matrix run both before they read their records). A
# later run with the same key reports such a phase as "PASS (recorded DATE, N s)" without
# running it, so a long run finishes across sessions; any change to those files starts it
# afresh. With uncommitted changes in them nothing is recorded or reused (the key would not
# name what ran). RECORDS=0 runs every phase and records nothing.

check_begin() {
	CHECK_NAME=$1
	CHECK_LOGS=$BUILD/logs
	mkdir -p "$CHECK_LOGS"
	pass=0 fail=0 skip=0 recd=0
	failed=()
	CHECK_T0=$SECONDS
	RESULTS=$BUILD/$CHECK_NAME-results.txt
	: >"$RESULTS.new"
}

# record_key: the key of this checkout, or nothing (exit 1) when it has uncommitted changes
record_key() {
	local rv=${RIG:-$BUILD/rig}/out/rig-versions
	tree_committed || return 1
	{
		src_pkg_version
		cat "$rv" 2>/dev/null || echo "no rig-versions"
		# trixie's Xen 4.20 (make rig-xen420), which check-long's 4.20 phases boot
		cat "$rv-420" 2>/dev/null || echo "no rig-versions-420"
		git -C "$REPO" ls-files -s -- "${RECORD_PATHS[@]}"
	} | sha256sum | cut -c1-16
}

# check_records FILE: use and keep records in FILE for the phases of this run (see above)
check_records() {
	CHECK_RECORD=
	if [ "${RECORDS:-1}" = 0 ]; then
		echo "[$CHECK_NAME] records: not used (RECORDS=0)"
		return 0
	fi
	if ! CHECK_KEY=$(record_key); then
		echo "[$CHECK_NAME] records: not used (uncommitted changes in the files they are keyed by: $(git -C "$REPO" status --porcelain -- "${RECORD_PATHS[@]}" | wc -l))"
		return 0
	fi
	CHECK_RECORD=$1
	echo "[$CHECK_NAME] records: key $CHECK_KEY in ${CHECK_RECORD#"$REPO"/}; $(awk -v k="$CHECK_KEY" -v c="$CHECK_NAME" '$1 == k && $2 ~ "^" c "/" { n++ } END { print n + 0 }' "$CHECK_RECORD" 2>/dev/null || echo 0) phases recorded for it"
}

# recorded_pass NAME: "DATE SECS" of a recorded pass of phase NAME under this key, or nothing
recorded_pass() {
	[ -n "${CHECK_RECORD:-}" ] && [ -f "$CHECK_RECORD" ] || return 0
	awk -v k="$CHECK_KEY" -v n="$CHECK_NAME/$1" '$1 == k && $2 == n && $3 == "PASS" { r = $5 " " $4 } END { if (r != "") print r }' "$CHECK_RECORD"
}

phase() {
	local name=$1 t0=$SECONDS rc=0 log=$CHECK_LOGS/$CHECK_NAME-$1.log rec
	shift
	printf '[%s] %-28s ... ' "$CHECK_NAME" "$name"
	rec=$(recorded_pass "$name")
	if [ -n "$rec" ]; then
		printf 'PASS (recorded %s, %ss)\n' "${rec% *}" "${rec#* }"
		printf '  PASS %-28s %4ds (recorded %s)\n' "$name" "${rec#* }" "${rec% *}" >>"$RESULTS.new"
		pass=$((pass + 1)) recd=$((recd + 1))
		return 0
	fi
	"$@" >"$log" 2>&1 || rc=$?
	if [ $rc = 0 ]; then
		printf 'PASS (%ds)\n' $((SECONDS - t0))
		printf '  PASS %-28s %4ds\n' "$name" $((SECONDS - t0)) >>"$RESULTS.new"
		pass=$((pass + 1))
		# the key again: a change made while the phase ran means it did not test the key's content
		[ -z "${CHECK_RECORD:-}" ] || [ "$(record_key)" != "$CHECK_KEY" ] ||
			echo "$CHECK_KEY $CHECK_NAME/$name PASS $((SECONDS - t0)) $(date -u +%Y-%m-%d) $(git -C "$REPO" rev-parse --short HEAD)" >>"$CHECK_RECORD"
	else
		printf 'FAIL (%ds, exit %d)\n' $((SECONDS - t0)) $rc
		printf '  FAIL %-28s %4ds\n' "$name" $((SECONDS - t0)) >>"$RESULTS.new"
		tail -n 50 "$log" | sed 's/^/    | /'
		echo "    log: $log"
		fail=$((fail + 1))
		failed+=("$name")
	fi
	return $rc
}

# setup NAME CMD...: a phase that prepares the others (build, rig): always run, never recorded
setup() {
	local rec=${CHECK_RECORD:-} rc=0
	CHECK_RECORD=
	phase "$@" || rc=$?
	CHECK_RECORD=$rec
	return $rc
}

skipped() {
	printf '[%s] %-28s ... SKIP: %s\n' "$CHECK_NAME" "$1" "$2"
	skip=$((skip + 1))
}

expect_fail() {
	local code=$1 pat=$2 rc=0 out
	shift 2
	out=$("$@" 2>&1) || rc=$?
	printf '%s\n' "$out"
	if [ $rc != "$code" ]; then
		echo "expected exit $code, got $rc"
		return 1
	fi
	printf '%s\n' "$out" | grep -q -- "$pat" || { echo "expected the message to say: $pat"; return 1; }
}

check_end() {
	local summary
	echo "[$CHECK_NAME] total time: $((SECONDS - CHECK_T0))s"
	[ $fail = 0 ] || echo "[$CHECK_NAME] failed: ${failed[*]}"
	summary="$pass passed, $fail failed"
	[ $skip = 0 ] || summary="$summary, $skip skipped"
	[ $recd = 0 ] || summary="$summary ($recd of the passes recorded by earlier runs)"
	{
		echo "make $CHECK_NAME of $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo '(no git)') on $(date -u +%Y-%m-%d), $((SECONDS - CHECK_T0)) s: $summary"
		cat "$RESULTS.new"
	} >"$RESULTS"
	rm -f "$RESULTS.new"
	echo "$summary"
	[ $fail = 0 ]
}
