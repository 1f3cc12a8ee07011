#!/usr/bin/env bash
# t0310-external: the external-evaluator protocol (docs/EVALUATORS.md)
# spoken by the example examples/external/sqrt_eval.py, checked with jq at the
# protocol level: the info answer, both seeds scored on both splits, and a
# candidate of each failing kind answered with the right status (an answer,
# not an evaluator failure).  When the disco binary knows --evaluator-cmd,
# also `disco eval` with the example and with a misbehaving evaluator (which
# must end with one message naming the command, never hang), and campaigns
# over a persistent command with 2 workers (the example, and one that dies
# and garbles mid-run).
# The C side (limits, process groups, every protocol failure) is
# tests/unit/test_external.c.
source "$(dirname "$0")/../lib.sh"

PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3
EX=$ROOT/examples/external/sqrt_eval.py
cd "$T"

ask() { # REQUEST-JSON -> answer on stdout, under a time bound
	timeout 60 "$PY" "$EX" <<<"$1"
}
evaluate() { # SOURCE-FILE SPLIT
	ask "$(jq -n --rawfile s "$1" --arg split "$2" \
		'{protocol: 1, request: "evaluate", split: $split, source: $s}')"
}

ask '{"protocol":1,"request":"info"}' >info.json
check "info answer is JSON" jq -e . info.json
check_eq "info name" sqrt "$(json info.json .name)"
check_eq "info has two seeds" 2 "$(json info.json '.seeds | length')"
check_eq "info dims" "ops loops" "$(json info.json '[.dims[].name] | join(" ")')"
check "info dims have lo < hi and bins" jq -e 'all(.dims[]; .lo < .hi and .bins >= 1)' info.json
check_eq "info noisy" false "$(json info.json .noisy)"

for i in 0 1; do
	name=$(json info.json ".seeds[$i].name")
	json info.json ".seeds[$i].source" >"seed$i.c"
	for split in train heldout; do
		evaluate "seed$i.c" $split >"a$i$split.json"
		check_eq "seed $name on $split: status ok" ok "$(json "a$i$split.json" .status)"
		check "seed $name on $split: score, descriptors, metrics" jq -e \
			'(.score | type == "number") and (.descriptors | has("ops") and has("loops"))
			 and (.metrics.max_rel_err | type == "number")' "a$i$split.json"
	done
done
check "newton scores > 14" jq -e '.score > 14' a0train.json
check "linear scores < 2" jq -e '.score < 2' a1train.json

expect_status() { # NAME STATUS SOURCE [MESSAGE-PART]
	printf '%s\n' "$3" >case.c
	evaluate case.c train >case.json 2>case.err
	check_eq "$1: status" "$2" "$(json case.json .status 2>/dev/null)"
	if [ -n "${4:-}" ]; then
		check "$1: message mentions '$4'" grep -qF -- "$4" <(json case.json .message)
	fi
}
expect_status "syntax error" compile_error 'double f(double x) { return x +; }' candidate.c
expect_status "calls sqrt" rejected 'double sqrt(double); double f(double x) { return sqrt(x); }' sqrt
expect_status "includes math.h" rejected '#include <math.h>
double f(double x) { return x; }' include
expect_status "returns NaN" invalid_output 'double f(double x) { return 0.0 / 0.0; }' nan
expect_status "loops forever" timeout 'double f(double x) { for (;;) ; }'
expect_status "segfaults" crash 'double f(double x) { return *(volatile double *)0; }' signal
expect_status "missing f" compile_error 'double g(double x) { return x; }'

