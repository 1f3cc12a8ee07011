#!/usr/bin/env bash
# `disco archive` against a generated archive: every subcommand, --json
# validity, and the error paths (exit 2 for usage, 1 for bad files/ids).
source "$(dirname "$0")/../lib.sh"
cd "$ROOT"

# The synthetic-archive writer, built by `make tools`.
[ -x "$TOOLS/arc_writer" ] || { not_ok "build/tools/arc_writer is built (make tools)"; exit 1; }
ARC=("$DISCO" archive)
arc() { "${ARC[@]}" "$@"; }
DB=$T/camp.db
"$TOOLS/arc_writer" gen "$DB" 3000 7 || { not_ok "generate an archive"; exit 1; }
q() { sqlite3 "$DB" "$1"; }

# --- help tells the truth --------------------------------------------------------
arc --help >"$T/help" 2>&1; check_eq "archive --help exits 0" 0 $?
for sub in list top show lineage diff cells stats export; do
	check "--help lists $sub" grep -q "^  $sub" "$T/help"
	arc $sub --help >"$T/h.$sub" 2>&1
	check_eq "$sub --help exits 0" 0 $?
	check "$sub --help shows its usage" grep -q "^usage: disco archive $sub" "$T/h.$sub"
	check "$sub --help names --db" grep -q -- "--db FILE" "$T/h.$sub"
done
check "export --help lists --format" grep -q -- "--format" "$T/h.export"
check "show --help does not offer --format" bash -c "! grep -q -- --format '$T/h.show'"

# --- list / top ---------------------------------------------------------------------
arc list --db "$DB" >"$T/list"; check_eq "list exits 0" 0 $?
check_eq "list prints a header and 50 rows" 51 "$(wc -l <"$T/list")"
check "list header names columns" grep -q "^ *id  *island  *parent  *mutator  *score" "$T/list"
check_eq "list --json --limit 5 has 5 programs" 5 "$(arc list --db "$DB" --json --limit 5 | jq length)"
check_eq "list newest first" "$(q 'select max(id) from programs')" \
	"$(arc list --db "$DB" --json --limit 1 | jq '.[0].id')"
check_eq "list --island 1 keeps island 1" "true" \
	"$(arc list --db "$DB" --json --island 1 | jq 'all(.[]; .island == 1)')"
arc top --db "$DB" --json >"$T/top.json"; check_eq "top --json exits 0" 0 $?
check_eq "top --json is one document" 1 "$(jq -s length "$T/top.json")"
check_eq "top gives 10 by default" 10 "$(jq length "$T/top.json")"
check_eq "top is sorted best first" true "$(jq '[.[].score] == ([.[].score] | sort | reverse)' "$T/top.json")"
check_eq "top's first is the best score in the archive" \
	"$(q 'select max(score) from evaluations where split=0')" "$(jq '.[0].score' "$T/top.json")"
check_eq "top --island 0 stays on island 0" true \
	"$(arc top --db "$DB" --json --island 0 --limit 5 | jq 'all(.[]; .island == 0) and length == 5')"
arc top --db "$DB" --limit 3 >"$T/top"; check_eq "top table has header + 3 rows" 4 "$(wc -l <"$T/top")"

# --- show / lineage / diff -------------------------------------------------------------
ID=$(jq '.[0].id' "$T/top.json")
arc show "$ID" --db "$DB" >"$T/show"; check_eq "show exits 0" 0 $?
check "show prints the code" grep -q "double f(double x)" "$T/show"
check "show prints the parent" grep -q "^parent  [0-9]" "$T/show"
check "show prints how it was made" grep -q "^attempt [0-9]*: ok" "$T/show"
check "show prints descriptors with bins" grep -q "len=.*(bin [0-9]*)" "$T/show"
arc show "$ID" --db "$DB" --json >"$T/show.json"
check_eq "show --json id" "$ID" "$(jq .id "$T/show.json")"
check_eq "show --json source is the stored one" "$(q "select source from programs where id=$ID")" \
	"$(jq -r .source "$T/show.json")"
