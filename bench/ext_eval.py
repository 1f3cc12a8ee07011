#!/usr/bin/env python3
"""ext_eval.py - a light external evaluator for `make bench`: the rate disco
drives an external command at, not the cost of a compiler.

The candidate's numeric literals are summed in Python and scored by how
close the sum is to pi (the literal mutator perturbs them).  With
--persistent the info answer says "persistent": true and one process serves
every request of a worker; without it, each request starts python3 afresh.
"""
import json
import math
import re
import sys

PERSISTENT = "--persistent" in sys.argv
SEEDS = [{"name": "pi", "source": "double f(void) { return 3.0 + 0.1 + 0.04; }\n"}]
NUM = re.compile(r"\d+\.\d*(?:[eE][-+]?\d+)?|\d+")


def evaluate(req):
    src = req.get("source", "")
    v = sum(float(t) for t in NUM.findall(src))
    err = abs(v - math.pi)
    score = min(17.0, -math.log10(err)) if err > 0 else 17.0
    return {"status": "ok", "score": score, "descriptors": {"len": min(len(src), 199)}}


def handle(req):
    if req.get("request") == "info":
        return {"protocol": 1, "name": "bench-pi", "persistent": PERSISTENT, "seeds": SEEDS,
                "dims": [{"name": "len", "lo": 0, "hi": 200, "bins": 10}]}
    return dict(evaluate(req), id=req.get("id"))


for line in sys.stdin:
    if line.strip():
        sys.stdout.write(json.dumps(handle(json.loads(line))) + "\n")
        sys.stdout.flush()
