#!/usr/bin/env bash
# `disco report`: the HTML page of a real campaign and of a hostile archive.
# File checks first (self-contained, valid UTF-8, escaped), then a real
# browser: Debian's chromium (installed with apt-get when missing) driven
# headless by playwright-core (installed from npm into build/npm when
# missing).  Without chromium or npm the browser checks SKIP with a reason.
# Screenshots are kept in build/test-artifacts/.
source "$(dirname "$0")/../lib.sh"
cd "$ROOT"
[ -x "$TOOLS/arc_writer" ] || { not_ok "build/tools/arc_writer is built (make tools)"; exit 1; }
ART=$ROOT/build/test-artifacts
mkdir -p "$ART"

# --- a real short campaign -------------------------------------------------------------
DB=$T/camp.db
"$DISCO" run --evaluator expapprox --budget-evals 300 --quiet --db "$DB" >"$T/run.out" 2>&1
check_eq "campaign runs" 0 $?
"$DISCO" baseline expapprox --tune 10 --db "$DB" >/dev/null 2>&1
check_eq "tuned baselines stored in the archive" 0 $?
"$DISCO" report --db "$DB" --out "$T/camp.html" >"$T/rep.out" 2>&1
check_eq "report exits 0" 0 $?
check "report says where it wrote" grep -q "^report: $T/camp.html" "$T/rep.out"
H=$T/camp.html
check "the page is complete" bash -c "tail -c 200 '$H' | grep -q '</html>'"
check "the page is valid UTF-8" python3 -c 'import sys; open(sys.argv[1], encoding="utf-8", errors="strict").read()' "$H"
check "no external resources (no http(s) URL, no <link>, no src=)" \
	bash -c "! grep -qiE 'https?://|<link|[^-]src=' '$H'"
check "one script, with the CSP nonce" bash -c \
	"[ \$(grep -o '<script' '$H' | wc -l) = 1 ] && grep -q \"script-src 'nonce-\" '$H'"
for id in summary map curves attempts front lineage top panel; do
	check "section $id is there" grep -q "id=\"$id\"" "$H"
done
check_eq "no temporary file left" "" "$(ls "$T" | grep '\.tmp\.' || true)"
check "the baselines, default and tuned, by seed name" bash -c \
	"grep -q 'Baselines, default and tuned' '$H' && grep -q '<td>taylor5</td>' '$H' && grep -q '<td>minimax13</td>' '$H'"
check "the evaluator's identity" grep -q "evaluator identity</td><td>kind builtin, name expapprox" "$H"
check "the front carries expapprox's reference curve" bash -c \
	"grep -q 'class=\"refline\"' '$H' && grep -q 'reference: minimax' '$H'"
check_eq "one dot per value of the front, as disco archive front" \
	"$("$DISCO" archive front --db "$DB" --json | jq '.front | length')" \
	"$(grep -o '<circle data-p=' "$H" | wc -l)"

# --- errors ----------------------------------------------------------------------------------
"$DISCO" report --out "$T/x.html" >"$T/o" 2>"$T/e"; check_eq "missing --db: exit 2" 2 $?
check "missing --db: says so" grep -q "missing --db" "$T/e"
"$DISCO" report --db "$T/nope.db" --out "$T/x.html" >"$T/o" 2>"$T/e"; check_eq "missing archive: exit 1" 1 $?
check "missing archive: names it" grep -q "$T/nope.db" "$T/e"
check "missing archive: no page" test ! -e "$T/x.html"
"$DISCO" report --db "$DB" --out "$T/no/such/dir/x.html" >"$T/o" 2>"$T/e"; check_eq "unwritable output: exit 1" 1 $?
check "unwritable output: one line naming the file" bash -c "[ \$(wc -l <'$T/e') = 1 ] && grep -q 'no/such/dir/x.html' '$T/e'"
"$DISCO" report --help >"$T/o"; check_eq "report --help exits 0" 0 $?
check "report --help lists --out" grep -q -- "--out FILE" "$T/o"
check "disco --help lists report" bash -c "'$DISCO' --help | grep -q '^  report '"

# --- a hostile archive --------------------------------------------------------------------------
HDB=$T/hostile.db
"$TOOLS/arc_writer" hostile "$HDB" || { not_ok "write the hostile archive"; exit 1; }
"$DISCO" report --db "$HDB" --out "$T/hostile.html" >/dev/null 2>"$T/e"
check_eq "hostile report exits 0" 0 $?
HH=$T/hostile.html
check "hostile: valid UTF-8" python3 -c 'import sys; open(sys.argv[1], encoding="utf-8", errors="strict").read()' "$HH"
check "hostile: U+FFFD for the invalid bytes" grep -q $'\xef\xbf\xbd' "$HH"
check "hostile: no raw control characters" python3 -c '
import re, sys
t = open(sys.argv[1], encoding="utf-8").read()
sys.exit(1 if re.search("[\x00-\x08\x0b-\x1f\x7f\x80-\x9f]", t) else 0)' "$HH"
check "hostile: one <script in the file, ours" bash -c "[ \$(grep -o '<script' '$HH' | wc -l) = 1 ]"
check "hostile: no markup from the archive (<img, <svg onload)" bash -c "! grep -qE '<img|<svg onload|<i>|<b>' '$HH'"
check "hostile: the source is there, escaped" grep -q '&lt;/script&gt;&lt;script&gt;window.__pwned=1&lt;/script&gt;' "$HH"
check "hostile: the LLM model name is escaped" grep -q '&lt;script&gt;window.__pwned=8' "$HH"
check "hostile: the escape sequences are shown as text" grep -qF '\x1b]0;pwned-title\x07' "$HH"
check "hostile: the negative scores use the QD offset" grep -q 'offset' "$HH"