check_eq "show --json parent" "$(q "select parent_id from programs where id=$ID")" "$(jq .parent_id "$T/show.json")"
check_eq "show --json has 2 named descriptors" '["len","ops"]' \
	"$(jq -c '[.evaluations[0].descriptors[].name]' "$T/show.json")"

arc lineage "$ID" --db "$DB" --json >"$T/lin.json"; check_eq "lineage --json exits 0" 0 $?
check_eq "lineage ends at the program" "$ID" "$(jq '.[-1].id' "$T/lin.json")"
check_eq "lineage starts at a seed" "seed" "$(jq -r '.[0].mutator' "$T/lin.json")"
check_eq "lineage starts at a program without parent" "" \
	"$(q "select parent_id from programs where id=$(jq '.[0].id' "$T/lin.json")")"
check_eq "lineage follows parent links" true "$(jq '[.[].id] == ([.[].id] | sort)' "$T/lin.json")"
check "lineage table" bash -c "'${ARC[0]}' ${ARC[*]:1} lineage $ID --db '$DB' | grep -q '^ *gen  *id  *score  *delta'"

PARENT=$(jq .parent_id "$T/show.json")
arc diff "$PARENT" "$ID" --db "$DB" >"$T/diff"; check_eq "diff exits 0" 0 $?
check "diff has headers" grep -q "^--- program $PARENT" "$T/diff"
check "diff has hunks" grep -q "^@@ -[0-9]*,[0-9]* +[0-9]*,[0-9]* @@" "$T/diff"
q "select source from programs where id=$PARENT" >"$T/a.c"
q "select source from programs where id=$ID" >"$T/b.c"
check_eq "diff changes agree with diff(1)" \
	"$(diff "$T/a.c" "$T/b.c" | grep -c '^[<>]')" "$(grep -c '^[-+][^-+]\|^[-+]$' "$T/diff")"
check_eq "diff of a program with itself is identical" true \
	"$(arc diff "$ID" "$ID" --db "$DB" --json | jq .identical)"

# --- cells / stats ------------------------------------------------------------------------
arc cells --db "$DB" >"$T/cells"; check_eq "cells exits 0" 0 $?
check_eq "cells draws 10 rows of 8 cells" 10 "$(grep -c '|[.0-9]\{8\}$' "$T/cells")"
check_eq "cells marks occupied cells of island 0" "$(q 'select count(*) from elites where island=0')" \
	"$(grep '|' "$T/cells" | cut -d'|' -f2 | tr -d '.\n' | wc -c)"
arc cells --db "$DB" --island 1 --json >"$T/cells.json"
check_eq "cells --json total" 80 "$(jq .total "$T/cells.json")"
check_eq "cells --json occupied" "$(q 'select count(*) from elites where island=1')" "$(jq .occupied "$T/cells.json")"
check_eq "cells --json cells match elites" "$(q 'select group_concat(program_id) from (select program_id from elites where island=1 order by cell)')" \
	"$(jq -r '[.cells[].program_id] | join(",")' "$T/cells.json")"

arc stats --db "$DB" --json >"$T/stats.json"; check_eq "stats --json exits 0" 0 $?
check_eq "stats attempts" 3000 "$(jq .attempts "$T/stats.json")"
check_eq "stats programs" "$(q 'select count(*) from programs')" "$(jq .programs "$T/stats.json")"
check_eq "stats statuses add up" 3000 "$(jq '[.by_status[]] | add' "$T/stats.json")"
check_eq "stats outcomes add up" 3000 "$(jq '[.by_outcome[]] | add' "$T/stats.json")"
check_eq "stats qd_score is the sum of elites" "$(q 'select round(sum(score),6) from elites')" \
	"$(jq '.qd_score * 1e6 | round / 1e6' "$T/stats.json")"
check_eq "stats coverage" "$(q 'select count(*)/160.0 from elites')" "$(jq .coverage "$T/stats.json")"
check_eq "stats per island" 2 "$(jq '.islands | length' "$T/stats.json")"
arc stats --db "$DB" >"$T/stats"; check "stats table" grep -q "^coverage  *[0-9.]*%" "$T/stats"

