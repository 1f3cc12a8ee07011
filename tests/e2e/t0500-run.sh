#!/usr/bin/env bash
# disco run / disco resume end to end: budgets, the archive's bookkeeping,
# refusal to reuse a campaign's database, determinism, campaign-file
# errors, --log-json, example campaign files, the optim evaluator.
source "$(dirname "$0")/../lib.sh"
q() { sqlite3 "$@" 2>&1; }

# --- a campaign to its budget ---------------------------------------------
timeout 120 "$DISCO" run --evaluator expapprox --db "$T/a.db" --budget-evals 1500 --workers 2 --quiet \
	>"$T/a.out" 2>"$T/a.err"
check_eq "run exits 0" 0 $?
check "summary names the best program" grep -q "best program #[0-9]" "$T/a.out"
check "summary gives the archive path" grep -qF "archive: $T/a.db" "$T/a.out"
check "summary says the budget was reached" grep -q "budget reached after 1500 attempts" "$T/a.out"
check_eq "--quiet: nothing on stderr" "" "$(cat "$T/a.err")"
timeout 120 "$DISCO" archive stats --db "$T/a.db" --json >"$T/a.stats" 2>&1
check_eq "archive stats: attempts = 1500" 1500 "$(json "$T/a.stats" .attempts 2>&1)"
timeout 120 "$DISCO" archive stats --db "$T/a.db" >"$T/a.stats.txt" 2>&1
check "archive stats (table): attempts 1500" grep -Eq '^attempts +1500$' "$T/a.stats.txt"
check_eq "attempts: seq 1..1500, distinct" "1500|1|1500|1500" \
	"$(q "$T/a.db" 'select count(*), min(seq), max(seq), count(distinct seq) from attempts')"
# Every attempt is exactly one of: accepted program, failure, duplicate.
check_eq "attempts = programs + failures + duplicates" 1 "$(q "$T/a.db" "
	select (select count(*) from attempts) =
	       (select count(*) from programs)
	     + (select count(*) from attempts where status not in ('ok', 'duplicate'))
	     + (select count(*) from attempts where status = 'duplicate')")"
check_eq "every ok attempt became a program, and only those" 1 "$(q "$T/a.db" "
	select (select count(*) from attempts where status = 'ok' and program_id is not null)
	     = (select count(*) from programs)
	   and (select count(*) from attempts where status = 'ok' and program_id is null) = 0
	   and (select count(*) from attempts where status <> 'ok' and program_id is not null) = 0")"
check_eq "duplicates have outcome DUPLICATE and a duplicate_of (a program, unless they repeat a failed attempt)" 0 \
	"$(q "$T/a.db" "select count(*) from attempts where status = 'duplicate'
	                and (outcome <> 'DUPLICATE' or (duplicate_of is null
	                     and message not like 'same normalized text as attempt %'))")"
check_eq "every elite is an existing program" 0 \
	"$(q "$T/a.db" 'select count(*) from elites e where not exists (select 1 from programs p where p.id = e.program_id)')"
check_eq "every program has a train evaluation" 0 \
	"$(q "$T/a.db" 'select count(*) from programs p where not exists (select 1 from evaluations e where e.program_id = p.id and e.split = 0)')"
check "campaign marked finished" test -n "$(q "$T/a.db" 'select finished from campaigns')"
check_eq "budget_stop event recorded" 1 "$(q "$T/a.db" "select count(*) from events where kind = 'budget_stop'")"

# --- a second run on the same database is refused ----------------------------
before=$(q "$T/a.db" 'select count(*) from attempts; select count(*) from programs; select count(*) from events; select group_concat(program_id) from elites')
sum_before=$(sqlite3 "$T/a.db" .dump | md5sum)
timeout 120 "$DISCO" run --evaluator expapprox --db "$T/a.db" --budget-evals 100 --quiet >"$T/again.out" 2>"$T/again.err"
check_eq "second run on the same --db exits 1" 1 $?
check "second run points to 'disco resume'" grep -qF "disco resume $T/a.db" "$T/again.err"
check_eq "second run changed nothing (counts)" "$before" \
	"$(q "$T/a.db" 'select count(*) from attempts; select count(*) from programs; select count(*) from events; select group_concat(program_id) from elites')"
check_eq "second run changed nothing (dump)" "$sum_before" "$(sqlite3 "$T/a.db" .dump | md5sum)"

# --- resume to a larger budget -----------------------------------------------
timeout 120 "$DISCO" resume "$T/a.db" --budget-evals 2500 --quiet >"$T/r.out" 2>"$T/r.err"
check_eq "resume exits 0" 0 $?
check "resume summary: 1000 attempts this run, 2500 in the archive" \
	grep -q "after 1000 attempts this run.*2500 attempts in the archive" "$T/r.out"
