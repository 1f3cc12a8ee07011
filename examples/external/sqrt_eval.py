#!/usr/bin/env python3
"""sqrt_eval.py - a disco external evaluator (protocol 1), Python 3 stdlib only.

The candidate is C source defining

    double f(double x);   /* approximate sqrt(x) for x in [1e-3, 1e3] */

Use it with:

    disco run --evaluator-cmd "python3 examples/external/sqrt_eval.py" ...

disco runs this script once per request: one JSON object on stdin, one JSON
object on stdout (see docs/EVALUATORS.md).  sqrt_eval_persistent.py is the
same evaluator as one long-lived process serving many requests.  Copy it and change
CONTRACT, SEEDS, DIMS, points() and score() for your own problem.

Trust: the candidate never scores itself.  It is compiled together with a
small harness that only prints f(x) at points it reads from stdin; this
script checks and scores those raw values.  The candidate may not call any
library function (it is linked without libm and without builtins; `sqrt`,
`pow`, `__builtin`, `asm` and `#include` are refused before compiling), and
it runs under a timeout in disco's private $TMPDIR, removed after each run.
Set DISCO_EVAL_CC to choose the compiler (default: cc, else tcc).
"""
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

DIMS = [
    {"name": "ops", "lo": 0, "hi": 64, "bins": 16},
    {"name": "loops", "lo": 0, "hi": 4, "bins": 4},
]

SEEDS = [
    {
        "name": "newton",
        "source": """double f(double x)
{
\tif (x <= 0)
\t\treturn 0;
\tdouble y = x > 1 ? x / 2 : 1;
\tfor (int i = 0; i < 24; i++)
\t\ty = 0.5 * (y + x / y);
\treturn y;
}
""",
    },
    {
        "name": "linear",
        "source": """double f(double x)
{
\treturn 1 + (x - 1) / 2;
}
""",
    },
]

HARNESS = r"""
int printf(const char *, ...);
int scanf(const char *, ...);
int main(void)
{
	double x;
	while (scanf("%lf", &x) == 1)
		printf("%.17g\n", f(x));
	return 0;
}
"""

FORBIDDEN = re.compile(r"#\s*include|__builtin|\basm\b|__asm|\bsqrt|\bpow\b|\bexp\b|\blog\b"
                       r"|\bprintf\b|\bscanf\b|\bmain\b")
RUN_TIMEOUT_S = 2.0


def points(split):
    """Log-spaced x values; the held-out split sits between the train ones."""
    n = 200
    shift = 0.5 if split == "heldout" else 0.0
    return [10 ** (-3 + 6 * (i + shift) / n) for i in range(n)]


def compiler():
    cc = os.environ.get("DISCO_EVAL_CC")
    if cc:
        return cc
    for name in ("cc", "tcc"):
        if shutil.which(name):
            return name
    return None


def count_ops(src):
    """Arithmetic operators outside comments: a crude size descriptor."""
    src = re.sub(r"/\*.*?\*/|//[^\n]*", " ", src, flags=re.S)
    return len(re.findall(r"\+\+|--|[-+*/]=?", src))


def count_loops(src):
    src = re.sub(r"/\*.*?\*/|//[^\n]*", " ", src, flags=re.S)
    return len(re.findall(r"\b(for|while)\b", src))


def answer(obj):
    sys.stdout.write(json.dumps(obj, allow_nan=False) + "\n")


def evaluate(req):
    src = req.get("source", "")
    split = req.get("split", "train")
    bad = FORBIDDEN.search(src)
    if bad:
        return {"status": "rejected", "message": "'%s' is not allowed here" % bad.group(0)}
    cc = compiler()
    if cc is None:
        raise RuntimeError("no C compiler found (install cc or tcc, or set DISCO_EVAL_CC)")
    work = tempfile.mkdtemp(prefix="sqrt-")  # inside disco's private $TMPDIR
    csrc = os.path.join(work, "cand.c")
    exe = os.path.join(work, "cand")
    with open(csrc, "w") as fh:
        fh.write("#line 1 \"candidate.c\"\n" + src + "\n#line 1 \"harness.c\"\n" + HARNESS)
    t0 = time.monotonic()
    argv = [cc, "-O1", "-fno-builtin", "-o", exe, csrc]
    if os.path.basename(cc) == "tcc":
        argv = [cc, "-o", exe, csrc]
    try:
        cp = subprocess.run(argv, capture_output=True, text=True, timeout=20)
    except subprocess.TimeoutExpired:
        return {"status": "compile_error", "message": "the compiler took longer than 20 s"}
    compile_ms = (time.monotonic() - t0) * 1e3
    if cp.returncode != 0:
        text = (cp.stderr or cp.stdout).strip()
        lines = [ln for ln in text.splitlines() if "candidate.c" in ln] or text.splitlines()
        return {"status": "compile_error", "message": "\n".join(lines[:10])[:2000]}

    xs = points(split)
    t0 = time.monotonic()
    try:
        rp = subprocess.run([exe], input="\n".join("%.17g" % x for x in xs) + "\n",
                            capture_output=True, text=True, timeout=RUN_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return {"status": "timeout", "message": "f did not finish %d points in %.0f s"
                % (len(xs), RUN_TIMEOUT_S)}
    run_ms = (time.monotonic() - t0) * 1e3
    if rp.returncode < 0:
        return {"status": "crash", "message": "the candidate was killed by signal %d"
                % -rp.returncode}
    if rp.returncode != 0:
        return {"status": "crash", "message": "the candidate exited with code %d" % rp.returncode}

    # Trusted scoring: parse every value, refuse anything malformed.
    vals = rp.stdout.split()
    if len(vals) != len(xs):
        return {"status": "invalid_output",
                "message": "expected %d values, got %d" % (len(xs), len(vals))}
    worst = 0.0
    total = 0.0
    for x, v in zip(xs, vals):
        try:
            y = float(v)
        except ValueError:
            return {"status": "invalid_output", "message": "f(%g) printed %r" % (x, v[:40])}
        if not math.isfinite(y):
            return {"status": "invalid_output", "message": "f(%g) returned %s" % (x, v)}
        rel = abs(y - math.sqrt(x)) / math.sqrt(x)
        worst = max(worst, rel)
        total += rel
    # -log10 of the worst relative error, clipped to [0, 17] like disco's
    # built-in numeric evaluators: 15.7 is within an ulp or so.
    score = max(0.0, min(17.0, -math.log10(worst))) if worst > 0 else 17.0
    return {
        "status": "ok",
        "score": round(score, 6),
        "metrics": {"max_rel_err": worst, "mean_rel_err": total / len(xs),
                    "compile_ms": round(compile_ms, 3), "run_ms": round(run_ms, 3)},
        "times": {"compile_ms": round(compile_ms, 3), "run_ms": round(run_ms, 3)},
        "descriptors": {"ops": count_ops(src), "loops": count_loops(src)},
    }


def info():
    return {
        "protocol": 1,
        "name": "sqrt",
        "summary": "double f(double x) approximating sqrt on [1e-3, 1e3] without libm",
        "seeds": SEEDS,
        "dims": DIMS,
        "noisy": False,
    }


def main():
    req = json.load(sys.stdin)
    if req.get("protocol") != 1:
        print("sqrt_eval.py speaks protocol 1, got %r" % req.get("protocol"), file=sys.stderr)
        return 2
    kind = req.get("request")
    if kind == "info":
        answer(info())
    elif kind == "evaluate":
        answer(evaluate(req))
    else:
        print("sqrt_eval.py: unknown request %r" % kind, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
