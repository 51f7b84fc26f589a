#!/usr/bin/env python3
"""Golden run fingerprints: every example scenario and each Bookinfo task combination the tests
run, each with its seed and duration, and the fingerprint `meshsim run` prints for it.

    /usr/bin/python3 tests/golden/fingerprints.py            # check (what CTest runs)
    /usr/bin/python3 tests/golden/fingerprints.py --update   # regenerate fingerprints.txt

A fingerprint is XXH3 over every observation of a run (analysis/fingerprint.h): a refactor
changes none; a change of behaviour changes some, and the commit that regenerates the file says
why.  Never edit the fingerprints by hand: add a line with `-` as its fingerprint and regenerate.
Lines are `<fingerprint>  <meshsim run arguments>`; `#` starts a comment.  Paths are relative
to the repository root.  The fingerprint is per platform and toolchain (docs/results-format.md).
"""
import argparse
import os
import shlex
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).resolve().parent / "fingerprints.txt"
MESHSIM = os.environ.get("MESHSIM_BIN", str(ROOT / "build" / "bin" / "meshsim"))


def parse(text):
    """The file's lines as (fingerprint, args) or (None, line) for comments and blanks."""
    out = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            out.append((None, line))
            continue
        fp, _, args = stripped.partition(" ")
        out.append((fp, args.strip()))
    return out


def fingerprint(args):
    p = subprocess.run([MESHSIM, "run", "--quiet", *shlex.split(args)], cwd=ROOT,
                       capture_output=True, text=True, timeout=600)
    if p.returncode != 0:
        return None, f"exit {p.returncode}: {p.stderr.strip()}"
    for line in p.stdout.splitlines():
        if line.startswith("fingerprint "):
            return line.split()[1], ""
    return None, "no fingerprint line in the output"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--update", action="store_true", help="rewrite fingerprints.txt")
    opts = ap.parse_args()
    entries = parse(GOLDEN.read_text())
    runs = [args for fp, args in entries if fp is not None]
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        results = dict(zip(runs, pool.map(fingerprint, runs)))

    failed = changed = 0
    lines = []
    for fp, args in entries:
        if fp is None:
            lines.append(args)
            continue
        got, err = results[args]
        if got is None:
            print(f"ERROR  {args}\n       {err}")
            failed += 1
            lines.append(f"{fp}  {args}")
            continue
        if got != fp:
            changed += 1
            print(f"{'UPDATED' if opts.update else 'CHANGED'}  {args}\n         golden {fp}, now {got}")
        lines.append(f"{got}  {args}")

    if opts.update:
        GOLDEN.write_text("\n".join(lines) + "\n")
        print(f"{len(runs)} runs, {changed} fingerprint(s) updated in {GOLDEN.relative_to(ROOT)}")
        return 1 if failed else 0
    if changed:
        print("A behaviour change shows here.  If it is intended, regenerate with\n"
              "  /usr/bin/python3 tests/golden/fingerprints.py --update\n"
              "and say why in the commit message.")
    print(f"{len(runs) - changed - failed} passed, {changed + failed} failed")
    return 1 if (failed or changed) else 0


if __name__ == "__main__":
    sys.exit(main())
