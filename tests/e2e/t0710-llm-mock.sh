#!/usr/bin/env bash
# The happy path against a real OpenAI-compatible mock server from the npm
# registry (@dwmkerr/mock-llm), installed by this script into build/llm-mock
# and started on 127.0.0.1 only (it stops by itself: `timeout`).  A campaign
# mixing the LLM with the symbolic and literal mutators runs end to end: LLM children
# become programs, are deduplicated by the same hashes, spend is visible,
# and the key stays out of every output.
. "$(dirname "$0")/../lib.sh"
cd "$ROOT"
export no_proxy='*' NO_PROXY='*'
MOCK_VERSION=0.1.29
MOCK_DIR=$ROOT/build/llm-mock
MAIN=$MOCK_DIR/node_modules/@dwmkerr/mock-llm/dist/main.js
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
	echo "not ok - node and npm are needed for the mock server # SKIP"
	exit 0
fi
if [ ! -f "$MAIN" ]; then
	mkdir -p "$MOCK_DIR"
	if ! npm_config_cache="$ROOT/build/npm-cache" timeout 300 npm install --prefix "$MOCK_DIR" \
		--no-audit --no-fund --loglevel=error "@dwmkerr/mock-llm@$MOCK_VERSION" >"$T/npm.log" 2>&1; then
		not_ok "npm install @dwmkerr/mock-llm@$MOCK_VERSION"
		sed 's/^/# /' "$T/npm.log" | tail -5
		exit 0
	fi
fi
ok "mock server installed (@dwmkerr/mock-llm@$MOCK_VERSION)"

# Answers: a sequence of rewrites (Taylor polynomials of exp of rising
# degree; the first with its coefficients 15% low, so that fitting its
# constants surely pays and a fitted variant follows it), then one fixed
# SEARCH/REPLACE edit for every later request
# (and for any request that names its token limit with the wrong field).
python3 - "$T/mock.yaml" <<'EOF'
import json, sys
def taylor(d, scale=1.0):
    c = [1.0]
    for k in range(1, d + 1):
        c.append(c[-1] / k)
    c = [c[0]] + [v * scale for v in c[1:]]
    e = repr(c[-1])
    for x in reversed(c[:-1]):
        e = "%r + x * (%s)" % (x, e)
    return e
def answer(text):
    return json.dumps({"id": "chatcmpl-mock", "object": "chat.completion", "model": "mock",
                       "choices": [{"index": 0, "finish_reason": "stop",
                                    "message": {"role": "assistant", "content": text}}],
                       "usage": {"prompt_tokens": 300, "completion_tokens": 60, "total_tokens": 360}})
rules = []
for i, d in enumerate(range(4, 16)):
    # only a request carrying max_completion_tokens (as configured) gets code
    rules.append({"path": "/v1/chat/completions", "method": "POST", "sequence": i,
                  "match": "body.max_completion_tokens && !(body.max_tokens)",
                  "response": {"status": 200, "content": answer(
                      "A higher degree:\n```c\ndouble f(double x)\n{\n\treturn %s;\n}\n```\n"
                      % taylor(d, 0.85 if i == 0 else 1.0))}})
rules.insert(0, {"path": "/v1/chat/completions", "method": "POST", "match": "@",
                 "response": {"status": 200, "content": answer(
                     "<<<<<<< SEARCH\ndouble f(double x)\n=======\ndouble f(double x) /* same */\n>>>>>>> REPLACE\n")}})
json.dump({"rules": rules}, open(sys.argv[1], "w"), indent=1)
EOF
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
HOST=127.0.0.1 PORT=$PORT timeout 120 node "$MAIN" --config "$T/mock.yaml" >"$T/mock.log" 2>&1 &
MOCK=$!
trap 'kill $MOCK 2>/dev/null; wait $MOCK 2>/dev/null; rm -rf "$T"' EXIT
up=0
for _ in $(seq 100); do
	if curl -sf "http://127.0.0.1:$PORT/health" >/dev/null 2>&1; then up=1; break; fi
	sleep 0.1
done
check_eq "mock server answers on 127.0.0.1:$PORT" 1 "$up"
check "mock server listens on loopback only" bash -c "! ss -ltn 2>/dev/null | grep -q '0.0.0.0:$PORT'"

