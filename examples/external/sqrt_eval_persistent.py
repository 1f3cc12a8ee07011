#!/usr/bin/env python3
"""sqrt_eval_persistent.py - sqrt_eval.py as a persistent disco evaluator.

The same contract, seeds, dims and scoring as sqrt_eval.py (imported from
the same folder); the difference is the process model.  The info answer
says "persistent": true, so disco starts this script once per worker and
sends it one request per line on stdin; it answers each with one line of
JSON on stdout, echoing the request's "id", and flushes.  The interpreter
starts once, not once per candidate.

    disco run --evaluator-cmd "python3 examples/external/sqrt_eval_persistent.py" --workers 2 ...

disco restarts the process when it dies, hangs past the deadline, prints
something that is not one answer, or floods stdout; an exception here is
best left to kill the process (disco reports its last stderr line).  Keep
no state between requests that could make one candidate's score depend on
another's.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sqrt_eval  # noqa: E402


def main():
    for line in sys.stdin:
        if not line.strip():
            continue
        req = json.loads(line)
        if req.get("protocol") != 1:
            print("sqrt_eval_persistent.py speaks protocol 1, got %r" % req.get("protocol"),
                  file=sys.stderr)
            return 2
        kind = req.get("request")
        if kind == "info":
            ans = dict(sqrt_eval.info(), persistent=True)
        elif kind == "evaluate":
            ans = dict(sqrt_eval.evaluate(req), id=req.get("id"))
        else:
            print("sqrt_eval_persistent.py: unknown request %r" % kind, file=sys.stderr)
            return 2
        sys.stdout.write(json.dumps(ans, allow_nan=False) + "\n")
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
