#!/usr/bin/env bash
# The one test runner: unit tests (build/tests/*, and build-asan/tests/* when
# built) and end-to-end scripts (tests/e2e/t*.sh).  Every test speaks TAP
# ("ok ..." / "not ok ..."); a test program that dies without saying so
# counts as one failure.  Ends with "N passed, N failed".
set -u
cd "$(dirname "$0")/.."
pass=0; fail=0; skipped=0; failed_names=()
export CMOCKA_MESSAGE_OUTPUT=TAP
export DISCO=${DISCO:-$PWD/disco}
run_one() { # name, command...
	local name=$1; shift
	local out rc p f
	out=$("$@" 2>&1); rc=$?
	p=$(grep -c '^ok ' <<<"$out"); f=$(grep '^not ok ' <<<"$out" | grep -vc '# SKIP')
	skipped=$((skipped + $(grep -c '^not ok .*# SKIP' <<<"$out")))
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
	pass=$((pass + p)); fail=$((fail + f))
	if [ "$f" -ne 0 ]; then
		failed_names+=("$name"); echo "== $name: $p passed, $f failed"
		grep -v '^ok ' <<<"$out" | tail -40 | sed 's/^/   /'
	else
		echo "== $name: $p passed"
	fi
}
filter=${1:-}
for t in build/tests/test_* build-asan/tests/test_*; do
	[ -x "$t" ] || continue
	[ -z "$filter" ] || [[ $t == *$filter* ]] || continue
	run_one "$t" "$t"
done
for t in tests/e2e/t*.sh; do
	[ -f "$t" ] || continue
	[ -z "$filter" ] || [[ $t == *$filter* ]] || continue
	run_one "$t" bash "$t"
done
[ ${#failed_names[@]} -eq 0 ] || printf 'failed: %s\n' "${failed_names[*]}"
[ "$skipped" -eq 0 ] || echo "$skipped skipped (see the # SKIP lines above for why)"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
