#!/usr/bin/env bash
# Crash safety: a writer is killed with SIGKILL at random moments, resumed,
# killed again.  After every kill the archive must pass integrity_check,
# hold every batch the writer reported committed, and its counts must agree
# (no attempt lost or doubled across resumes, programs = ok attempts,
# elites = NEW outcomes, each elite the best of its cell).
source "$(dirname "$0")/../lib.sh"
cd "$ROOT"
# The synthetic-archive writer, built by `make tools`.
[ -x "$TOOLS/arc_writer" ] || { not_ok "build/tools/arc_writer is built (make tools)"; exit 1; }
W=$TOOLS/arc_writer

# kill_round DB LOG SEED NAME: run the writer for a random 50-700 ms, SIGKILL
# it, then check the archive.
kill_round() {
	local db=$1 log=$2 seed=$3 name=$4
	"$W" write "$db" "$log" "$seed" 2>"$T/w.err" &
	local pid=$!
	sleep "0.$(printf '%03d' $((50 + RANDOM % 650)))"
	if ! kill -0 "$pid" 2>/dev/null; then
		not_ok "$name: writer stopped by itself ($(head -1 "$T/w.err"))"; return
	fi
	kill -KILL "$pid"; wait "$pid" 2>/dev/null
	check_eq "$name: integrity_check" ok "$(sqlite3 "$db" 'PRAGMA integrity_check')"
	if "$W" check "$db" "$log" "$seed" >"$T/c.out" 2>"$T/c.err"; then
		ok "$name: committed rows present, counts agree ($(cat "$T/c.out"))"
	else
		not_ok "$name: $(head -3 "$T/c.err" | tr '\n' ' ')"
	fi
}

# One archive killed and resumed six times.
DB=$T/resume.db LOG=$T/resume.log
for i in 1 2 3 4 5 6; do kill_round "$DB" "$LOG" 11 "resume round $i"; done
check_eq "resumes were recorded" 5 "$(sqlite3 "$DB" "select count(*) from events where kind='resume'")"
check "the writer made progress" test "$(sqlite3 "$DB" 'select count(*) from attempts')" -gt 1000

# Fresh archives killed once each, some very early (during creation).
for i in 1 2 3 4; do
	kill_round "$T/fresh$i.db" "$T/fresh$i.log" $((100 + i)) "fresh archive $i"
done

# The browsing CLI reads a killed archive (read-only) without trouble.
"$DISCO" archive stats --db "$DB" --json >"$T/s.json"
check_eq "stats after the kills" "$(sqlite3 "$DB" 'select count(*) from attempts')" "$(jq .attempts "$T/s.json")"
