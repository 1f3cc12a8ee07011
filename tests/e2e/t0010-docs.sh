#!/usr/bin/env bash
# Docs and comments true by machine (tests/tools/doccheck.py): no absolute
# path of a build machine, every `folder/file.ext` named in a comment or a
# doc exists, tests and benches honour $TMPDIR.  The check is first shown
# to catch each kind of finding on a probe tree.
source "$(dirname "$0")/../lib.sh"
cd "$ROOT"
P=$T/probe
mkdir -p "$P/docs" "$P/engine" "$P/tests/e2e" "$P/tests/hostile"
printf 'See engine/real.c and engine/gone.c.\nBuilt in /work/main/build.\n' >"$P/docs/X.md"
printf '/* like sandbox/whitelist.c */\nint x;\n' >"$P/engine/real.c"
printf 'd=/tmp/x\nd=${TMPDIR:-/tmp}/x\n' >"$P/tests/e2e/t1.sh"
printf '#include "/home/u/secret"\n' >"$P/tests/hostile/h.c"
python3 tests/tools/doccheck.py "$P" docs/X.md engine/real.c tests/e2e/t1.sh tests/hostile/h.c >"$T/probe.out"
check "probe: a missing file named in a doc is found" grep -q '^docs/X.md:1: names engine/gone.c' "$T/probe.out"
check "probe: an existing file is not" bash -c "! grep -q 'engine/real.c,' '$T/probe.out'"
check "probe: a missing file named in a comment is found" grep -q '^engine/real.c:1: names sandbox/whitelist.c' "$T/probe.out"
check "probe: an absolute build path is found" grep -q '^docs/X.md:2: absolute path' "$T/probe.out"
check "probe: a hard-coded /tmp in a test is found" grep -q '^tests/e2e/t1.sh:1: hard-coded /tmp' "$T/probe.out"
check_eq "probe: \${TMPDIR:-/tmp} and the hostile corpus pass" 4 "$(wc -l <"$T/probe.out")"

python3 tests/tools/doccheck.py "$ROOT" >"$T/out"
if [ -s "$T/out" ]; then
	not_ok "docs and comments name only what exists"; sed 's/^/# /' "$T/out"
else
	ok "docs and comments name only what exists"
fi