CANARY="sk-mock-canary-$RANDOM$RANDOM"
cat >"$T/camp.json" <<EOF
{ "description": "exp on [-1, 1] with an LLM, the symbolic and the literal mutator",
  "evaluator": "expapprox", "workers": 2, "seed": 5,
  "mutators": [{"name": "llm", "weight": 1}, {"name": "symbolic", "weight": 1}, {"name": "literal", "weight": 1}],
  "budget": {"evaluations": 0, "wall_seconds": 6, "llm_calls": 30},
  "llm": { "in_flight": 4, "diff_weight": 1, "rewrite_weight": 1, "choice": "bandit",
    "models": [{"name": "mock", "base_url": "http://127.0.0.1:$PORT/v1", "model": "mock-coder",
                "api_key_env": "DISCO_MOCK_KEY", "price_in": 0.15, "price_out": 0.6,
                "max_tokens_field": "max_completion_tokens"},
               {"name": "mock-pricey", "base_url": "http://127.0.0.1:$PORT/v1", "model": "mock-coder",
                "api_key_env": "DISCO_MOCK_KEY", "price_in": 3, "price_out": 15,
                "max_tokens_field": "max_completion_tokens"}] } }
EOF
DISCO_MOCK_KEY=$CANARY "$DISCO" run "$T/camp.json" --db "$T/m.db" --log-json "$T/log.json" >"$T/out" 2>"$T/err"
rc=$?
check_eq "campaign with llm + literal runs (exit 0)" 0 "$rc"
[ "$rc" = 0 ] || tail -5 "$T/err" | sed 's/^/# /'
q() { sqlite3 "$T/m.db" "$1"; }
n_ok=$(q "SELECT count(*) FROM llm_calls WHERE status='ok' AND tokens_in=300 AND tokens_out=60")
check "LLM calls answered with usage ($n_ok)" test "$n_ok" -ge 12
check_eq "the call cap holds" 1 "$(q "SELECT count(*) <= 30 FROM llm_calls")"
check "cost from the configured prices" test "$(q "SELECT count(*) FROM llm_calls WHERE model='mock' AND abs(cost - (300*0.15 + 60*0.6)/1e6) < 1e-15")" -ge 1
check "LLM children became programs" test "$(q "SELECT count(*) FROM programs WHERE mutator='llm'")" -ge 5
check "an LLM child improved the grid" test "$(q "SELECT count(*) FROM attempts WHERE mutator='llm' AND outcome IN ('NEW','IMPROVED')")" -ge 1
check "literal children ran alongside" test "$(q "SELECT count(*) FROM attempts WHERE mutator='literal'")" -ge 10
check "symbolic children ran alongside" test "$(q "SELECT count(*) FROM attempts WHERE mutator='symbolic'")" -ge 10
check "repeated LLM answers are deduplicated by the hashes" test "$(q "SELECT count(*) FROM attempts WHERE mutator='llm' AND status='duplicate'")" -ge 1
check "both edit forms were asked for" test "$(q "SELECT count(DISTINCT substr(message, 1, 18)) FROM llm_calls WHERE message LIKE 'edit applied: %'")" -ge 1
check "the bandit tried both models" test "$(q "SELECT count(DISTINCT model) FROM llm_calls")" -eq 2
check "the bandit's statistics are recorded" test "$(q "SELECT count(*) FROM events WHERE kind='llm_stats' AND detail LIKE '%\"bandit\"%' AND detail LIKE '%mock-pricey%'")" -ge 1
check "LLM children's constants are fitted (llm_fit events)" test "$(q "SELECT count(*) FROM events WHERE kind='llm_fit' AND json_extract(detail, '\$.evaluations') >= 1")" -ge 1
check "fitting's share of the score is recorded (gain)" test "$(q "SELECT count(*) FROM events WHERE kind='llm_fit' AND json_extract(detail, '\$.gain') >= 0")" -ge 1
check "constants are fitted in one compile (sandbox FIT jobs)" test "$(q "SELECT count(*) FROM events WHERE kind='llm_fit' AND json_extract(detail, '\$.mode') = 'one_compile' AND json_extract(detail, '\$.sandbox_trials') >= 1")" -ge 1
check "fitted variants descend from the LLM child" test "$(q "SELECT count(*) FROM programs c JOIN programs p ON c.parent_id = p.id WHERE c.mutator='llm' AND p.mutator='llm'")" -ge 1
check "the run summary shows spend" grep -q "llm: .* calls, tokens in" "$T/out"
"$DISCO" archive stats --db "$T/m.db" >"$T/stats" 2>&1
check "archive stats: improvements per USD" grep -q "per USD" "$T/stats"
for f in out err log.json stats; do
	check "the key is not in $f" bash -c "! grep -qF '$CANARY' '$T/$f'"
done
[ -z "${KEEP_DB:-}" ] || cp "$T/m.db" "$KEEP_DB"
check "the key is not in the database" bash -c "! cat '$T'/m.db* | grep -qaF '$CANARY'"
