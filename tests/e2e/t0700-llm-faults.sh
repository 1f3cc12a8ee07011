#!/usr/bin/env bash
# The LLM mutator against a server that misbehaves in every way we know
# (tests/llm/fault_server.py, loopback only, stops by itself): one model
# per fault.  The campaign must survive all of them, record each call and
# each failed edit with its reason, pause a failing endpoint and resume a
# recovering one, honour Retry-After, count missing usage as unknown, and
# never let the key (a canary) reach any output, file or child process.
. "$(dirname "$0")/../lib.sh"
cd "$ROOT"
command -v python3 >/dev/null || { echo "not ok - python3 is needed # SKIP"; exit 0; }
export no_proxy='*' NO_PROXY='*'

CANARY="sk-disco-canary-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
python3 tests/llm/fault_server.py --port-file "$T/port" --stats-file "$T/stats.json" \
	--expect-key "$CANARY" --lifetime 150 --pwned "$T/pwned" &
SRV=$!
trap 'kill $SRV 2>/dev/null; wait $SRV 2>/dev/null; rm -rf "$T"' EXIT
for _ in $(seq 50); do [ -s "$T/port" ] && break; sleep 0.1; done
PORT=$(cat "$T/port")

MODES="ok diff reasoning r429 e500 e503 flaky hang drip partial truncjson malformed empty null nocode nocompile system huge close nomatch length leak"
{
	echo '{ "evaluator": "expapprox", "mutators": [{"name": "llm"}], "workers": 2, "seed": 3,'
	echo '  "budget": {"evaluations": 0, "wall_seconds": 90, "llm_calls": 130},'
	echo '  "llm": { "retries": 1, "retry_base_ms": 50, "retry_max_ms": 1500, "breaker_failures": 2,'
	echo '    "breaker_pause_ms": 300, "in_flight": 8, "max_response_bytes": 1048576, "store_bytes": 4096,'
	echo '    "models": ['
	sep=""
	for m in $MODES; do
		printf '%s{"name": "%s", "base_url": "http://127.0.0.1:%s/%s/v1", "model": "mock-%s",' "$sep" "$m" "$PORT" "$m" "$m"
		printf ' "api_key_env": "DISCO_TEST_KEY", "timeout_ms": 1000, "max_tokens": 1024,'
		# flaky is chosen often, so its pause and its recovery both happen
		printf ' "price_in": 0.5, "price_out": 1.5, "weight": %s}\n' "$([ "$m" = flaky ] && echo 8 || echo 1)"
		sep=","
	done
	echo '] } }'
} >"$T/camp.json"

# Run it; meanwhile look at every process the engine starts (and, once the
# keys are taken, the engine itself) for the canary in its environment.
DISCO_TEST_KEY="$CANARY" "$DISCO" run "$T/camp.json" --db "$T/f.db" --log-json "$T/log.json" \
	>"$T/out" 2>"$T/err" &
DPID=$!
leaks=0; looked=0
descendants() { local p; for p in $(ps -o pid= --ppid "$1" 2>/dev/null); do echo "$p"; descendants "$p"; done; }
sleep 0.5
while kill -0 "$DPID" 2>/dev/null; do
	for p in "$DPID" $(descendants "$DPID"); do
		if [ -r "/proc/$p/environ" ]; then
			looked=$((looked + 1))
			if { tr '\0' '\n' <"/proc/$p/environ"; } 2>/dev/null | grep -qF "$CANARY"; then
				leaks=$((leaks + 1))
				echo "# canary in the environment of pid $p: $(tr '\0' ' ' <"/proc/$p/cmdline")"
			fi
		fi
	done
	sleep 0.2
done
wait "$DPID"
rc=$?
check_eq "campaign survives every fault (exit 0)" 0 "$rc"
[ "$rc" = 0 ] || { tail -20 "$T/err" | sed 's/^/# /'; }
check "the campaign ended on the LLM call cap" grep -q "every mutator exhausted" "$T/out"

q() { sqlite3 "$T/f.db" "$1"; }
for st in ok http_error timeout transport_error too_big bad_response no_content truncated; do
	n=$(q "SELECT count(*) FROM llm_calls WHERE status='$st'")
	check "llm_calls records status $st ($n)" test "$n" -ge 1
done
model_status() { q "SELECT group_concat(DISTINCT status) FROM llm_calls WHERE model='$1'"; }
check_eq "500 with an HTML body: http_error" http_error "$(model_status e500)"
check "500 message shows the HTML body" test "$(q "SELECT count(*) FROM llm_calls WHERE model='e500' AND message LIKE 'HTTP 500: <html>%'")" -ge 1
check "503 every other time: retried to ok" test "$(q "SELECT count(*) FROM llm_calls WHERE model='e503' AND status='ok' AND retries >= 1")" -ge 1
check "429 with Retry-After: retried to ok" test "$(q "SELECT count(*) FROM llm_calls WHERE model='r429' AND status='ok' AND retries >= 1")" -ge 1
check "429 waits for Retry-After (1 s) before retrying" test "$(q "SELECT count(*) FROM llm_calls WHERE model='r429' AND retries >= 1 AND latency_ms >= 950")" -ge 1
check_eq "hang past the timeout: timeout" timeout "$(model_status hang)"
check_eq "slow drip: timeout" timeout "$(model_status drip)"
check_eq "closed connection: transport_error" transport_error "$(model_status close)"
check_eq "short body (Content-Length lies): transport_error" transport_error "$(model_status partial)"
check_eq "huge body: too_big" too_big "$(model_status huge)"
check_eq "truncated JSON: bad_response" bad_response "$(model_status truncjson)"
check_eq "malformed JSON: bad_response" bad_response "$(model_status malformed)"
check_eq "empty choices: bad_response" bad_response "$(model_status empty)"
check_eq "null content: no_content" no_content "$(model_status null)"
check_eq "finish_reason length: truncated" truncated "$(model_status length)"
check_eq "reasoning_content is ignored: the answer is used" ok "$(model_status reasoning)"
check "no usage: tokens unknown (NULL), never 0" test "$(q "SELECT count(*) FROM llm_calls WHERE model='reasoning' AND tokens_in IS NULL AND cost IS NULL")" -ge 1
check "usage: tokens and cost from prices" test "$(q "SELECT count(*) FROM llm_calls WHERE model='ok' AND tokens_in=120 AND tokens_out=80 AND abs(cost - 0.00018) < 1e-12")" -ge 1

