#!/usr/bin/env bash
# An archive belongs to one evaluator and one writer: a second writer is
# refused at once; resume refuses a changed or swapped evaluator and says
# what changed; paths in a campaign file resolve against its folder;
# resume works from any directory and accepts a moved, unchanged plug-in;
# a bad --log-json leaves nothing behind; Ctrl-C skips the held-out
# re-scoring; the default deadline is derived from the seeds and reported.
source "$(dirname "$0")/../lib.sh"
q() { sqlite3 "$@" 2>&1; }
PLUG=$ROOT/examples/plugin/sqrtapprox.c

# --- one writer -------------------------------------------------------------
"$DISCO" run --evaluator expapprox --db "$T/w.db" --budget-evals 0 --budget-seconds 20 --workers 1 --quiet \
	>"$T/w1.out" 2>"$T/w1.err" &
w1=$!
for _ in $(seq 100); do
	[ "$(q "$T/w.db" 'select count(*) from attempts' 2>/dev/null)" -gt 0 ] 2>/dev/null && break
	sleep 0.1
done
timeout 20 "$DISCO" resume "$T/w.db" --budget-evals 10 --quiet >"$T/w2.out" 2>"$T/w2.err"
check_eq "a second writer (resume) is refused" 1 $?
check "... saying another disco is writing" grep -q "another disco run or resume is writing to this archive" "$T/w2.err"
check_eq "... in one line" 1 "$(wc -l <"$T/w2.err")"
kill -INT $w1; wait $w1
check_eq "the first writer ends normally on Ctrl-C (130)" 130 $?
check "Ctrl-C: the held-out re-scoring is skipped and said so" grep -q "held-out split: skipped (interrupted)" "$T/w1.out"
check_eq "one campaign in the archive" 1 "$(q "$T/w.db" 'select count(*) from campaigns')"
timeout 60 "$DISCO" resume "$T/w.db" --budget-evals 0 --budget-seconds 1 --quiet >/dev/null 2>"$T/w3.err"
check_eq "after the writer ended, resume takes the archive" 0 $?

# --- derived deadline ---------------------------------------------------------
timeout 60 "$DISCO" run --evaluator expapprox --db "$T/d.db" --budget-evals 30 --workers 1 >/dev/null 2>"$T/d.err"
check "the start reports the deadline derived from the seeds" grep -Eq "deadline [0-9]+ ms per job \(20x the slowest seed" "$T/d.err"
timeout 60 "$DISCO" run --evaluator expapprox --db "$T/d2.db" --budget-evals 30 --workers 1 --timeout-ms 1500 >/dev/null 2>"$T/d2.err"
check "--timeout-ms is used as given (no derived deadline)" bash -c "! grep -q 'deadline .* per job' '$T/d2.err'"

# --- a bad --log-json leaves nothing behind -----------------------------------------
timeout 30 "$DISCO" run --evaluator expapprox --db "$T/nolog.db" --budget-evals 10 --log-json "$T/no/such/dir/x.jsonl" \
	>/dev/null 2>"$T/nolog.err"
check_eq "unwritable --log-json: exit 1" 1 $?
check "... says which file" grep -q "cannot write --log-json $T/no/such/dir/x.jsonl" "$T/nolog.err"
check "... and creates no archive" test ! -e "$T/nolog.db"

# --- evaluator identity ---------------------------------------------------------------
mkdir -p "$T/camp/ev" "$T/elsewhere"
cp "$PLUG" "$T/camp/ev/sq.c"
printf '{ "evaluator": { "plugin": "ev/sq.c" }, "budget": { "evaluations": 40 }, "workers": 1 }\n' >"$T/camp/c.json"
(cd "$T/elsewhere" && timeout 120 "$DISCO" run "$T/camp/c.json" --db "$T/p.db" --quiet >"$T/p.out" 2>"$T/p.err")
check_eq "a relative plug-in path in a campaign file resolves against the file's folder" 0 $?
check_eq "the stored identity is the plug-in's" "plugin|sqrtapprox" \
	"$(q "$T/p.db" "select json_extract(detail,'$.kind')||'|'||json_extract(detail,'$.name') from events where kind='evaluator'")"
(cd / && timeout 120 "$DISCO" resume "$T/p.db" --budget-evals 60 --quiet >"$T/r1.out" 2>"$T/r1.err")
check_eq "resume works from another directory" 0 $?
printf '\n/* an edit */\n' >>"$T/camp/ev/sq.c"
timeout 60 "$DISCO" resume "$T/p.db" --budget-evals 80 --quiet >"$T/r2.out" 2>"$T/r2.err"
check_eq "resume after editing the plug-in is refused" 1 $?
check "... saying the plug-in changed" grep -q "the plug-in 'sqrtapprox' changed since the campaign started" "$T/r2.err"
check_eq "... and nothing was added" 60 "$(q "$T/p.db" 'select count(*) from attempts')"
cp "$PLUG" "$T/camp/ev/sq.c"
mv "$T/camp/ev/sq.c" "$T/moved.c"
timeout 60 "$DISCO" resume "$T/p.db" --budget-evals 80 --quiet >"$T/r3.out" 2>"$T/r3.err"
check_eq "a moved plug-in: resume says where to point" 1 $?
check "... naming the old place and --evaluator" grep -q "is not there any more.*--evaluator FILE.c" "$T/r3.err"
timeout 120 "$DISCO" resume "$T/p.db" --evaluator "$T/moved.c" --budget-evals 80 --quiet >"$T/r4.out" 2>"$T/r4.err"
check_eq "resume --evaluator at the moved, unchanged plug-in works" 0 $?
check_eq "... and continues the count" 80 "$(q "$T/p.db" 'select count(*) from attempts')"
timeout 60 "$DISCO" resume "$T/p.db" --evaluator expapprox --budget-evals 90 --quiet >"$T/r5.out" 2>"$T/r5.err"
check_eq "resume with another evaluator is refused" 1 $?
check "... saying which two" grep -q "run with a plugin evaluator ('sqrtapprox'); this is a builtin evaluator ('expapprox')" "$T/r5.err"
timeout 60 "$DISCO" run --evaluator expapprox --db "$T/e.db" --budget-evals 20 --quiet >/dev/null 2>&1
timeout 60 "$DISCO" resume "$T/e.db" --evaluator logapprox --budget-evals 30 --quiet >/dev/null 2>"$T/r6.err"
check_eq "swapping one built-in for another is refused" 1 $?
check "... naming both" grep -q "evaluator 'expapprox'; this one is 'logapprox'" "$T/r6.err"
q "$T/e.db" "update events set detail=json_set(detail,'$.hash','0000000000000000') where kind='evaluator'" >/dev/null
timeout 60 "$DISCO" resume "$T/e.db" --budget-evals 30 --quiet >/dev/null 2>"$T/r7.err"
check_eq "a built-in whose definition differs is refused" 1 $?
check "... naming the versions" grep -q "built-in evaluator 'expapprox' of disco .* differs from this disco's" "$T/r7.err"

# --- the summary's best program is archive top's first row ------------------------
timeout 60 "$DISCO" run --evaluator expapprox --db "$T/b.db" --budget-evals 200 --workers 2 --quiet --no-source >"$T/b.out" 2>&1
best=$(sed -n 's/.*best program #\([0-9]*\).*/\1/p' "$T/b.out" | head -1)
top=$("$DISCO" archive top --db "$T/b.db" --limit 1 --json | jq -r '.. | objects | select(has("id")) | .id' | head -1)
check_eq "summary's best program = archive top's first row" "$top" "$best"
