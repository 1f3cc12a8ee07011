#!/bin/bash
# optim's later stages in a symbolic campaign: IR children that pass stage
# 0 run their train stage in batches, in run()'s own process (no serve()
# round trips), and each scores exactly what it scores alone in the
# candidate's own process (disco eval, which uses serve()).
. "$(dirname "$0")/../lib.sh"
q() { sqlite3 "$1" "$2"; }

cat > "$T/c.json" <<J
{"evaluator": "optim", "seeds": ["sgd"], "budget": {"evaluations": 400},
 "workers": 2, "seed": 2, "db": "$T/o.db"}
J
check "an optim campaign from sgd runs" timeout 300 "$DISCO" run "$T/c.json" --quiet --log-json "$T/c.log"
lb=$(jq -r 'select(.event=="summary") | .later_batches' "$T/c.log")
ln=$(jq -r 'select(.event=="summary") | .later_batched' "$T/c.log")
check "later stages ran in batches ($ln children in $lb jobs)" test "$ln" -gt "$lb" -a "$lb" -gt 0
check_eq "no batch had to be re-run one by one" 0 "$(jq -r 'select(.event=="summary") | .batch_fallbacks' "$T/c.log")"
n1=$(q "$T/o.db" "select count(*) from attempts where stage = 1 and status = 'ok'")
check "children reached the train stage ($n1)" test "$n1" -gt 20
# the three best, and three from the middle, scored again alone
ids=$(q "$T/o.db" "select program_id from evaluations where split = 0 and stage = 1 order by score desc limit 3;
                   select program_id from evaluations where split = 0 and stage = 1 order by score limit 3 offset 10")
same=0 total=0
for id in $ids; do
	q "$T/o.db" "select source from programs where id = $id" > "$T/p.c"
	want=$(q "$T/o.db" "select printf('%.12f', score) from evaluations where program_id = $id and split = 0 and stage = 1")
	got=$("$DISCO" eval "$T/p.c" --evaluator optim --json | jq -r '.score' | xargs printf '%.12f')
	total=$((total + 1))
	[ "$want" = "$got" ] && same=$((same + 1))
done
check_eq "batched train scores equal the separate-process ones ($total programs)" "$total" "$same"
check "the search beats the seed (0.44)" test "$(q "$T/o.db" "select max(score) > 1.5 from evaluations where split = 0")" = 1