check_eq "resume: seq 1..2500, no gap, no double" "2500|1|2500|2500" \
	"$(q "$T/a.db" 'select count(*), min(seq), max(seq), count(distinct seq) from attempts')"
check_eq "resume: attempts = programs + failures + duplicates" 1 "$(q "$T/a.db" "
	select (select count(*) from attempts) = (select count(*) from programs)
	     + (select count(*) from attempts where status <> 'ok')")"
check_eq "resume event recorded with the attempts before" '{"attempts_before":1500}' \
	"$(q "$T/a.db" "select detail from events where kind = 'resume'")"
timeout 120 "$DISCO" resume "$T/a.db" --budget-evals 2500 --quiet >/dev/null 2>&1
check_eq "resume at the budget: exits 0" 0 $?
check_eq "resume at the budget: adds no attempt" 2500 "$(q "$T/a.db" 'select count(*) from attempts')"
timeout 120 "$DISCO" resume "$T/a.db" --seed 3 >/dev/null 2>"$T/rs.err"
check_eq "resume --seed (cannot change): exit 2" 2 $?
check "resume --seed: message names the option" grep -q -- "--seed" "$T/rs.err"
timeout 120 "$DISCO" resume "$T/none.db" >/dev/null 2>"$T/rn.err"
check_eq "resume of a missing database: exit 1" 1 $?
check "resume of a missing database: names it" grep -qF "$T/none.db" "$T/rn.err"
check "resume of a missing database: does not create it" test ! -e "$T/none.db"

# --- determinism ---------------------------------------------------------------
# With one worker and a fixed seed two runs make the same archive.  Only
# wall-clock columns (created, updated, started, finished, *_ms timings)
# may differ, so they are left out of the comparison.
for r in 1 2; do
	timeout 120 "$DISCO" run --evaluator expapprox --workers 1 --seed 7 --budget-evals 800 \
		--db "$T/d$r.db" --quiet >/dev/null 2>&1
	check_eq "determinism: run $r exits 0" 0 $?
done
timeout 120 "$DISCO" run --evaluator expapprox --workers 1 --seed 8 --budget-evals 800 \
	--db "$T/d3.db" --quiet >/dev/null 2>&1
P="select source, text_hash, func_hash, parent_id, island from programs order by id"
E="select island, cell, program_id, score, source_len from elites order by island, cell"
S="select program_id, split, stage, score, descriptors from evaluations order by program_id, split, stage"
A="select seq, program_id, parent_id, status, outcome, duplicate_of, island from attempts order by seq"
for w in P E S A; do
	check "determinism: seed 7 twice, same ${w} rows (non-empty)" test -n "$(q "$T/d1.db" "${!w}")"
	check_eq "determinism: seed 7 twice, same ${w} rows" \
		"$(q "$T/d1.db" "${!w}" | md5sum)" "$(q "$T/d2.db" "${!w}" | md5sum)"
done
check "determinism: seed 8 gives a different archive" \
	test "$(q "$T/d1.db" "$P" | md5sum)" != "$(q "$T/d3.db" "$P" | md5sum)"

# --- bad campaign files: message names file and field, exit 1, no database --
bad_campaign() { # name file-content expected-regex
	local f=$T/$1.json
	printf '%s' "$2" >"$f"
	timeout 120 "$DISCO" run "$f" --db "$T/$1.db" >/dev/null 2>"$T/$1.err"
	check_eq "campaign $1: exit 1" 1 $?
	check "campaign $1: message names the file" grep -qF "$f" "$T/$1.err"
	check "campaign $1: message says what is wrong" grep -Eq "$3" "$T/$1.err"
	check "campaign $1: no database created" test ! -e "$T/$1.db"
}
bad_campaign unknown '{"evaluator": "expapprox", "budgett": {"evaluations": 5}}' "unknown field 'budgett'.*budget"
bad_campaign wrongtype '{"workers": "two"}' "field 'workers'.*integer"
bad_campaign wrongint '{"budget": {"evaluations": 2.5}}' "field 'budget.evaluations'"
bad_campaign badjson '{"workers": 2,,}' "invalid JSON at line 1"
bad_campaign notobject '[1, 2]' "object"
timeout 120 "$DISCO" run "$T/missing.json" --db "$T/missing.db" >/dev/null 2>"$T/missing.err"
check_eq "campaign missing file: exit 1" 1 $?
check "campaign missing file: message names it" grep -qF "$T/missing.json" "$T/missing.err"
check "campaign missing file: no database created" test ! -e "$T/missing.db"

