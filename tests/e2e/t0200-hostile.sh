#!/usr/bin/env bash
# t0200-hostile: run `disco eval --evaluator expapprox --json` over the
# hostile-candidate corpus tests/hostile/*.c and check that every case is
# contained and classified.  Each case file states its expectation in its
# opening comment (see tests/hostile/README.md):
#
#   expect:    status, or `a|b` alternatives where either is safe
#   expect-asm: status under tests/plugins/asm-allowed.c, an evaluator that
#              allows inline assembly (asm cases are rejected by default;
#              this keeps the seccomp filter and rlimits behind it tested)
#   signal:    signal name for crash cases
#   pwned:     files the case tries to create (must not exist afterwards)
#   marker:    argv[0] of processes the case tries to leave behind
#   message:   text the message(s) must contain (e.g. the undefined symbol)
#   max-score: highest score allowed when the status is ok
#   gate:      canary (harmless syscall, run first) or dangerous (run only
#              when every canary was killed by the sandbox)
#   generate:  pad-50mb or nul: the real candidate is built at test time
#
# Every disco call runs under `timeout 30` so a sandbox bug cannot hang CI.
# Cases run one at a time; the good candidate runs before and after them.
source "$(dirname "$0")/../lib.sh"

HOSTILE=$ROOT/tests/hostile
GOOD=$ROOT/tests/good/expapprox_taylor9.c
PASSWD_RE='root:x:0:0|/usr/sbin/nologin'
MARKER_RE='disco-hostile-marker'
mkdir -p "$T/cases"

if [ ! -x "$DISCO" ]; then
	not_ok "disco binary exists at $DISCO"
	exit 1
fi

# header FILE FIELD: the value of "FIELD:" in the file's opening comment.
header() {
	sed -n '1,/\*\//p' "$1" |
		sed -n -E "s@^(/\\*| \\*)[[:space:]]*$2:[[:space:]]*@@p" |
		sed -E 's@[[:space:]]*\*/.*$@@; s@[[:space:]]+$@@' | head -n 1
}

# A secret in disco's environment: no candidate may read it, and it must
# appear in no output (checked for every case) and in no sandbox process's
# environment or command line (checked below).
export DISCO_TEST_CANARY="disco-canary-$$-7e1f0c"

# Leftover processes of a case: anything still running disco on the case's
# file, a fork server or sandbox child of that disco run (their command
# line reads "disco-sandbox PID": the engine's argument strings are wiped
# there), or whose argv[0] is a marker.  Anchored at the start of the
# command line, so a `grep disco-hostile-marker` someone else runs is never
# taken for a leftover.
leftovers() { # case-path [marker]
	local pat="^$MARKER_RE|^$DISCO eval $1|^disco-sandbox $DISCO_PID( |\$)"
	[ -n "${2:-}" ] && pat="$pat|^$2"
	pgrep -f -- "$pat" 2>/dev/null | grep -vx "$$" || true
}

# The evaluator cases run under: expapprox, or the asm-allowing plug-in.
EV_ARG=expapprox
EV_NAME=expapprox
ASM_EV=$ROOT/tests/plugins/asm-allowed.c

# Run disco on a candidate; stdout, stderr in $T/out, $T/err; exit code in
# RC; disco's pid in DISCO_PID (sh execs disco, keeping its pid).
eval_file() {
	timeout -k 5 30 sh -c 'echo $$ >"$0"; exec "$@"' "$T/pid" "$DISCO" eval "$1" --evaluator "$EV_ARG" \
		--json >"$T/out" 2>"$T/err"
	RC=$?
	DISCO_PID=$(cat "$T/pid" 2>/dev/null)
}

# jq over the first top-level value of $T/out ("" when unparsable).
field() { jq -s -r "(.[0] // {}) | $1" "$T/out" 2>/dev/null; }

