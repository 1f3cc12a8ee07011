#!/usr/bin/env bash
# Crash safety of campaigns: SIGKILL `disco run` / `disco resume` at random
# moments, check the archive after every kill, then resume to completion;
# SIGINT stops cleanly with exit 130 and a resume hint.  No sandbox process
# outlives its engine.
source "$(dirname "$0")/../lib.sh"
DB=$T/k.db
q() { sqlite3 "$DB" "$@" 2>&1; }

# The engine's descendants (fork servers, sandbox children), as "pid" lines.
descendants() {
	local p c
	for c in $(pgrep -P "$1" 2>/dev/null); do
		echo "$c"
		descendants "$c"
	done
}
# Live (non-zombie) processes among the given pids, or children of them.
alive_among() {
	local p st
	for p in "$@"; do
		st=$(awk '{print $3}' "/proc/$p/stat" 2>/dev/null) || continue
		[ -n "$st" ] && [ "$st" != Z ] && echo "$p"
		for c in $(pgrep -P "$p" 2>/dev/null); do
			st=$(awk '{print $3}' "/proc/$c/stat" 2>/dev/null) || continue
			[ "$st" != Z ] && echo "$c"
		done
	done
	return 0
}
# Wait up to ~3 s for the given pids to be gone (or zombies).
no_leftovers() { # name pids...
	local name=$1; shift
	local left i
	for i in $(seq 30); do
		left=$(alive_among "$@")
		[ -z "$left" ] && break
		sleep 0.1
	done
	check_eq "$name: no sandbox process left" "" "$(echo $left)"
}
rand_sleep() { awk -v r="$RANDOM" 'BEGIN { printf "%.2f", 0.3 + 1.7 * r / 32767 }'; }

# The archive invariants after any stop.
consistent() { # name
	local n=$1
	check_eq "$n: integrity_check ok" ok "$(q 'PRAGMA integrity_check')"
	check_eq "$n: attempts seq 1..max, no gap, no duplicate" 1 \
		"$(q 'select count(*) = count(distinct seq) and count(*) = coalesce(max(seq), 0) and coalesce(min(seq), 1) = 1 from attempts')"
	local gaps
	gaps=$(q 'select group_concat(seq + 1) from attempts a where seq < (select max(seq) from attempts)
	          and not exists (select 1 from attempts b where b.seq = a.seq + 1)')
	[ -z "$gaps" ] || echo "# $n: first missing seq of each gap: $gaps"
	check_eq "$n: every ok attempt has an existing program" 0 \
		"$(q "select count(*) from attempts a where status = 'ok' and (program_id is null or
		      not exists (select 1 from programs p where p.id = a.program_id))")"
	check_eq "$n: every elite points to an existing program" 0 \
		"$(q 'select count(*) from elites e where not exists (select 1 from programs p where p.id = e.program_id)')"
	check_eq "$n: every program has an attempt" 0 \
		"$(q 'select count(*) from programs p where not exists (select 1 from attempts a where a.program_id = p.id)')"
}

# --- SIGKILL at random moments ---------------------------------------------------
kills=0
resumes=0
last=-1
for round in 1 2 3 4 5; do
	if [ "$(q 'select count(*) from campaigns' 2>/dev/null)" = 1 ]; then
		(exec "$DISCO" resume "$DB" --quiet >>"$T/k.out" 2>>"$T/k.err") &
		resumes=$((resumes + 1))
	else
		(exec "$DISCO" run --evaluator expapprox --budget-evals 200000 --workers 2 --quiet \
			--db "$DB" >>"$T/k.out" 2>>"$T/k.err") &
	fi
	pid=$!
	sleep "$(rand_sleep)"
	kids=$(descendants "$pid")
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	kills=$((kills + 1))
	check "kill $round: the engine had a fork server" test -n "$kids"
	no_leftovers "kill $round" $kids
	consistent "kill $round"
	now=$(q 'select count(*) from attempts')
	check "kill $round: attempts did not go down ($last -> $now)" test "$now" -ge "$last"
	last=$now
done
check "at least 4 kills" test "$kills" -ge 4
check "some work was committed before the kills" test "$last" -gt 0

n=$(( $(q 'select count(*) from attempts') + 300 ))
timeout 120 "$DISCO" resume "$DB" --budget-evals "$n" --quiet >"$T/final.out" 2>"$T/final.err"
check_eq "final resume exits 0" 0 $?
consistent "final resume"
check_eq "final resume: exactly $n attempts" "$n" "$(q 'select count(*) from attempts')"
check_eq "final resume: campaign finished" 1 "$(q 'select finished is not null from campaigns')"
# A resume killed before its first commit leaves no event: at most one each.
check "resume events: between 1 and one per resume" test "$(q "select count(*) from events where kind = 'resume'")" -ge 1 \
	-a "$(q "select count(*) from events where kind = 'resume'")" -le $((resumes + 1))

# --- SIGINT -------------------------------------------------------------------------
DB=$T/i.db
(exec "$DISCO" run --evaluator expapprox --budget-evals 200000 --workers 2 --quiet \
	--db "$DB" >"$T/i.out" 2>"$T/i.err") &
pid=$!
sleep 1
kids=$(descendants "$pid")
kill -INT "$pid"
# A liveness bound, not a timing assertion: the drain is ~1 s; 5 s is ample.
for i in $(seq 50); do
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.1
done
if kill -0 "$pid" 2>/dev/null; then
	not_ok "SIGINT: engine exits after one interrupt"
	kill -KILL "$pid" 2>/dev/null
else
	ok "SIGINT: engine exits after one interrupt"
fi
wait "$pid"
check_eq "SIGINT: exit code 130" 130 $?
check "SIGINT: output says 'disco resume'" grep -qF "disco resume $DB" "$T/i.out" "$T/i.err"
check "SIGINT: summary says interrupted" grep -q "interrupted" "$T/i.out"
no_leftovers "SIGINT" $kids
consistent "SIGINT"
check_eq "SIGINT: interrupted event recorded" 1 "$(q "select count(*) from events where kind = 'interrupted'")"
check_eq "SIGINT: campaign not marked finished" 1 "$(q 'select finished is null from campaigns')"
n=$(( $(q 'select count(*) from attempts') + 200 ))
timeout 120 "$DISCO" resume "$DB" --budget-evals "$n" --quiet >"$T/i2.out" 2>"$T/i2.err"
check_eq "SIGINT: resume exits 0" 0 $?
consistent "SIGINT then resume"
check_eq "SIGINT then resume: exactly $n attempts" "$n" "$(q 'select count(*) from attempts')"
