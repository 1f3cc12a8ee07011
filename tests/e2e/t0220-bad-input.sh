#!/usr/bin/env bash
# t0220-bad-input: bad input is bounded and gets one clear message.
# /dev/zero as a candidate, plug-in or campaign file is read up to its
# limit + 1 and refused (timeout 30 guards against an endless read); a
# directory or an empty file named like a plug-in is a message, not a crash;
# a campaign file with invalid UTF-8, an inexact number or 50,000 unknown
# keys is refused with a bounded number of lines.
source "$(dirname "$0")/../lib.sh"

run() { timeout -k 5 30 "$DISCO" "$@" >"$T/out" 2>"$T/err"; RC=$?; }

# Too large is the candidate's outcome (rejected, exit 0 like any candidate),
# after reading at most the limit + 1 bytes.
run eval /dev/zero --evaluator expapprox --json
check_eq "eval /dev/zero: exit 0 (not killed by the timeout)" 0 "$RC"
check_eq "eval /dev/zero: rejected" rejected "$(jq -r .status "$T/out")"
check "eval /dev/zero: says it is larger than the limit" grep -q 'larger than 65536 bytes' "$T/out"
check "eval /dev/zero: names the option that raises it" grep -q -- '--max-source-bytes' "$T/out"

run eval /dev/zero --evaluator expapprox --max-source-bytes 1000 --json
check "eval /dev/zero: the limit follows --max-source-bytes" grep -q 'larger than 1000 bytes' "$T/out"

mkdir -p "$T/dir.c"
run eval "$T/dir.c" --evaluator expapprox
check_eq "eval DIR: exit 1" 1 "$RC"
check "eval DIR: says it is a directory" grep -q 'is a directory' "$T/err"

GOOD=$ROOT/tests/good/expapprox_taylor9.c
run eval "$GOOD" --evaluator "$T/dir.c"
check_eq "plug-in DIR.c: exit 1" 1 "$RC"
check "plug-in DIR.c: says it is a directory, not a crash" grep -q 'evaluator plug-in .*is a directory' "$T/err"
check_eq "plug-in DIR.c: no SIGSEGV talk" 0 "$(grep -c SIGSEGV "$T/err")"

: >"$T/empty.c"
run eval "$GOOD" --evaluator "$T/empty.c"
check_eq "empty plug-in: exit 1" 1 "$RC"
check "empty plug-in: says it is empty" grep -q 'empty.c: is empty' "$T/err"

run run /dev/zero
check_eq "run /dev/zero: exit 1" 1 "$RC"
check "run /dev/zero: campaign file too large" grep -q 'larger than' "$T/err"

printf '{"description": "caf\351"}' >"$T/latin1.json"
run run "$T/latin1.json"
check_eq "campaign with invalid UTF-8: exit 1" 1 "$RC"
check "campaign with invalid UTF-8: line, column and byte" grep -q 'line 1, column 21: invalid UTF-8 (byte 0xe9)' "$T/err"

printf '{"seed": 9007199254740993}' >"$T/big.json"
run run "$T/big.json"
check_eq "campaign with an inexact integer: exit 1" 1 "$RC"
check "campaign with an inexact integer: says so" grep -q 'cannot hold exactly' "$T/err"

python3 -c 'import json; print(json.dumps({"k%d" % i: 1 for i in range(50000)}))' >"$T/keys.json"
run run "$T/keys.json"
check_eq "50,000 unknown keys: exit 1" 1 "$RC"
lines=$(wc -l <"$T/err")
if [ "$lines" -le 25 ]; then ok "50,000 unknown keys: $lines lines on stderr"; else not_ok "50,000 unknown keys: at most 25 lines on stderr (got $lines)"; fi
check "50,000 unknown keys: the rest is counted" grep -q 'and 49980 more problems' "$T/err"