diag() { # show what disco said, as TAP comments, after a failure
	echo "#   stdout: $(head -c 400 "$T/out" | tr '\n' ' ' | sed -E "s@$PASSWD_RE@<passwd>@g")"
	echo "#   stderr: $(head -c 300 "$T/err" | tr '\n' ' ' | sed -E "s@$PASSWD_RE@<passwd>@g")"
}

good_candidate() { # label
	eval_file "$GOOD"
	check_eq "good candidate ($1): exit code" 0 "$RC"
	check_eq "good candidate ($1): status" ok "$(field .status)"
	if jq -e -s '.[0].score | type == "number" and . > 5' "$T/out" >/dev/null 2>&1; then
		ok "good candidate ($1): score > 5"
	else
		not_ok "good candidate ($1): score > 5 (got '$(field .score)')"
		diag
	fi
}

run_case() { # case-file [expect-field]
	local src=$1 name expect signal pwned marker message maxscore gen file
	name=$(basename "$src" .c)
	expect=$(header "$src" "${2:-expect}")
	[ "$EV_NAME" = expapprox ] || name="$name [$EV_NAME]"
	signal=$(header "$src" signal)
	pwned=$(header "$src" pwned)
	marker=$(header "$src" marker)
	message=$(header "$src" message)
	[ "${2:-expect}" = expect ] || message="" # message: is about the default run
	maxscore=$(header "$src" max-score)
	gen=$(header "$src" generate)
	if [ -z "$expect" ]; then
		not_ok "$name: has an 'expect:' line in its header"
		return
	fi

	file=$T/cases/$(basename "$src")
	cp "$src" "$file"
	case $gen in
	"") ;;
	pad-50mb)
		yes '// padding padding padding padding padding padding padding padding' |
			head -c $((50 * 1024 * 1024)) >>"$file"
		;;
	nul) printf '/* a NUL byte: \0 */\ndouble g(double x) { return x; }\n' >>"$file" ;;
	esc-error) # terminal escapes and invalid UTF-8 in a compiler message
		printf '#error \033]0;disco-pwned-title\007 \033[2J\033[31m \302\233 \377\376 bad\n' >>"$file" ;;
	esc-ident) # the same bytes in an identifier-ish position (stray characters)
		printf 'double g(double x) { return x \033[31m \377; }\n' >>"$file" ;;
	*)
		not_ok "$name: unknown generator '$gen'"
		return
		;;
	esac

	local p
	for p in $pwned; do rm -f "$p"; done
	local pwned_before
	pwned_before=$(ls -d /tmp/disco-pwned-* 2>/dev/null) # hostile candidates target /tmp itself

	eval_file "$file"
	local rc=$RC nfail=0

	check_eq "$name: exit code" 0 "$rc"
	[ "$rc" = 0 ] || nfail=1

	if jq -e -s 'length == 1 and (.[0] | type) == "object"
	             and (.[0] | has("status") and has("score") and has("signal"))
	             and .[0].evaluator == $ev' --arg ev "$EV_NAME" "$T/out" >/dev/null 2>&1; then
		ok "$name: stdout is exactly one result object"
	else
		not_ok "$name: stdout is exactly one result object ($(jq -s length "$T/out" 2>/dev/null || echo unparsable) values)"
		nfail=1
	fi

	if iconv -f UTF-8 -t UTF-8 "$T/out" >/dev/null 2>&1; then
		ok "$name: stdout is valid UTF-8"
	else
		not_ok "$name: stdout is valid UTF-8"
		nfail=1
	fi

	local status score sig
	status=$(field .status)
	score=$(field '.score | tostring')
	sig=$(field '.signal | tostring')
	if [[ "|$expect|" == *"|$status|"* ]] && [ -n "$status" ]; then
		ok "$name: status $status"
	else
		not_ok "$name: status (expected '$expect', got '$status')"
		nfail=1
	fi

	if [ "$status" = ok ]; then
		if [ -n "$maxscore" ]; then
			if jq -e -s --argjson m "$maxscore" '.[0].score | type == "number" and . <= $m' \
				"$T/out" >/dev/null 2>&1; then
				ok "$name: score $score <= $maxscore"
			else
				not_ok "$name: score (expected a number <= $maxscore, got '$score')"
				nfail=1
			fi
		else
			if jq -e -s '.[0].score | type == "number"' "$T/out" >/dev/null 2>&1; then
				ok "$name: score is a number"
			else
				not_ok "$name: score (expected a number, got '$score')"
				nfail=1
			fi
		fi
	else
		check_eq "$name: score null when status is not ok" null "$score"
		[ "$score" = null ] || nfail=1
	fi

	if [ "$status" = crash ]; then
		if [ -n "$signal" ]; then
			check_eq "$name: signal" "$signal" "$sig"
			[ "$sig" = "$signal" ] || nfail=1
		elif [[ $sig == SIG* ]]; then
			ok "$name: signal $sig"
		else
			not_ok "$name: signal (expected a signal name, got '$sig')"
			nfail=1
		fi
	else
		check_eq "$name: signal null when status is not crash" null "$sig"
		[ "$sig" = null ] || nfail=1
	fi

	if [ -n "$message" ]; then
		if field '[.message // "", (.messages // [])[]] | join("\n")' | grep -qiF -- "$message"; then
			ok "$name: message names '$message'"
		else
			not_ok "$name: message names '$message' (got '$(field .message)')"
			nfail=1
		fi
	fi

	local made=""
	for p in $pwned; do [ -e "$p" ] && made="$made $p"; done
	[ "$(ls -d /tmp/disco-pwned-* 2>/dev/null)" = "$pwned_before" ] || # hostile target
		made="$made $(ls -d /tmp/disco-pwned-* 2>/dev/null)" # hostile target
	made=$(printf '%s\n' $made | sort -u | tr '\n' ' ')
	if [ -z "${made// /}" ]; then
		ok "$name: no file created"
	else
		not_ok "$name: no file created (found:$made)"
		nfail=1
		for p in $pwned; do rm -f "$p"; done
	fi

	# A killed child may take a moment to disappear; look a few times.
	local left i
	for i in 1 2 3 4 5; do
		left=$(leftovers "$file" "$marker")
		[ -z "$left" ] && break
		sleep 0.2
	done
	if [ -z "$left" ]; then
		ok "$name: no process left behind"
	else
		not_ok "$name: no process left behind (pids: $(echo $left))"
		nfail=1
		# These are processes this test started: end them by pid.
		for p in $left; do kill -9 "$p" 2>/dev/null; done
	fi

	if grep -qF -- "$DISCO_TEST_CANARY" "$T/out" "$T/err"; then
		not_ok "$name: the canary from disco's environment is in stdout or stderr"
		nfail=1
	else
		ok "$name: no canary in stdout or stderr"
	fi

	if grep -qE "$PASSWD_RE" "$T/out" "$T/err"; then
		not_ok "$name: no /etc/passwd content in stdout or stderr"
		nfail=1
	else
		ok "$name: no /etc/passwd content in stdout or stderr"
	fi

	case $name in kill-*) ok "$name: the test shell survived" ;; esac
	[ "$nfail" = 0 ] || diag
	LAST_STATUS=$status
}

