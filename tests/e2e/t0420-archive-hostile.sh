#!/usr/bin/env bash
# `disco archive` on hostile and awkward archives: text from candidates
# never reaches the terminal raw (ESC, OSC, C1, CR), JSON and exports are
# valid UTF-8 whatever the sources hold, QD-score with negative scores uses
# an offset, no island 99, total times not below their parts, and an
# archive on a read-only mount can be read.
source "$(dirname "$0")/../lib.sh"
cd "$ROOT"
[ -x "$TOOLS/arc_writer" ] || { not_ok "build/tools/arc_writer is built (make tools)"; exit 1; }
arc() { "$DISCO" archive "$@"; }
DB=$T/hostile.db
"$TOOLS/arc_writer" hostile "$DB" || { not_ok "write the hostile archive"; exit 1; }

# --- terminal text --------------------------------------------------------------------------
# raw: no C0 control but newline and tab, no DEL, no C1 (UTF-8 C2 80-9F)
raw_ok() { python3 -c '
import re, sys
b = sys.stdin.buffer.read()
sys.exit(1 if re.search(rb"[\x00-\x08\x0b-\x1f\x7f]|\xc2[\x80-\x9f]", b) else 0)'; }
for sub in "show 2" "show 8" "list" "top" "lineage 8" "cells" "stats" "diff 1 2"; do
	arc $sub --db "$DB" >"$T/out" 2>&1; rc=$?
	check_eq "$sub: exit 0" 0 $rc
	check "$sub: no raw control characters reach the terminal" raw_ok <"$T/out"
done
arc show 2 --db "$DB" >"$T/show"
check "show: ESC is shown as \\x1b" grep -qF '\x1b]0;pwned-title\x07' "$T/show"
check "show: C1 CSI is shown as \\u009b" grep -qF '\u009b31m' "$T/show"
check "show: a carriage return is shown, not obeyed" grep -qF '\x0d overwritten' "$T/show"
check "show: the message's OSC 52 is shown as text" grep -qF '\x1b]52;c;' "$T/show"
check "show: invalid UTF-8 becomes U+FFFD" grep -q $'\xef\xbf\xbd' "$T/show"
check "show: valid UTF-8 throughout" python3 -c 'import sys; sys.stdin.buffer.read().decode("utf-8")' <"$T/show"

# --- JSON and exports are valid UTF-8 JSON -----------------------------------------------------
for sub in "show 2" "list" "top" "lineage 8" "cells" "stats" "diff 1 2"; do
	arc $sub --db "$DB" --json >"$T/j"
	check "$sub --json: Python's json module reads it" python3 -c 'import json,sys; json.load(open(sys.argv[1], encoding="utf-8"))' "$T/j"
done
check_eq "show --json keeps the text, repaired" true \
	"$(arc show 2 --db "$DB" --json | jq '.source | contains("</script><script>window.__pwned=1") and contains("\ufffd")')"
for t in programs attempts evaluations elites llm_calls events campaigns dims; do
	arc export --db "$DB" --table $t >"$T/x.jsonl"
	check "export $t: every line is JSON for Python" python3 -c '
import json, sys
for line in open(sys.argv[1], encoding="utf-8"): json.loads(line)' "$T/x.jsonl"
	arc export --db "$DB" --table $t --format csv >"$T/x.csv"
	check "export $t --format csv: valid UTF-8 CSV" python3 -c '
import csv, sys
list(csv.reader(open(sys.argv[1], encoding="utf-8", newline="")))' "$T/x.csv"
done

# --- QD-score with negative scores ------------------------------------------------------------------
arc stats --db "$DB" --json >"$T/s.json"
low=$(sqlite3 "$DB" 'select min(score) from evaluations where split=0' | awk '{print $1 + 0}')
check_eq "stats: the QD offset is the lowest score" "$low" "$(jq .qd_offset "$T/s.json")"
check_eq "stats: QD-score is the sum of (score - offset)" \
	"$(sqlite3 "$DB" "select sum(score - ($low)) from elites" | awk '{print $1 + 0}')" "$(jq .qd_score "$T/s.json")"
check "stats: QD-score is not negative" test "$(jq '.qd_score >= 0' "$T/s.json")" = true
check "stats table names the offset" bash -c "'$DISCO' archive stats --db '$DB' | grep -q 'qd-score.*(offset -10)'"

# --- islands that do not exist ---------------------------------------------------------------------------
for sub in list top cells stats; do
	arc $sub --db "$DB" --island 99 >"$T/out" 2>"$T/err"; rc=$?
	check_eq "$sub --island 99: exit 1" 1 $rc
	check "$sub --island 99: says there is no such island" grep -q "no island 99: this campaign has 2 islands, 0 to 1" "$T/err"
	check_eq "$sub --island 99: nothing on stdout" 0 "$(wc -c <"$T/out")"
done
check_eq "cells --island 1 still works" 0 "$(arc cells --db "$DB" --island 1 >/dev/null; echo $?)"

# --- times: the whole is not smaller than its parts -------------------------------------------------------
"$DISCO" run --evaluator expapprox --budget-evals 200 --quiet --db "$T/run.db" >/dev/null 2>&1
check_eq "no attempt's total time below the sum of its phases" 0 \
	"$(sqlite3 "$T/run.db" 'select count(*) from attempts where total_ms < compile_ms + run_ms + score_ms - 1e-9')"
ID=$(arc top --db "$T/run.db" --json --limit 1 | jq '.[0].id')
check "show's total is not smaller than its parts" python3 -c '
import json, sys
for a in json.load(sys.stdin)["attempts"]:
    assert a["total_ms"] + 1e-9 >= a["compile_ms"] + a["run_ms"] + a["score_ms"], a' \
	< <(arc show "$ID" --db "$T/run.db" --json)

# --- a read-only mount -----------------------------------------------------------------------------------------
RO=$T/ro SRC=$T/src
mkdir -p "$RO" "$SRC"
"$TOOLS/arc_writer" gen "$SRC/clean.db" 500 3
trap 'umount "$RO" 2>/dev/null; rm -rf "$T"' EXIT
if [ "$(id -u)" = 0 ] && mount --bind "$SRC" "$RO" 2>/dev/null && mount -o remount,bind,ro "$RO" 2>/dev/null &&
	! touch "$RO/probe" 2>/dev/null; then
	check_eq "read-only mount: a cleanly closed WAL archive can be read" 500 \
		"$(arc stats --db "$RO/clean.db" --json | jq .attempts)"
	check "read-only mount: and reported" "$DISCO" report --db "$RO/clean.db" --out "$T/ro.html"
	umount "$RO"
	# a killed writer leaves -wal and -shm behind: readable as they are
	"$TOOLS/arc_writer" write "$SRC/killed.db" "$T/log" 5 2>/dev/null &
	w=$!; sleep 0.5; kill -KILL $w; wait $w 2>/dev/null
	n=$(sqlite3 "file:$SRC/killed.db?mode=ro" 'select count(*) from attempts')
	mount --bind "$SRC" "$RO" && mount -o remount,bind,ro "$RO"
	if [ -e "$SRC/killed.db-shm" ]; then
		check_eq "read-only mount: a killed campaign's archive (with -wal and -shm) can be read" "$n" \
			"$(arc stats --db "$RO/killed.db" --json | jq .attempts)"
	fi
	umount "$RO"
	# -wal holding commits but no -shm: say what to do, never show stale data
	mkdir -p "$SRC/w"; cp "$SRC/clean.db" "$SRC/w/k2.db"
	python3 -c '
import os, sqlite3, sys
c = sqlite3.connect(sys.argv[1])
c.execute("PRAGMA wal_autocheckpoint=0")
c.execute("INSERT INTO events(kind, detail, created) VALUES(\"probe\", NULL, 0)")
c.commit()
os._exit(0)  # no checkpoint: the commit stays in the -wal file' "$SRC/w/k2.db"
	rm -f "$SRC/w/k2.db-shm"
	check "the probe left a -wal file holding a commit" test -s "$SRC/w/k2.db-wal"
	mount --bind "$SRC" "$RO" && mount -o remount,bind,ro "$RO"
	arc stats --db "$RO/w/k2.db" >"$T/out" 2>"$T/err"; rc=$?
	check_eq "read-only mount, -wal without -shm: exit 1" 1 $rc
	check "read-only mount, -wal without -shm: says why and what to do" \
		grep -q "write-ahead log .* holds commits and the folder is not writable.*copy the archive" "$T/err"
	umount "$RO"
else
	echo "not ok - read-only mount # SKIP needs root and mount --bind (not available here)"
fi
