#!/bin/sh
# persist.sh - a persistent disco external evaluator (protocol 1: "persistent":
# true in its info answer; each answer echoes the request's "id") that
# misbehaves on request, for
# tests/unit/test_external.c and tests/e2e/t0310-external.sh.  One process
# answers one request line with one answer line until stdin ends.
#
# The evaluate answer depends on the token MODE=... in the candidate source:
#   ok       answers score 1 with message "pid <its pid> n <requests served>"
#   die      exits with code 3 without answering (after a line on stderr)
#   garble   answers a line that is not JSON
#   twolines answers twice, the second time 0.1 s later (one answer per
#            request is the protocol: the second is dropped)
#   noid     answers without echoing the request's "id"
#   hang     never answers (sleeps)
#   flaky    dies on requests whose id is a multiple of 3, garbles on the
#            other multiples of 5; the rest answer ok with a score from the
#            source's number
n=0
while IFS= read -r req; do
	case $req in
	*'"request":"info"'*)
		printf '%s\n' '{"protocol":1,"name":"persist","persistent":true,"seeds":[{"name":"s","source":"MODE=flaky 1.5"}],"dims":[{"name":"d","lo":0,"hi":10,"bins":5}]}'
		continue ;;
	esac
	n=$((n + 1))
	id=$(printf '%s' "$req" | sed -n 's/.*"id":\([0-9]*\).*/\1/p')
	case $req in
	*MODE=ok*) printf '{"id":%s,"status":"ok","score":1,"descriptors":{"d":1},"message":"pid %s n %s"}\n' "$id" $$ $n ;;
	*MODE=die*) echo "persist: dying on request $n" >&2; exit 3 ;;
	*MODE=garble*) echo '{"status": "ok", garbled' ;;
	*MODE=twolines*)
		echo "{\"id\":$id,\"status\":\"ok\",\"score\":1,\"descriptors\":{\"d\":1}}"
		sleep 0.1
		echo "{\"id\":$id,\"status\":\"ok\",\"score\":2,\"descriptors\":{\"d\":1}}" ;;
	*MODE=noid*) echo '{"status":"ok","score":1,"descriptors":{"d":1}}' ;;
	*MODE=hang*) echo "persist: about to hang" >&2; sleep 1000 ;;
	*MODE=flaky*)
		if [ $((id % 3)) = 0 ]; then echo "persist: flaky death" >&2; exit 1; fi
		if [ $((id % 5)) = 0 ]; then echo 'not json'; continue; fi
		s=$(printf '%s' "$req" | sed -n 's/.*MODE=flaky \([0-9.eE+-]*\).*/\1/p')
		printf '{"id":%s,"status":"ok","score":%s,"descriptors":{"d":2}}\n' "$id" "${s:-0}" ;;
	*) printf '{"id":%s,"status":"rejected","message":"no MODE="}\n' "$id" ;;
	esac
done