# Through the CLI, once it has --evaluator-cmd.
if [ -x "$DISCO" ] && "$DISCO" eval --help 2>&1 | grep -q -- --evaluator-cmd; then
	cp seed0.c good.c
	check "disco eval --evaluator-cmd with the example" \
		timeout 120 "$DISCO" eval good.c --evaluator-cmd "$PY $EX"
	timeout 120 "$DISCO" eval good.c --evaluator-cmd "sh $ROOT/tests/external/misbehave.sh" \
		>cli.out 2>&1
	rc=$?
	check "disco eval with a misbehaving evaluator ends (no hang)" test "$rc" -ne 124
	check "disco eval names the evaluator command" grep -q "evaluator command" cli.out
	timeout 120 "$DISCO" eval "$ROOT/tests/good/expapprox_taylor9.c" --json \
		--evaluator-cmd "sh $ROOT/tests/external/misbehave.sh" >cli.json 2>/dev/null
	check_eq "disco eval --json with a misbehaving evaluator: one JSON object" 1 "$(jq -s length cli.json 2>/dev/null)"

	timeout 120 "$DISCO" baseline --evaluator-cmd "$PY $EX" --json >base.json 2>/dev/null
	check_eq "disco baseline --evaluator-cmd: one row per seed" 2 "$(jq length base.json 2>/dev/null)"
	check "... the newton seed scores ok on both splits" \
		jq -e '.[] | select(.seed=="newton") | .status=="ok" and .train > 10 and .heldout > 10' base.json
	"$DISCO" baseline >/dev/null 2>&1
	check_eq "disco baseline with no evaluator: usage error" 2 $?

	# A campaign over the external command, then its resume.
	timeout 300 "$DISCO" run --evaluator-cmd "$PY $EX" --budget-evals 12 --workers 1 --quiet \
		--no-source --db run.db >run.out 2>&1
	check_eq "disco run --evaluator-cmd exits 0" 0 $?
	check_eq "12 attempts recorded" 12 "$(sqlite3 run.db 'select count(*) from attempts' 2>/dev/null)"
	check "the seeds became programs" test "$(sqlite3 run.db "select count(*) from programs where mutator='seed'")" -ge 1
	check "summary names the best program" grep -q "best program" run.out
	timeout 300 "$DISCO" resume run.db --budget-evals 16 --quiet --no-source >/dev/null 2>&1
	check_eq "disco resume over the command continues to 16" 16 "$(sqlite3 run.db 'select count(*) from attempts' 2>/dev/null)"
	# Several evaluations at once, by a persistent command.
	timeout 300 "$DISCO" run --evaluator-cmd "$PY $ROOT/examples/external/sqrt_eval_persistent.py" \
		--budget-evals 12 --workers 2 --quiet --no-source --db pers.db >pers.out 2>&1
	check_eq "disco run with the persistent example, 2 workers: exit 0" 0 $?
	check_eq "... 12 attempts recorded" 12 "$(sqlite3 pers.db 'select count(*) from attempts' 2>/dev/null)"
	check "... the newton seed is a program scoring > 14" \
		test "$(sqlite3 pers.db "select count(*) from programs p join evaluations e on e.program_id = p.id where p.mutator = 'seed' and e.score > 14" 2>/dev/null)" -ge 1
	check_eq "... no evaluator failure" 0 "$(sqlite3 pers.db "select count(*) from attempts where message like '%evaluator failed%'" 2>/dev/null)"
	check_eq "... no evaluator process left" "" "$(pgrep -f "sqrt_eval_persistent.py" || true)"

	# A persistent command that dies every 3rd request and garbles every
	# 5th: each such request is recorded as the evaluator's failure, the
	# process is restarted, and the campaign reaches its budget.
	timeout 300 "$DISCO" run --evaluator-cmd "sh $ROOT/tests/external/persist.sh" \
		--budget-evals 30 --workers 2 --quiet --no-source --db flaky.db >flaky.out 2>&1
	check_eq "disco run with a flaky persistent command: exit 0" 0 $?
	check_eq "... 30 attempts recorded" 30 "$(sqlite3 flaky.db 'select count(*) from attempts' 2>/dev/null)"
	check "... deaths recorded as evaluator failures, naming the command" test \
		"$(sqlite3 flaky.db "select count(*) from attempts where status = 'invalid_output' and message like 'evaluator failed: evaluator command %persist.sh% exited with code 1: persist: flaky death'" 2>/dev/null)" -ge 1
	check "... garbled answers recorded as evaluator failures" test \
		"$(sqlite3 flaky.db "select count(*) from attempts where message like '%printed invalid JSON%'" 2>/dev/null)" -ge 1
	check "... and the restarted processes kept answering" test \
		"$(sqlite3 flaky.db "select count(*) from attempts where status = 'ok'" 2>/dev/null)" -ge 5
	check_eq "... no evaluator process left" "" "$(pgrep -f "$ROOT/tests/external/persist.sh" || true)"

	timeout 60 "$DISCO" run --evaluator-cmd "sh $ROOT/tests/external/misbehave.sh badjson" --db bad.db \
		>bad.out 2>&1
	check_eq "a command failing its info request: exit 1" 1 $?
	check "... with one message naming the command" grep -q "misbehave.sh badjson" bad.out
else
	ok "# SKIP disco eval --evaluator-cmd (not in this build)"
fi
