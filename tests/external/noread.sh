#!/bin/sh
# noread.sh - a disco external evaluator that reads only the first bytes of
# its request and closes stdin (the engine's write of a large request then
# fails with EPIPE, which must not kill the engine), answering info or ok.
# Used by tests/unit/test_external.c.
start=$(head -c 40)
exec 0<&-
case $start in
*'"request":"info"'*) printf '%s\n' '{"protocol":1,"name":"noread","seeds":[{"name":"s","source":"x"}]}' ;;
*) echo '{"status":"ok","score":0}' ;;
esac
