#!/usr/bin/env python3
"""Regenerates the seed programs of evaluators/numeric.c.

Usage: python3 evaluators/numeric_seeds.py > seeds.inc   (about 15 s)
then paste the printed arrays over the "seeds" section of numeric.c.

Taylor coefficients are exact rationals rounded to double.  Minimax
coefficients come from a Remez exchange minimising the maximum RELATIVE
error, in 50-digit decimal arithmetic (Python stdlib only), then rounded to
double.  The printed E is the equioscillation error of the exact-coefficient
polynomial; the rounded one scores slightly worse."""
import math
import re
from fractions import Fraction as F
from decimal import Decimal as D, getcontext
getcontext().prec = 50

def solve(A, b):
    n = len(A)
    M = [row[:] + [bb] for row, bb in zip(A, b)]
    for c in range(n):
        p = max(range(c, n), key=lambda r: abs(M[r][c]))
        M[c], M[p] = M[p], M[c]
        for r in range(n):
            if r != c and M[r][c] != 0:
                f = M[r][c] / M[c][c]
                for k in range(c, n + 1):
                    M[r][k] -= f * M[c][k]
    return [M[i][n] / M[i][i] for i in range(n)]

def peval(c, x):
    s = D(0)
    for a in reversed(c):
        s = s * x + a
    return s

def remez(F, a, b, n, iters=30, N=4000):
    a, b = D(a), D(b)
    ref = [(a + b) / 2 - (b - a) / 2 * D(math.cos(math.pi * i / (n + 1))) for i in range(n + 2)]
    ref[0], ref[-1] = a, b
    E = None
    for it in range(iters):
        A, rhs = [], []
        for i, x in enumerate(ref):
            fx = F(x)
            A.append([D(1)] + [x ** k for k in range(1, n + 1)] + [(-1) ** i * fx])
            rhs.append(fx)
        sol = solve(A, rhs)
        c, E = sol[:-1], sol[-1]
        err = lambda x: (peval(c, x) - F(x)) / F(x)
        xs = [a + (b - a) * i / N for i in range(N + 1)]
        es = [err(x) for x in xs]
        # one extremum per run of equal sign
        runs, cur = [], None
        for i, e in enumerate(es):
            s = e >= 0
            if cur is None or s != cur[0]:
                cur = [s, i]
                runs.append(cur)
            elif abs(e) > abs(es[cur[1]]):
                cur[1] = i
        ext = []
        for s, i in runs:
            lo, hi = xs[max(i - 1, 0)], xs[min(i + 1, N)]
            g = lambda x: -abs(err(x))
            for _ in range(60):  # golden section on |err|
                m1 = lo + (hi - lo) * D('0.381966011250105')
                m2 = hi - (hi - lo) * D('0.381966011250105')
                if g(m1) < g(m2):
                    hi = m2
                else:
                    lo = m1
            x = (lo + hi) / 2
            if abs(err(x)) < abs(es[i]):
                x = xs[i]
            ext.append(x)
        while len(ext) > n + 2:
            if abs(err(ext[0])) < abs(err(ext[-1])):
                ext.pop(0)
            else:
                ext.pop()
        if len(ext) < n + 2:
            break
        mx = max(abs(err(x)) for x in ext)
        ref = ext
        if mx - abs(E) < abs(E) * D('1e-12'):
            break
    return c, E

def fmt(c):
    return ", ".join(repr(float(x)) for x in c)


def dbl(v):
    return repr(float(v))

def horner(c, var):
    s = dbl(c[-1])
    for i, a in enumerate(reversed(c[:-1])):
        s = f"{dbl(a)} + {var} * " + (s if i == 0 else f"({s})")
    return s

def minimax(which, n):
    """(|E|, coefficients) of the degree-n minimax polynomial for `which`."""
    if which == "exp":       # exp on [-1, 1]
        c, E = remez(lambda x: x.exp(), -1, 1, n)
    elif which == "expred":  # exp on [-ln2/2, ln2/2]
        h = D(2).ln() / 2
        c, E = remez(lambda x: x.exp(), -h, h, n)
    elif which == "logt":    # log(1+t)/t on t in [-0.5, 1]: log x = t*q(t)
        g = lambda t: (1 + t).ln() / t if abs(t) > D('1e-30') else D(1)
        c, E = remez(g, D('-0.5'), 1, n)
    elif which == "logs":    # 2atanh(s)/s as R(z), z = s^2 in [0, 1/9]
        def h(z):
            if z < D('1e-30'):
                return D(2)
            s = z.sqrt()
            return ((1 + s) / (1 - s)).ln() / s
        c, E = remez(h, 0, D(1) / 9, n)
    return abs(float(E)), [float(v) for v in c]


def load(which, degrees):
    return {n: minimax(which, n) for n in degrees}

def cstr(name, src):
    lines = src.rstrip("\n").split("\n")
    body = "\n".join('\t "' + l.replace('\\', '\\\\').replace('"', '\\"').replace('\t', '\\t') + '\\n"' for l in lines)
    return '\t{"%s",\n%s},' % (name, body)

fact = lambda k: F(1, math.factorial(k))
seeds = {"exp": [], "wide": [], "log": []}