# --- usage and setup errors ---------------------------------------------------
timeout 30 "$DISCO" eval "$GOOD" --evaluator expapprox --no-such-option >"$T/out" 2>"$T/err"
check_eq "usage: unknown option exits 2" 2 "$?"
check_eq "usage: unknown option prints one line on stderr" 1 "$(wc -l <"$T/err")"
check "usage: unknown option names the option" grep -q -- --no-such-option "$T/err"
check_eq "usage: unknown option prints nothing on stdout" 0 "$(wc -c <"$T/out")"

timeout 30 "$DISCO" eval --evaluator expapprox >"$T/out" 2>"$T/err"
check_eq "usage: missing FILE exits 2" 2 "$?"
check "usage: missing FILE says something on stderr" test -s "$T/err"

timeout 30 "$DISCO" eval "$T/no-such-candidate.c" --evaluator expapprox --json >"$T/out" 2>"$T/err"
check_eq "setup: unreadable FILE exits 1" 1 "$?"
check "setup: unreadable FILE is named on stderr" grep -q no-such-candidate.c "$T/err"

timeout 30 "$DISCO" eval "$GOOD" --evaluator no-such-evaluator --json >"$T/out" 2>"$T/err"
check_eq "setup: unknown evaluator exits 1" 1 "$?"
check "setup: unknown evaluator is named on stderr" grep -q no-such-evaluator "$T/err"