# --- export -------------------------------------------------------------------------------
arc export --db "$DB" >"$T/p.jsonl"; check_eq "export exits 0" 0 $?
check_eq "export jsonl: one line per program" "$(q 'select count(*) from programs')" "$(wc -l <"$T/p.jsonl")"
check "export jsonl: every line is JSON" jq -e . "$T/p.jsonl"
check_eq "export jsonl keeps 64-bit hashes exact" "$(q 'select text_hash from programs where id=7')" \
	"$(sed -n 7p "$T/p.jsonl" | grep -o '"text_hash":-\?[0-9]*' | cut -d: -f2)"
arc export --db "$DB" --format csv --table attempts >"$T/a.csv"; check_eq "export csv exits 0" 0 $?
check_eq "export csv: header + one record per attempt" 3001 \
	"$(python3 -c 'import csv,sys; print(sum(1 for _ in csv.reader(open(sys.argv[1]))))' "$T/a.csv")"
arc export --db "$DB" --format csv >"$T/p.csv"
check_eq "export csv round-trips multi-line sources" "$(q 'select source from programs where id=9')" \
	"$(python3 -c 'import csv,sys; r=list(csv.DictReader(open(sys.argv[1], newline=""))); print(r[8]["source"], end="")' "$T/p.csv")"

# --- errors -------------------------------------------------------------------------------
errcase() { # name expected-exit regex args...
	local n=$1 want=$2 re=$3; shift 3
	arc "$@" >"$T/out" 2>"$T/err"; local rc=$?
	check_eq "$n: exit $want" "$want" "$rc"
	check_eq "$n: one line on stderr" 1 "$(wc -l <"$T/err")"
	check "$n: message" grep -q -- "$re" "$T/err"
	check_eq "$n: nothing on stdout" 0 "$(wc -c <"$T/out")"
}
errcase "unknown subcommand" 2 "unknown subcommand 'frob'" frob --db "$DB"
errcase "unknown option" 2 "unknown option '--colour'" list --db "$DB" --colour
errcase "option of another subcommand" 2 "unknown option '--format'" top --db "$DB" --format csv
errcase "missing --db" 2 "missing --db" stats
errcase "--db without value" 2 "needs a value" stats --db
errcase "bad id" 2 "'12x' is not a program id" show 12x --db "$DB"
errcase "missing id" 2 "expected ID" show --db "$DB"
errcase "extra argument" 2 "unexpected argument" stats extra --db "$DB"
errcase "bad --limit" 2 "--limit 'many'" top --limit many --db "$DB"
errcase "bad --island" 2 "--island '-1'" cells --island -1 --db "$DB"
errcase "bad --format" 2 "unknown --format 'xml'" export --format xml --db "$DB"
errcase "unknown id" 1 "no program 999999" show 999999 --db "$DB"
errcase "unknown id in diff" 1 "no program 999999" diff 1 999999 --db "$DB"
errcase "missing file" 1 "$T/nope.db: cannot open archive: No such file" list --db "$T/nope.db"
check "browsing never creates the file" test ! -e "$T/nope.db"
head -c 8192 /dev/urandom >"$T/junk.db"
errcase "corrupt file" 1 "$T/junk.db: .*not a database" top --db "$T/junk.db"
sqlite3 "$T/other.db" "create table songs(title text); insert into songs values('x');"
errcase "foreign sqlite file" 1 "$T/other.db: not a disco archive" stats --db "$T/other.db"
: >"$T/empty.db"
errcase "empty file" 1 "$T/empty.db: not a disco archive" list --db "$T/empty.db"
errcase "directory" 1 "not a regular file" list --db "$T"
# A real archive whose pages were overwritten after the header.
cp "$DB" "$T/bad.db"
python3 -c 'import os,sys; f=open(sys.argv[1],"r+b"); f.seek(8192); f.write(b"\xa5"*(os.path.getsize(sys.argv[1])-8192))' "$T/bad.db"
for sub in list top stats cells "show 5" "lineage 5" export; do
	arc $sub --db "$T/bad.db" >/dev/null 2>"$T/err"; rc=$?
	check_eq "damaged archive, $sub: exit 1, no crash" 1 "$rc"
	check "damaged archive, $sub: names the file" grep -q "$T/bad.db" "$T/err"
done