exp = load("exp", (3, 5, 7, 9, 11, 13))
for n in (5, 3, 7, 9, 11, 13):
    seeds["exp"].append(cstr(f"taylor{n}",
        f"/* Taylor polynomial of exp at 0, degree {n}, Horner form. */\n"
        f"double f(double x)\n{{\n\treturn {horner([fact(k) for k in range(n + 1)], 'x')};\n}}"))
for n in (3, 5, 7, 9, 11, 13):
    E, c = exp[n]
    seeds["exp"].append(cstr(f"minimax{n}",
        f"/* Minimax (relative error) polynomial of exp on [-1, 1], degree {n}:\n"
        f" * Remez exchange in 50-digit decimals, equioscillating error {E:.2e};\n"
        f" * coefficients then rounded to double. */\n"
        f"double f(double x)\n{{\n\treturn {horner(c, 'x')};\n}}"))

red = ("\tdouble k = nearbyint(x * 1.4426950408889634);\n"
       "\t/* Cody-Waite: ln2_hi has 11 trailing zero bits, so k * ln2_hi is exact */\n"
       "\tdouble r = (x - k * 0.6931471803691238) - k * 1.9082149292705877e-10;\n")
wide = load("expred", (5, 7, 9, 11))
for n in (7, 5, 9, 11):
    seeds["wide"].append(cstr(f"reduce-taylor{n}",
        f"/* exp(x) = 2^k exp(r), |r| <= ln2/2; exp(r) by its Taylor polynomial,\n"
        f" * degree {n}, Horner form. */\n"
        f"double f(double x)\n{{\n{red}"
        f"\tdouble p = {horner([fact(k) for k in range(n + 1)], 'r')};\n"
        f"\treturn ldexp(p, (int)k);\n}}"))
for n in (5, 7, 9, 11):
    E, c = wide[n]
    seeds["wide"].append(cstr(f"reduce-minimax{n}",
        f"/* exp(x) = 2^k exp(r), |r| <= ln2/2; exp(r) by its minimax\n"
        f" * (relative error) polynomial of degree {n} on [-ln2/2, ln2/2]: Remez\n"
        f" * exchange in 50-digit decimals, error {E:.2e}, rounded to double. */\n"
        f"double f(double x)\n{{\n{red}"
        f"\tdouble p = {horner(c, 'r')};\n"
        f"\treturn ldexp(p, (int)k);\n}}"))

logt = {n: minimax("logt", n - 1) for n in (5, 9, 13)}
logs = load("logs", (2, 4, 6))
for n in (5, 3, 9):
    c = [F((-1) ** k, k + 1) for k in range(n)]  # log(1+t)/t
    seeds["log"].append(cstr(f"taylor{n}",
        f"/* Taylor polynomial of log at 1, degree {n} in t = x - 1, Horner form\n"
        f" * (poor near x = 2, at the edge of its disc of convergence). */\n"
        f"double f(double x)\n{{\n\tdouble t = x - 1.0;\n\treturn t * ({horner(c, 't')});\n}}"))
for n in (5, 9, 13):
    E, c = logt[n]
    seeds["log"].append(cstr(f"minimax{n}",
        f"/* log x = t q(t), t = x - 1, q the minimax (relative error) polynomial\n"
        f" * of degree {n - 1} for log(1+t)/t on [-0.5, 1]: Remez exchange in\n"
        f" * 50-digit decimals, error {E:.2e}, rounded to double. */\n"
        f"double f(double x)\n{{\n\tdouble t = x - 1.0;\n\treturn t * ({horner(c, 't')});\n}}"))
for n in (5, 9, 13):
    m = (n - 1) // 2
    c = [F(2, 2 * k + 1) for k in range(m + 1)]
    seeds["log"].append(cstr(f"atanh{n}",
        f"/* log x = 2 atanh(s), s = (x - 1) / (x + 1) in [-1/3, 1/3]; the atanh\n"
        f" * Taylor series to s^{n}, Horner form in z = s^2. */\n"
        f"double f(double x)\n{{\n\tdouble s = (x - 1.0) / (x + 1.0);\n\tdouble z = s * s;\n"
        f"\treturn s * ({horner(c, 'z')});\n}}"))
for n in (5, 9, 13):
    m = (n - 1) // 2
    E, c = logs[m]
    seeds["log"].append(cstr(f"atanh-minimax{n}",
        f"/* log x = s R(s^2), s = (x - 1) / (x + 1); R the minimax (relative\n"
        f" * error) polynomial of degree {m} for 2 atanh(s)/s over s^2 in [0, 1/9]:\n"
        f" * Remez exchange in 50-digit decimals, error {E:.2e}, rounded to double. */\n"
        f"double f(double x)\n{{\n\tdouble s = (x - 1.0) / (x + 1.0);\n\tdouble z = s * s;\n"
        f"\treturn s * ({horner(c, 'z')});\n}}"))

names = {"exp": "nm_exp_seeds", "wide": "nm_wide_seeds", "log": "nm_log_seeds"}
for k, v in seeds.items():
    print(f"static const struct ev_seed {names[k]}[] = {{")
    print("\n".join(v))
    print("\t{NULL, NULL},\n};\n")