# --- the corpus -----------------------------------------------------------------
rm -f /tmp/disco-pwned-* # leftovers of an earlier run against a broken sandbox (hostile target)
good_candidate before

ncases=0
for src in "$HOSTILE"/*.c; do ncases=$((ncases + 1)); done
if [ "$ncases" -ge 25 ]; then ok "corpus has $ncases cases"; else not_ok "corpus has >= 25 cases (has $ncases)"; fi

# Canaries first: harmless syscalls (getpid, kill with signal 0).  Only when
# the sandbox kills every one of them do the dangerous cases run: tests may
# run as root, where a leaking kill(-1, SIGKILL) takes down everything.
# run_both CASE: under expapprox, then (with an expect-asm: line) under the
# plug-in that allows asm; LAST_STATUS is the last run's status.
run_both() {
	EV_ARG=expapprox EV_NAME=expapprox run_case "$1"
	if [ -n "$(header "$1" expect-asm)" ]; then
		EV_ARG=$ASM_EV EV_NAME=asm-allowed run_case "$1" expect-asm
	fi
}

canaries_ok=1
for src in "$HOSTILE"/*.c; do
	[ "$(header "$src" gate)" = canary ] || continue
	LAST_STATUS=""
	run_both "$src"
	[ "$LAST_STATUS" = syscall ] || canaries_ok=0
done

for src in "$HOSTILE"/*.c; do
	gate=$(header "$src" gate)
	[ "$gate" = canary ] && continue
	if [ "$gate" = dangerous ] && [ "$canaries_ok" != 1 ]; then
		not_ok "$(basename "$src" .c): skipped: a canary syscall was not killed by the sandbox"
		continue
	fi
	run_both "$src"
done

good_candidate after

# --- no secret in any sandbox process -------------------------------------------
# While a candidate loops, the fork server and its child carry neither the
# canary nor disco's command line (which named the candidate's file).
cp "$HOSTILE/loop-infinite.c" "$T/cases/loop-secret.c"
sh -c 'echo $$ >"$0"; exec "$@"' "$T/spid" timeout -k 5 30 "$DISCO" eval "$T/cases/loop-secret.c" \
	--evaluator expapprox --timeout-ms 3000 --json >"$T/sout" 2>&1 &
bg=$!
procs=""
for i in $(seq 50); do
	procs=$(pgrep -f -- "^disco-sandbox [0-9]+" 2>/dev/null || true)
	mine=""
	for p in $procs; do
		# Ours: a descendant of the timeout we started.
		q=$p
		while [ -n "$q" ] && [ "$q" -gt 1 ]; do
			[ "$q" = "$(cat "$T/spid" 2>/dev/null)" ] && { mine="$mine $p"; break; }
			q=$(awk '{print $4}' "/proc/$q/stat" 2>/dev/null)
		done
	done
	[ "$(echo $mine | wc -w)" -ge 2 ] && break
	sleep 0.1
done
check "a fork server and a sandbox child are found while the candidate loops" test "$(echo $mine | wc -w)" -ge 2
leak=""
for p in $mine; do
	if tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null | grep -qF -- "$DISCO_TEST_CANARY"; then leak="$leak $p:environ"; fi
	if tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -qF -- "loop-secret.c"; then leak="$leak $p:cmdline"; fi
done
check_eq "no sandbox process has the canary in its environment or disco's arguments in its command line" "" "$leak"
wait $bg
check "the looping candidate ended as a timeout" grep -q '"status":"timeout"' "$T/sout"
ok "the test shell survived the whole corpus"
