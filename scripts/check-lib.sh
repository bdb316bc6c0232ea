#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# scripts/check-lib.sh: the phases of 'make check' (check.sh) and 'make check-long'
# (check-long.sh). Sourced after lib.sh.
#
# check_begin NAME: starts a run; its results go to build/NAME-results.txt when it ends.
# phase NAME CMD...: runs one check, its output to build/logs/NAME-<phase>.log; prints
# PASS or FAIL with its time, and the end of the log of a failing phase.
# skipped NAME WHY: a phase that cannot run yet.
# expect_fail CODE PATTERN CMD...: CMD must fail with exit CODE and say PATTERN.
# check_end: prints the total time and "N passed, N failed" (", N skipped"); its status is
# that of the run.

check_begin() {
	CHECK_NAME=$1
	CHECK_LOGS=$BUILD/logs
	mkdir -p "$CHECK_LOGS"
	pass=0 fail=0 skip=0
	failed=()
	CHECK_T0=$SECONDS
	RESULTS=$BUILD/$CHECK_NAME-results.txt
	: >"$RESULTS.new"
}

phase() {
	local name=$1 t0=$SECONDS rc=0 log=$CHECK_LOGS/$CHECK_NAME-$1.log
	shift
	printf '[%s] %-28s ... ' "$CHECK_NAME" "$name"
	"$@" >"$log" 2>&1 || rc=$?
	if [ $rc = 0 ]; then
		printf 'PASS (%ds)\n' $((SECONDS - t0))
		printf '  PASS %-28s %4ds\n' "$name" $((SECONDS - t0)) >>"$RESULTS.new"
		pass=$((pass + 1))
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
	if [ $skip -gt 0 ]; then
		summary="$pass passed, $fail failed, $skip skipped"
	else
		summary="$pass passed, $fail failed"
	fi
	{
		echo "make $CHECK_NAME of $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo '(no git)') on $(date -u +%Y-%m-%d), $((SECONDS - CHECK_T0)) s: $summary"
		cat "$RESULTS.new"
	} >"$RESULTS"
	rm -f "$RESULTS.new"
	echo "$summary"
	[ $fail = 0 ]
}
