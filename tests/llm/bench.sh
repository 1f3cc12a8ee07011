#!/usr/bin/env bash
# LLM mutator benchmarks (called by bench/run.sh; runnable alone).  Against
# tests/llm/fault_server.py on 127.0.0.1 (it stops by itself):
#   1. engine CPU time per LLM proposal: an LLM-only campaign against an
#      instant endpoint; the engine's own CPU time (getrusage, so the
#      server's time and the sandbox children's are excluded) per LLM call,
#      next to the same figure per attempt of a literal-only campaign;
#   2. sandbox rate with and without 64 slow requests in flight: a literal
#      campaign alone, then literal + llm with in_flight 64 against an
#      endpoint answering after 3 s (the most requests the server had at
#      once is reported).
# Prints "key value" lines on stdout, and the markdown section to $1 when
# given.  Medians of RUNS runs.
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${RUNS:-3}
SECS=${LLM_BENCH_SECONDS:-8}
CALLS=${LLM_BENCH_CALLS:-400}
out=$(mktemp -d "${TMPDIR:-/tmp}/disco-llmbench.XXXXXX")
export no_proxy='*' NO_PROXY='*'
python3 tests/llm/fault_server.py --port-file "$out/port" --stats-file "$out/stats.json" \
	--lifetime $((RUNS * (3 * SECS + 60) + 60)) --slow-s 3 &
SRV=$!
trap 'kill $SRV 2>/dev/null; wait $SRV 2>/dev/null || true; rm -rf "$out"' EXIT
for _ in $(seq 50); do [ -s "$out/port" ] && break; sleep 0.1; done
PORT=$(cat "$out/port")
median() { sort -g | awk '{v[NR]=$1} END {print (NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2)}'; }

camp() { # FILE MUTATORS LLM-OBJECT BUDGET
	cat >"$1" <<EOF
{ "evaluator": "expapprox", "workers": 2, "mutators": $2, "budget": $4,
  "llm": $3 }
EOF
}
model() { echo "{\"name\": \"$1\", \"base_url\": \"http://127.0.0.1:$PORT/$1/v1\", \"model\": \"m\", \"timeout_ms\": 20000}"; }
run() { # CAMPAIGN -> summary JSON line
	rm -f "$out/b.db"*
	./disco run "$1" --db "$out/b.db" --quiet --no-source --log-json "$out/b.log" >/dev/null
	jq -c 'select(.event=="summary")' "$out/b.log"
}
# Sandbox rate: attempts that reached the sandbox (not text duplicates), any mutator.
sbx_rate() { sqlite3 "$out/b.db" "SELECT count(*) / $SECS FROM attempts WHERE mutator != 'seed' AND (status != 'duplicate' OR message LIKE 'same probe outputs%')"; }

camp "$out/llm.json" '[{"name": "llm"}]' "{\"in_flight\": 8, \"models\": [$(model ok)]}" \
	"{\"evaluations\": 0, \"llm_calls\": $CALLS}"
camp "$out/lit.json" '[{"name": "literal"}]' '{}' "{\"evaluations\": 0, \"wall_seconds\": $SECS}"
camp "$out/mix.json" '[{"name": "literal"}, {"name": "llm"}]' \
	"{\"in_flight\": 64, \"models\": [$(model slow)]}" "{\"evaluations\": 0, \"wall_seconds\": $SECS}"

for i in $(seq "$RUNS"); do
	s=$(run "$out/llm.json")
	jq -r '"\(.engine_cpu_s / .llm_calls * 1000) \(.llm_calls)"' <<<"$s" >>"$out/llm_ms.txt"
	s=$(run "$out/lit.json")
	jq -r '"\(.engine_cpu_s / .attempts * 1000)"' <<<"$s" >>"$out/lit_ms.txt"
	sbx_rate >>"$out/rate_alone.txt"
	s=$(run "$out/mix.json")
	sbx_rate >>"$out/rate_mixed.txt"
	jq -r '.engine_cpu_s' <<<"$s" >>"$out/mix_cpu.txt"
done
llm_ms=$(cut -d' ' -f1 "$out/llm_ms.txt" | median | xargs printf '%.3f')
lit_ms=$(median <"$out/lit_ms.txt" | xargs printf '%.3f')
alone=$(median <"$out/rate_alone.txt")
mixed=$(median <"$out/rate_mixed.txt")
inflight=$(jq '.slow.max_active // 0' "$out/stats.json")
echo "llm_engine_cpu_ms_per_call $llm_ms"
echo "literal_engine_cpu_ms_per_attempt $lit_ms"
echo "sandbox_rate_alone $alone"
echo "sandbox_rate_with_64_slow $mixed"
echo "max_requests_in_flight $inflight"
if [ -n "${1:-}" ]; then
	cat >"$1" <<EOF
## LLM mutator (against tests/llm/fault_server.py on 127.0.0.1)

Engine CPU time is the engine process's own (getrusage): the server's time and the sandbox
children's are not in it.  An LLM proposal's figure covers everything the engine does for it:
model choice, prompt, JSON body, curl on the event loop, parsing, edit, the llm_calls row, and
the child's own evaluation bookkeeping (hashes, scoring, records).

| figure | value | target |
|---|---|---|
| engine CPU per LLM proposal ($CALLS calls, instant endpoint, 8 in flight) | $llm_ms ms | <= 1 ms |
| engine CPU per literal attempt, for comparison | $lit_ms ms | |
| sandbox rate (candidates through the sandbox per second), literal alone | $alone | |
| sandbox rate, literal + llm with 64 requests in flight answering after 3 s (their children included) | $mixed | about the same |
| most requests the server had at once | $inflight | >= 64 |
EOF
fi
