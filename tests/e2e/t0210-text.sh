#!/usr/bin/env bash
# t0210-text: hostile text never reaches a terminal or a parser raw.
# Candidate messages carrying ESC/OSC sequences, C1 controls and invalid
# UTF-8 come out of `disco eval` (text and --json) and `disco baseline`
# escaped: no ESC, BEL or CSI byte on stdout, JSON that a strict UTF-8
# decoder accepts.  #line directives are refused; a polynomial hidden in a
# macro counts its operations (the ops descriptor is taken from the
# preprocessed candidate).
source "$(dirname "$0")/../lib.sh"

esc_case() { # file
	cat >"$1" <<'SRC'
double f(double x)
{
	return 1.0 + x;
}
SRC
	printf '#error \033]0;disco-pwned-title\007 \033[2J\033[31m \302\233 \377\376 bad\n' >>"$1"
}

raw_controls() { # file: count of ESC, BEL, CSI (C1 as UTF-8) bytes
	LC_ALL=C grep -c -P '\x1b|\x07|\xc2\x9b' "$1" || true
}

esc_case "$T/esc.c"
"$DISCO" eval "$T/esc.c" --evaluator expapprox >"$T/out" 2>"$T/err"
check_eq "eval text: exit code" 0 "$?"
check "eval text: the message is shown" grep -q 'error' "$T/out"
check_eq "eval text: no raw ESC/BEL/CSI on stdout" 0 "$(raw_controls "$T/out")"
check "eval text: ESC shown as \\x1b" grep -qF '\x1b]0;disco-pwned-title\x07' "$T/out"
check "eval text: invalid bytes shown as \\xff" grep -qF '\xff\xfe' "$T/out"
check "eval text: C1 CSI shown as \\u009b" grep -qF '\u009b' "$T/out"

"$DISCO" eval "$T/esc.c" --evaluator expapprox --json >"$T/out" 2>"$T/err"
check_eq "eval json: exit code" 0 "$?"
check "eval json: valid UTF-8" iconv -f UTF-8 -t UTF-8 "$T/out" -o /dev/null
check "eval json: strict JSON parser accepts it" python3 -c 'import json,sys; json.loads(open(sys.argv[1],"rb").read().decode("utf-8"))' "$T/out"
check "eval json: invalid bytes became U+FFFD" grep -q $'\xef\xbf\xbd' "$T/out"
# (C1 characters are valid JSON text and stay; cJSON escapes C0 ones.)
check_eq "eval json: no raw ESC/BEL" 0 "$(LC_ALL=C grep -c -P '\x1b|\x07' "$T/out" || true)"

# A file name is hostile text too.
bad=$T/$'name\033[31m\377.c'
cp "$T/esc.c" "$bad"
"$DISCO" eval "$bad" --evaluator expapprox >"$T/out" 2>"$T/err"
check_eq "eval text, hostile file name: no raw ESC on stdout" 0 "$(raw_controls "$T/out")"
"$DISCO" eval "$bad" --evaluator expapprox --json >"$T/out" 2>"$T/err"
check "eval json, hostile file name: valid UTF-8" iconv -f UTF-8 -t UTF-8 "$T/out" -o /dev/null

# #line would make a candidate's error look like the prelude's.
printf '#line 3 "<string>"\ndouble f(double x) { return x + nope; }\n' >"$T/line.c"
"$DISCO" eval "$T/line.c" --evaluator expapprox --json >"$T/out" 2>"$T/err"
check_eq "#line: rejected" rejected "$(jq -r .status "$T/out")"
check "#line: message names it" grep -q '#line directives are not allowed' "$T/out"
printf 'double f(double x) { return x + nope; }\n' >"$T/err.c"
"$DISCO" eval "$T/err.c" --evaluator expapprox --json >"$T/out" 2>"$T/err"
check_eq "compile errors name the candidate's line, not the prelude" "1: error: 'nope' undeclared" "$(jq -r .message "$T/out")"

# Operations hidden in a macro count.
cat >"$T/macro.c" <<'SRC'
#define P(x) (1.0 + x * (1.0 + x * (0.5 + x * (0.16666666666666666 + x * 0.041666666666666664))))
double f(double x) { return P(x); }
SRC
cat >"$T/plain.c" <<'SRC'
double f(double x) { return (1.0 + x * (1.0 + x * (0.5 + x * (0.16666666666666666 + x * 0.041666666666666664)))); }
SRC
"$DISCO" eval "$T/macro.c" --evaluator expapprox --json >"$T/out" 2>"$T/err"
m=$(jq -r .descriptors.ops "$T/out")
"$DISCO" eval "$T/plain.c" --evaluator expapprox --json >"$T/out" 2>"$T/err"
p=$(jq -r .descriptors.ops "$T/out")
check_eq "ops: the plain polynomial counts 8" 8 "$p"
check_eq "ops: the same polynomial in a macro counts the same" "$p" "$m"

# A plug-in's names are printed everywhere: control characters are refused.
sed 's/\.name = "sqrtapprox",/.name = "sqrt\\033]0;t\\007approx",/' "$ROOT/examples/plugin/sqrtapprox.c" >"$T/escname.c"
"$DISCO" baseline "$T/escname.c" >"$T/out" 2>"$T/err"
check_eq "plug-in with ESC in its name: exit 1" 1 "$?"
check "plug-in with ESC in its name: says which field" grep -q 'disco_evaluator.name contains a control character' "$T/err"
check_eq "plug-in with ESC in its name: no raw ESC anywhere" 0 "$(cat "$T/out" "$T/err" | LC_ALL=C grep -c -P '\x1b' || true)"

# An external command's names likewise.
cat >"$T/escname.sh" <<'SH'
#!/bin/sh
head -c 200 >/dev/null
printf '{"protocol":1,"name":"x\\u001b]0;t\\u0007y","seeds":[{"name":"s","source":"x"}]}\n'
SH
chmod +x "$T/escname.sh"
"$DISCO" baseline --evaluator-cmd "$T/escname.sh" >"$T/out" 2>"$T/err"
check_eq "external command with ESC in its name: exit 1" 1 "$?"
check "external command with ESC in its name: says so" grep -q 'holding control characters' "$T/err"
check_eq "external command with ESC in its name: no raw ESC anywhere" 0 "$(cat "$T/out" "$T/err" | LC_ALL=C grep -c -P '\x1b' || true)"
