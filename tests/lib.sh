# Shared helpers for end-to-end tests (sourced).  Each check prints one TAP
# line.  $DISCO is the binary under test; $T is a private scratch directory
# removed on exit.
set -u
DISCO=${DISCO:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/disco}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TOOLS=${TOOLS:-$ROOT/build/tools}
T=$(mktemp -d "${TMPDIR:-/tmp}/disco-test.XXXXXX")
trap 'rm -rf "$T"' EXIT
ok()     { echo "ok - $*"; }
not_ok() { echo "not ok - $*"; }
# check NAME COMMAND...: passes when COMMAND exits 0.
check() { local n=$1; shift; if "$@" >/dev/null 2>&1; then ok "$n"; else not_ok "$n"; fi; }
# check_eq NAME EXPECTED ACTUAL
check_eq() { if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1 (expected '$2', got '$3')"; fi; }
# json FILE EXPR: print a jq expression over a JSON file (raw).
json() { jq -r "$2" "$1"; }