fail_msg() { q "SELECT count(*) FROM attempts WHERE mutator='llm' AND status='edit_failed' AND message LIKE '%$1%'"; }
check "answer with no code: edit_failed with its reason" test "$(fail_msg 'no SEARCH/REPLACE block and no fenced code block')" -ge 1
check "diff that does not match: edit_failed with its reason" test "$(fail_msg 'does not match the program')" -ge 1
check "cut at max_tokens: edit_failed with its reason" test "$(fail_msg 'cut at max_tokens')" -ge 1
check "null content: edit_failed with its reason" test "$(fail_msg 'has no content')" -ge 1
check "code that does not compile: compile_error attempt" test "$(q "SELECT count(*) FROM attempts WHERE mutator='llm' AND status='compile_error'")" -ge 1
check "code calling system(): never runs" test "$(q "SELECT count(*) FROM attempts a JOIN llm_calls c ON c.attempt_seq=a.seq WHERE c.model='system' AND a.status IN ('rejected','compile_error')")" -ge 1
check "code calling system(): nothing was created" test ! -e "$T/pwned"
check "a failing endpoint is paused (llm_pause event)" test "$(q "SELECT count(*) FROM events WHERE kind='llm_pause' AND detail LIKE '%\"e500\"%'")" -ge 1
check "a recovering endpoint resumes (llm_resume event)" test "$(q "SELECT count(*) FROM events WHERE kind='llm_resume' AND detail LIKE '%\"flaky\"%'")" -ge 1
check "the budget stop is an event" test "$(q "SELECT count(*) FROM events WHERE kind='llm_budget_stop'")" -eq 1
calls=$(q "SELECT count(*) FROM llm_calls")
check "the call cap holds (130): $calls calls" test "$calls" -le 130
check "good answers became programs" test "$(q "SELECT count(*) FROM programs WHERE mutator='llm'")" -ge 1
check "calls are linked to their attempts" test "$(q "SELECT count(*) FROM llm_calls c JOIN attempts a ON a.seq=c.attempt_seq WHERE a.mutator='llm'")" -ge 1
check "prompts and answers are stored, bounded" test "$(q "SELECT count(*) FROM llm_calls WHERE prompt LIKE '%double f(double x)%' AND length(prompt) <= 4200 AND length(answer) <= 4200")" -ge 1
check "the lineage's failures reach later prompts" test "$(q "SELECT count(*) FROM llm_calls WHERE prompt LIKE '%- edit_failed: %' OR prompt LIKE '%- compile_error: %'")" -ge 1
check "per-model statistics are recorded" test "$(q "SELECT count(*) FROM events WHERE kind='llm_stats'")" -ge 1

"$DISCO" archive stats --db "$T/f.db" >"$T/stats.txt" 2>&1
check "archive stats shows spend per 1k tokens" grep -q "per 1k tokens" "$T/stats.txt"
check "archive stats shows calls without usage" grep -q "calls without usage" "$T/stats.txt"
check "archive stats shows the spend per model" grep -qE "^e500 +[0-9]+ +[0-9]+ " "$T/stats.txt"
"$DISCO" archive stats --db "$T/f.db" --json >"$T/stats.json.out" 2>&1
check "archive stats --json: unknown usage counted" test "$(jq .llm_usage_unknown "$T/stats.json.out")" -ge 1

# The key: the server got it in every request header, nothing else has it.
check "every request carried the key in its header" \
	python3 -c "import json,sys; s=json.load(open('$T/stats.json')); sys.exit(0 if s and all(v['requests']==v['with_key'] for v in s.values()) else 1)"
check "a server echoing the key is redacted" test "$(q "SELECT count(*) FROM llm_calls WHERE model='leak' AND message LIKE '%[redacted]%'")" -ge 1
sqlite3 "$T/f.db" .dump >"$T/dump.sql"
for f in out err log.json dump.sql stats.txt stats.json.out; do
	check "the canary is not in $f" bash -c "! grep -qF '$CANARY' '$T/$f'"
done
check "the canary is not in the database files" bash -c "! cat '$T'/f.db* | grep -qaF '$CANARY'"
check "processes were inspected while it ran ($looked)" test "$looked" -ge 3
check_eq "the canary is in no process environment (engine after start-up, fork server, children)" 0 "$leaks"
[ -z "${KEEP_DB:-}" ] || cp "$T/f.db" "$KEEP_DB"
