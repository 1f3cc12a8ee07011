#!/bin/bash
# Symbolic search end to end: a campaign from the weak taylor2 seed stores
# IR with every program, each program's source is the rendering of its IR
# (eval of the source scores what the archive says), interpreted duplicates
# never reach the compiler, the seeds field is checked, the front shows the
# minimax reference, and an evaluator without IR falls back to literal.
. "$(dirname "$0")/../lib.sh"
q() { sqlite3 "$1" "$2"; }

cat > "$T/c.json" <<J
{"evaluator": "expapprox", "seeds": ["taylor2"], "budget": {"evaluations": 1500},
 "workers": 2, "seed": 3, "db": "$T/s.db"}
J
check "a symbolic campaign from taylor2 runs" timeout 300 "$DISCO" run "$T/c.json" --quiet --log-json "$T/c.log"
nb=$(jq -r 'select(.event=="summary") | .batched' "$T/c.log")
nf=$(jq -r 'select(.event=="summary") | .batch_fallbacks' "$T/c.log")
check "children ran in batches ($nb of them)" test "$nb" -gt 100
check_eq "no batch had to be re-run one by one" 0 "$nf"
# A small source limit: batches shrink to fit it (the whole unit passes the
# prescan), none is refused and re-run one by one.
cat > "$T/small.json" <<J
{"evaluator": "expapprox", "seeds": ["taylor2"], "budget": {"evaluations": 1500},
 "workers": 2, "seed": 3, "db": "$T/small.db", "sandbox": {"max_source_bytes": 12000}}
J
check "a campaign with max_source_bytes 12000 runs" timeout 300 "$DISCO" run "$T/small.json" --quiet --log-json "$T/small.log"
sb=$(jq -r 'select(.event=="summary") | .batched / .batches | floor' "$T/small.log")
check "its batches are small ($sb programs each)" test "$sb" -lt 30 -a "$sb" -gt 2
check_eq "none of its batches was refused" 0 "$(jq -r 'select(.event=="summary") | .batch_fallbacks' "$T/small.log")"
check_eq "nothing of it was rejected for size" 0 "$(q "$T/small.db" "select count(*) from attempts where status = 'rejected'")"
check_eq "one seed: taylor2" 1 "$(q "$T/s.db" "select count(*) from programs where mutator = 'seed'")"
check_eq "every program carries IR" 0 "$(q "$T/s.db" "select count(*) from programs where ir is null or ir not like 'sym expapprox%'")"
check_eq "children are symbolic" 0 "$(q "$T/s.db" "select count(*) from programs where mutator not in ('seed', 'symbolic')")"
best=$("$DISCO" archive top --db "$T/s.db" --json --limit 1 | jq -r '.[0].id // .programs[0].id')
q "$T/s.db" "select source from programs where id = $best" > "$T/best.c"
want=$(q "$T/s.db" "select printf('%.6f', max(score)) from evaluations where program_id = $best and split = 0")
got=$("$DISCO" eval "$T/best.c" --evaluator expapprox --json | jq -r '.score' | xargs printf '%.6f')
check_eq "the stored source scores what the archive says" "$want" "$got"
check "search beats the seed (0.44 digits)" test "$(q "$T/s.db" "select max(score) > 1.5 from evaluations where split = 0")" = 1
n=$(q "$T/s.db" "select count(*) from attempts where message like '%(interpreted)'")
check "the interpreter caught functional duplicates before compiling ($n)" test "$n" -gt 0
check_eq "interpreted duplicates have no compile time" 0 \
	"$(q "$T/s.db" "select count(*) from attempts where message like '%(interpreted)' and compile_ms > 0")"
"$DISCO" archive front --db "$T/s.db" > "$T/front.txt"
check "front lists ops with the minimax reference" grep -q "reference: minimax polynomial" "$T/front.txt"
check "front row at 4 ops shows 1.40" grep -Eq "^4 .* 1\.40 \(" "$T/front.txt"
"$DISCO" archive front --db "$T/s.db" --json > "$T/front.json"
check_eq "front JSON names the dimension" ops "$(json "$T/front.json" .dim)"
check "front --dim unknown is a usage error" bash -c "! '$DISCO' archive front --db '$T/s.db' --dim zz 2>'$T/e'; grep -q \"is not a dimension\" '$T/e'"

cat > "$T/bad.json" <<J
{"evaluator": "expapprox", "seeds": ["taylor99"], "budget": {"evaluations": 10}, "db": "$T/b.db"}
J
"$DISCO" run "$T/bad.json" --quiet 2> "$T/err" >/dev/null
check "an unknown seed name is refused with the known ones" grep -q "no IR seed 'taylor99' (it has: taylor2" "$T/err"

check "expapprox-wide (no IR) runs with the literal fallback" timeout 120 "$DISCO" run --evaluator expapprox-wide \
	--budget-evals 60 --workers 1 --db "$T/w.db" --quiet
check_eq "its programs have no IR" 0 "$(q "$T/w.db" "select count(*) from programs where ir is not null")"
check "it made children" test "$(q "$T/w.db" "select count(*) from programs where mutator = 'symbolic'")" -gt 0

# A C plug-in declares its symbolic form (examples/plugin/sqrtapprox.c).
check "a plug-in with an IR form runs symbolically" timeout 120 "$DISCO" run --evaluator "$ROOT/examples/plugin/sqrtapprox.c" \
	--budget-evals 80 --workers 1 --db "$T/p.db" --quiet
check_eq "the plug-in's programs carry IR" 0 "$(q "$T/p.db" "select count(*) from programs where ir is null or ir not like 'sym sqrtapprox%'")"
check "the plug-in's children are symbolic" test "$(q "$T/p.db" "select count(*) from programs where mutator = 'symbolic'")" -gt 0

# An external command declares it in its info answer.
cat > "$T/ext.py" <<'PY'
import json, sys
req = json.loads(sys.stdin.read())
if req["request"] == "info":
    print(json.dumps({"name": "lenfit", "seeds": [{"name": "c", "source": "double f(double x) { return x; }"}],
                      "dims": [{"name": "len", "lo": 0, "hi": 2000, "bins": 4}],
                      "ir": {"shape": "func", "template": "double f(double x)\n{\n\tdouble y;\n\t{body}\n\treturn y;\n}\n",
                             "regs": [{"name": "x", "c": "x", "access": "in"}, {"name": "y", "c": "y", "access": "out"}],
                             "ops": "add mul", "seeds": [{"name": "id", "source": "sym lenfit\ny = mul x 1.5\n"}]}}))
else:
    src = req["source"]
    print(json.dumps({"status": "ok", "score": len(src) / 100.0, "descriptors": {"len": len(src)}}))
PY
check "an external command with an IR form runs symbolically" timeout 120 "$DISCO" run --evaluator-cmd "python3 $T/ext.py" \
	--budget-evals 30 --workers 1 --db "$T/x.db" --quiet
check_eq "the command's programs carry IR" 0 "$(q "$T/x.db" "select count(*) from programs where ir is null or ir not like 'sym lenfit%'")"
check "the command's children are symbolic" test "$(q "$T/x.db" "select count(*) from programs where mutator = 'symbolic'")" -gt 0
sed -i 's/"ops": "add mul"/"ops": "add frob"/' "$T/ext.py"
"$DISCO" run --evaluator-cmd "python3 $T/ext.py" --budget-evals 5 --db "$T/x2.db" --quiet 2> "$T/err2" >/dev/null
check "a bad IR form is refused naming the op" grep -q "frob" "$T/err2"