timeout 120 "$DISCO" run --evaluator expapprox --bogus-option --db "$T/u.db" >/dev/null 2>"$T/u.err"
check_eq "unknown option: exit 2" 2 $?
check "unknown option: named" grep -q -- "--bogus-option" "$T/u.err"
check "unknown option: no database created" test ! -e "$T/u.db"
timeout 120 "$DISCO" run --evaluator no-such-evaluator --db "$T/ne.db" >/dev/null 2>"$T/ne.err"
check_eq "unknown evaluator: exit 1" 1 $?
check "unknown evaluator: named" grep -q "no-such-evaluator" "$T/ne.err"
check "unknown evaluator: no database created" test ! -e "$T/ne.db"
timeout 120 "$DISCO" run --evaluator expapprox --workers 0 --db "$T/w0.db" >/dev/null 2>"$T/w0.err"
check_eq "--workers 0: exit 2" 2 $?
check "--workers 0: no database created" test ! -e "$T/w0.db"

# --- --log-json ----------------------------------------------------------------
timeout 120 "$DISCO" run --evaluator expapprox --db "$T/l.db" --budget-evals 200 --workers 2 --quiet \
	--log-json "$T/l.jsonl" >/dev/null 2>&1
check_eq "--log-json run exits 0" 0 $?
check "--log-json: file is not empty" test -s "$T/l.jsonl"
bad=0
while IFS= read -r line; do
	jq -e -c . <<<"$line" >/dev/null 2>&1 || bad=$((bad + 1))
done <"$T/l.jsonl"
check_eq "--log-json: every line is valid JSON" 0 "$bad"
check_eq "--log-json: one attempt event per attempt" 200 \
	"$(jq -c 'select(.event == "attempt")' "$T/l.jsonl" | wc -l)"
check_eq "--log-json: attempt seqs are 1..200" "$(seq 1 200 | md5sum)" \
	"$(jq -r 'select(.event == "attempt") | .seq' "$T/l.jsonl" | sort -n | md5sum)"
check_eq "--log-json: one summary event, last" summary "$(tail -n 1 "$T/l.jsonl" | jq -r .event)"
check_eq "--log-json: summary counts 200 attempts" 200 \
	"$(jq -r 'select(.event == "summary") | .attempts' "$T/l.jsonl")"
timeout 120 "$DISCO" run --evaluator expapprox --db "$T/l2.db" --budget-evals 5 --quiet \
	--log-json "$T/no/such/dir/l.jsonl" >/dev/null 2>"$T/l2.err"
check_eq "--log-json to an unwritable path: exit 1" 1 $?
check "--log-json to an unwritable path: names it" grep -qF "$T/no/such/dir/l.jsonl" "$T/l2.err"

# --- an example campaign file -----------------------------------------------------
timeout 120 "$DISCO" run "$ROOT/examples/minimal.json" --budget-evals 150 --db "$T/m.db" --quiet \
	>"$T/m.out" 2>"$T/m.err"
check_eq "examples/minimal.json runs" 0 $?
check_eq "examples/minimal.json: 150 attempts" 150 "$(q "$T/m.db" 'select count(*) from attempts')"
check "examples/minimal.json: evaluator expapprox stored" \
	test "$(q "$T/m.db" 'select json_extract(config, "$.evaluator") from campaigns')" = expapprox
check "examples/minimal.json: --db override kept in the stored config" \
	test "$(q "$T/m.db" 'select json_extract(config, "$.db") from campaigns')" = "$T/m.db"
check "examples/minimal.json: did not touch disco.db in the cwd" test ! -e "$T/disco.db"

# --- optim (slower evaluations, ~10 ms each) -----------------------------------
timeout 120 "$DISCO" run --evaluator optim --budget-evals 60 --workers 2 --db "$T/o.db" --quiet \
	>"$T/o.out" 2>"$T/o.err"
check_eq "optim run exits 0" 0 $?
check_eq "optim: 60 attempts, seq 1..60" "60|1|60|60" \
	"$(q "$T/o.db" 'select count(*), min(seq), max(seq), count(distinct seq) from attempts')"
check "optim: programs accepted" test "$(q "$T/o.db" 'select count(*) from programs')" -gt 0
check_eq "optim: two dimensions (slots, ops)" "slots,ops" "$(q "$T/o.db" 'select group_concat(name) from (select name from dims order by idx)')"
check "optim: summary names the best program" grep -q "best program #" "$T/o.out"
