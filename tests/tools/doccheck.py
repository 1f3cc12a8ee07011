#!/usr/bin/env python3
"""doccheck.py ROOT [FILE...] - docs and comments true by machine.

Reads the named files (paths relative to ROOT; default: `git ls-files` in
ROOT) and prints one line per finding:
  * an absolute path of a build machine (/work/..., /home/..., /root/...);
  * a `folder/file.ext` under one of the project's folders named in a
    comment or a doc that does not exist;
  * in tests/ and bench/, a line naming /tmp that does not also name
    TMPDIR (a hostile candidate's own target is marked "hostile").
The corpus of hostile inputs (tests/hostile, tests/plugins, tests/external)
is data, not documentation, and is not read.  Exits 0 always; an empty
output means nothing was found.
"""
import os
import re
import subprocess
import sys

TEXT = ('.c', '.h', '.md', '.sh', '.py', '.json', '.txt', 'Makefile', '.js', '.css', '.html')
TOP = ('engine', 'evaluators', 'sandbox', 'archive', 'tests', 'bench', 'examples', 'docs', 'prompts')
REF = re.compile(r'(?<![\w./-])((?:%s)(?:/[A-Za-z0-9_.+-]+)+\.(?:c|h|sh|md|py|json|txt|js|css|html))(?![\w/])'
                 % '|'.join(TOP))
ABS = re.compile(r'(?<![\w.])/(?:work|home|root|Users)/[A-Za-z0-9_.-]+')
CORPUS = ('tests/hostile/', 'tests/plugins/', 'tests/external/')
SELF = ('tests/tools/doccheck.py', 'tests/e2e/t0010-docs.sh')  # they quote findings on purpose


def check(root, files):
    out = []
    for f in files:
        path = os.path.join(root, f)
        if not f.endswith(TEXT) or f.startswith(CORPUS) or f in SELF or not os.path.isfile(path):
            continue
        with open(path, encoding='utf-8', errors='replace') as fh:
            lines = fh.read().split('\n')
        for n, line in enumerate(lines, 1):
            for m in ABS.finditer(line):
                out.append('%s:%d: absolute path of a build machine: %s' % (f, n, m.group(0)))
            for m in REF.finditer(line):
                p = m.group(1)
                if any(c in p for c in '*?') or 'NNNN' in p or os.path.exists(os.path.join(root, p)):
                    continue
                out.append('%s:%d: names %s, which does not exist' % (f, n, p))
            if (f.startswith(('tests/', 'bench/')) and not f.endswith('.md') and '/tmp' in line
                    and 'TMPDIR' not in line and 'hostile' not in line):
                out.append('%s:%d: hard-coded /tmp (use $TMPDIR): %s' % (f, n, line.strip()))
    return out


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else '.'
    files = sys.argv[2:]
    if not files:
        files = subprocess.run(['git', '-C', root, 'ls-files'], capture_output=True, text=True,
                               check=False).stdout.split()
    for line in check(root, files):
        print(line)


if __name__ == '__main__':
    main()
