#!/usr/bin/env bash
# t0540-baseline-tune: `disco baseline NAME --tune N` tunes each seed's
# float constants with N evaluations, reproducibly by --seed, never reports
# a tuned score below the default, stores the figures with --db, and `disco
# run` on that archive compares its best program with the best tuned
# baseline (summary line and --log-json event).
source "$(dirname "$0")/../lib.sh"

PLUG=$ROOT/examples/plugin/sqrtapprox.c

"$DISCO" baseline "$PLUG" --tune 15 --json >"$T/a.json" 2>"$T/err"
check_eq "tune: exit 0" 0 "$?"
check "tune: every seed has tuned figures" jq -e 'all(.[]; .tuned.evals == 15 and (.tuned.train | type) == "number")' "$T/a.json"
check "tune: tuned train never below the default" jq -e 'all(.[]; .tuned.train >= .train)' "$T/a.json"
check "tune: the linear seed improves" jq -e '.[] | select(.seed == "linear") | .tuned.train > .train' "$T/a.json"
check "tune: the tuned source is included" jq -e 'all(.[]; .tuned.source | test("double f"))' "$T/a.json"

"$DISCO" baseline "$PLUG" --tune 15 --json >"$T/b.json" 2>"$T/err"
check "tune: the same --seed gives the same tuning" cmp -s "$T/a.json" "$T/b.json"
"$DISCO" baseline "$PLUG" --tune 15 --seed 2 --json >"$T/c.json" 2>"$T/err"
check "tune: another --seed, another tuning" bash -c "! cmp -s '$T/a.json' '$T/c.json'"

"$DISCO" baseline "$PLUG" --tune 15 >"$T/out" 2>"$T/err"
check "tune text: a tuned column" grep -q 'tuned train' "$T/out"

"$DISCO" baseline "$PLUG" --db "$T/x.db" >"$T/out" 2>"$T/err"
check_eq "usage: --db without --tune exits 2" 2 "$?"
"$DISCO" baseline "$PLUG" --tune 0 >"$T/out" 2>"$T/err"
check_eq "usage: --tune 0 exits 2" 2 "$?"

"$DISCO" baseline "$PLUG" --tune 15 --db "$T/camp.db" >"$T/out" 2>"$T/err"
check_eq "tune --db: exit 0" 0 "$?"
check "tune --db: says where" grep -q "tuned figures stored in $T/camp.db" "$T/out"
"$DISCO" run --evaluator "$PLUG" --db "$T/camp.db" --budget-evals 40 --quiet --no-source \
	--log-json "$T/log" >"$T/out" 2>"$T/err"
check_eq "run on the tuned archive: exit 0" 0 "$?"
check "run: summary names the best tuned baseline" grep -q 'best tuned baseline newton4 (15 evaluations): train' "$T/out"
check "run: the summary event carries it" jq -e -s '.[] | select(.event == "summary") | (.tuned_baseline | type) == "number" and .tuned_baseline_seed == "newton4"' "$T/log"

"$DISCO" run --evaluator "$PLUG" --db "$T/plain.db" --budget-evals 20 --quiet --no-source >"$T/out" 2>"$T/err"
check_eq "run without tuned figures: exit 0" 0 "$?"
check_eq "run without tuned figures: no tuned line" 0 "$(grep -c 'tuned baseline' "$T/out")"
