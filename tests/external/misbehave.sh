#!/bin/sh
# misbehave.sh - a disco external evaluator (protocol 1) that misbehaves on
# request, for tests/unit/test_external.c and tests/e2e/t0310-external.sh.
#
# The info answer depends on $1 (default "good"):
#   good      a valid answer: one seed "MODE=ok", one dim "d" in [0, 10)
#   badjson   invalid JSON          noseeds   no "seeds"
#   exit      exits with code 4     hang      never answers
#
# The evaluate answer depends on the token MODE=... in the candidate source:
#   ok  compile_error  badjson  nan  notobject  empty  noscore  nodesc
#   infscore  scorestr  badstatus  unknowndesc           answers accordingly
#   hang       sleeps forever (a `sleep` child in the same group)
#   segv       kills itself with SIGSEGV
#   exit3      exits with code 3 after a line on stderr
#   flood      prints 100 MB of 'x' on stdout
#   grandok    starts a background `sleep` (pid written to PIDFILE=path END),
#              then answers ok and exits: the sleep must be killed
#   grandhang  the same, then sleeps forever: everything must be killed
#   escape     tries to leave the process group with setsid(1) (pid to PIDFILE)
#   spin       burns CPU forever (for the CPU rlimit)
#   memhog     asks python3 for 3 GiB (for the address-space rlimit)
#   unshare    answers score 1 if unshare(2) works, 0 if refused
#   tmpdir     writes a file in $TMPDIR, answers ok with its path as message
#   env        answers ok with its environment (names=values, spaces) as message
#   times      answers ok with "times" (compile 0.5 ms, run 1e9 ms: clamped)
#   badtimes   answers ok with a negative times.run_ms
req=$(cat)
case $req in
*'"request":"info"'*)
	case ${1:-good} in
	good) printf '%s\n' '{"protocol":1,"name":"misbehave","summary":"misbehaves on request","seeds":[{"name":"s","source":"MODE=ok"}],"dims":[{"name":"d","lo":0,"hi":10,"bins":5}],"noisy":false}' ;;
	badjson) printf '%s\n' '{"name": "x", seeds: }' ;;
	noseeds) printf '%s\n' '{"protocol":1,"name":"x"}' ;;
	exit) echo "misbehave: info is broken" >&2; exit 4 ;;
	hang) sleep 1000 ;;
	esac
	exit 0 ;;
esac
pidfile=$(printf '%s' "$req" | sed -n 's/.*PIDFILE=\([^ ]*\) END.*/\1/p')
case $req in
*MODE=ok*) echo '{"status":"ok","score":1.5,"metrics":{"m":2},"descriptors":{"d":3}}' ;;
*MODE=compile_error*) echo '{"status":"compile_error","message":"line 1: expected ;"}' ;;
*MODE=badjson*) echo '{"status": "ok", "score": 1.5,,}' ;;
*MODE=nan*) echo '{"status":"ok","score":NaN,"descriptors":{"d":1}}' ;;
*MODE=notobject*) echo '[1, 2]' ;;
*MODE=empty*) ;;
*MODE=noscore*) echo '{"status":"ok","descriptors":{"d":1}}' ;;
*MODE=nodesc*) echo '{"status":"ok","score":1}' ;;
*MODE=infscore*) echo '{"status":"ok","score":1e999,"descriptors":{"d":1}}' ;;
*MODE=scorestr*) echo '{"status":"ok","score":"high","descriptors":{"d":1}}' ;;
*MODE=badstatus*) echo '{"status":"great","score":1}' ;;
*MODE=unknowndesc*) echo '{"status":"ok","score":1,"descriptors":{"d":1,"zz":2}}' ;;
*MODE=hang*) echo "misbehave: about to hang" >&2; sleep 1000 ;;
*MODE=segv*) kill -SEGV $$ ;;
*MODE=exit3*) echo "misbehave: something broke" >&2; exit 3 ;;
*MODE=flood*) head -c 104857600 /dev/zero | tr '\0' x ;;
*MODE=grandok*)
	sleep 1000 &
	echo $! >"$pidfile"
	echo '{"status":"ok","score":2,"descriptors":{"d":1}}' ;;
*MODE=grandhang*)
	sleep 1000 &
	echo $! >"$pidfile"
	sleep 1000 ;;
*MODE=escape*)
	setsid sleep 1000 >/dev/null 2>&1 </dev/null &
	echo $! >"$pidfile"
	sleep 0.2
	echo '{"status":"ok","score":3,"descriptors":{"d":1}}' ;;
*MODE=unshare*)
	# With the seccomp filter, unshare(2) fails: score 0.
	if unshare --user true 2>/dev/null; then s=1; else s=0; fi
	echo "{\"status\":\"ok\",\"score\":$s,\"descriptors\":{\"d\":1}}" ;;
*MODE=spin*) while :; do :; done ;;
*MODE=memhog*) exec python3 -c 'x = bytearray(3 << 30)' ;;
*MODE=tmpdir*)
	echo hello >"$TMPDIR/scratch.txt" || exit 5
	mkdir -p "$TMPDIR/sub/dir" && chmod 000 "$TMPDIR/sub"
	printf '{"status":"ok","score":4,"descriptors":{"d":1},"message":"%s"}\n' "$TMPDIR" ;;
*MODE=env*)
	printf '{"status":"ok","score":1,"descriptors":{"d":1},"message":"%s"}\n' "$(env | tr '\n"\\' '   ')" ;;
*MODE=badtimes*) echo '{"status":"ok","score":1,"descriptors":{"d":1},"times":{"run_ms":-1}}' ;;
*MODE=times*) echo '{"status":"ok","score":1,"descriptors":{"d":1},"times":{"compile_ms":0.5,"run_ms":1e9}}' ;;
*) echo "misbehave: no MODE= in the source" >&2; exit 2 ;;
esac