# --- disco run --report: rewritten during the campaign, atomically ------------------------------------
RDB=$T/live.db RH=$T/live.html
"$DISCO" run --evaluator expapprox --budget-seconds 7 --quiet --db "$RDB" --report "$RH" >"$T/live.out" 2>&1 &
RUN=$!
seen=() torn=0
for i in $(seq 1 60); do
	sleep 0.25
	if [ -e "$RH" ]; then
		cp "$RH" "$T/snap.html" 2>/dev/null || continue
		tail -c 100 "$T/snap.html" | grep -q '</html>' || torn=$((torn + 1))
		n=$(grep -o '[0-9]* attempts</div>' "$T/snap.html" | head -1 | grep -o '^[0-9]*')
		[ -n "$n" ] && { [ ${#seen[@]} -eq 0 ] || [ "${seen[-1]}" != "$n" ]; } && seen+=("$n")
	fi
	kill -0 $RUN 2>/dev/null || break
done
wait $RUN; check_eq "disco run --report exits 0" 0 $?
check_eq "every copy of the live page was complete" 0 "$torn"
check "the live page was rewritten during the run (attempt counts seen: ${seen[*]:-none})" test ${#seen[@]} -ge 2
final=$(sqlite3 "$RDB" 'select count(*) from attempts')
check_eq "the last rewrite shows the final count" "$final" \
	"$(grep -o '[0-9]* attempts</div>' "$RH" | head -1 | grep -o '^[0-9]*')"

"$DISCO" run --evaluator expapprox --budget-evals 20 --quiet --db "$T/bad.db" --report "$T/no/such/r.html" >"$T/o" 2>"$T/e"
check_eq "run --report into a missing folder: exit 1" 1 $?
check "run --report into a missing folder: says so" grep -q "cannot write --report $T/no/such/r.html" "$T/e"
check "run --report into a missing folder: no archive left behind" test ! -e "$T/bad.db"

# --- the browser ---------------------------------------------------------------------------------------
skip() { echo "not ok - browser checks # SKIP $*"; exit 0; }
CHROMIUM=/usr/bin/chromium
if [ ! -x "$CHROMIUM" ]; then
	SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo -n"
	if command -v apt-get >/dev/null; then
		echo "# installing Debian's chromium (apt-get)" >&2
		{ $SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q \
			-o DPkg::Lock::Timeout=300 chromium; } >"$T/apt.log" 2>&1
	fi
	[ -x "$CHROMIUM" ] || skip "chromium is not installed and apt-get could not install it ($(tail -1 "$T/apt.log" 2>/dev/null))"
fi
command -v node >/dev/null || skip "node is not installed (apt-get install nodejs npm)"
PW=$ROOT/build/npm/node_modules/playwright-core
if [ ! -f "$PW/package.json" ]; then
	command -v npm >/dev/null || skip "npm is not installed (apt-get install npm)"
	echo "# installing playwright-core from npm into build/npm" >&2
	npm install --prefix "$ROOT/build/npm" --no-audit --no-fund --no-save playwright-core@1 >"$T/npm.log" 2>&1 ||
		skip "npm could not install playwright-core: $(grep -m1 -i err "$T/npm.log")"
fi

# expectations: cell counts from the archive itself, one elite's code
expect() { # DB HTML SHOT HOSTILE CLICK_ID HOSTILE_ID
	local db=$1 nisl total occ
	nisl=$(sqlite3 "$db" "select value from meta where key='islands'")
	total=$("$DISCO" archive cells --db "$db" --json | jq .total)
	occ=0
	for i in $(seq 0 $((nisl - 1))); do
		occ=$((occ + $("$DISCO" archive cells --db "$db" --island "$i" --json | jq .occupied)))
	done
	"$DISCO" archive show "$5" --db "$db" --json >"$T/click.json"
	jq -n --arg html "$2" --arg shot "$3" --arg ud "$T/ud-$RANDOM" --argjson cells $((total * nisl)) \
		--argjson occ "$occ" --argjson hostile "$4" --argjson hid "$6" \
		--arg score "$(printf '%.6g' "$(jq '[.evaluations[] | select(.split=="train")][-1].score' "$T/click.json")")" \
		--slurpfile c "$T/click.json" \
		'{html: $html, screenshot: $shot, userdata: $ud, cells: $cells, occupied: $occ,
		  hostile: $hostile, hostile_id: $hid,
		  click: {id: $c[0].id, source: $c[0].source, score: $score}}'
}
# the campaign's best program holds a cell on island 0
BEST=$("$DISCO" archive stats --db "$DB" --json | jq .best_program_id)
expect "$DB" "$H" "$ART/t0600-report.png" false "$BEST" 0 >"$T/camp.json"
node tests/e2e/t0600-report.js "$PW" "$CHROMIUM" "$T/camp.json"
check_eq "browser session on the campaign's page ends cleanly" 0 $?
expect "$HDB" "$HH" "$ART/t0600-report-hostile.png" true 3 2 >"$T/host.json"
node tests/e2e/t0600-report.js "$PW" "$CHROMIUM" "$T/host.json"
check_eq "browser session on the hostile page ends cleanly" 0 $?
