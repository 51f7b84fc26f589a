#!/usr/bin/python3
"""Whole-program figures through the `meshsim` command line (issue #3), in one run:

  * Bookinfo (scenarios/examples/bookinfo) at 1 000 rps: simulated root requests and events per
    wall second;
  * the M/M/1 example (scenarios/examples/mm1, 800 rps) through the full CLI (YAML loading,
    metrics, summary) beside kernel_bench's bare binary-heap M/M/1 loop, run right after.

Usage: /usr/bin/python3 bench/cli_report.py [--build build] [--duration 600]
Root requests are counted from the results file (reporter=client rows), wall time is the
whole process (loading, running, summarising, writing the file).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import h5py
import numpy as np


def run_cli(exe, args, out):
    t0 = time.perf_counter()
    p = subprocess.run([exe, "run", *args, "--warmup", "0s", "--out", out, "--quiet"],
                       capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if p.returncode != 0:
        sys.exit(p.stderr)
    with h5py.File(out, "r") as f:
        t = f["totals/requests"]
        roots = int(np.sum(t["count"][()][t["reporter"][()].astype(str) == "client"]))
        events = int(f["metadata"].attrs["events"])
    return roots, events, wall


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--duration", default="600")
    a = ap.parse_args()
    exe = os.path.join(a.build, "bin", "meshsim")
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "r.h5")
        rows = []
        roots, events, wall = run_cli(exe, ["scenarios/examples/bookinfo", "--duration", f"{a.duration}s",
                                            "--set", "Load/users.spec.rate=1000",
                                            "--set", "Deployment/productpage-v1.spec.replicas=3"], out)
        rows.append(("Bookinfo, 1 000 rps (productpage x3), " + a.duration + " s", roots, events, wall))
        roots, events, wall = run_cli(exe, ["scenarios/examples/mm1", "--duration", f"{int(a.duration) * 10}s"], out)
        rows.append(("M/M/1 example (800 rps), CLI", roots, events, wall))
        j = os.path.join(d, "b.json")
        subprocess.run([os.path.join(a.build, "bin", "kernel_bench"), "--benchmark_filter=MM1_BareLoop",
                        "--benchmark_min_time=2", f"--benchmark_out={j}", "--benchmark_out_format=json"],
                       check=True, capture_output=True)
        bare = json.load(open(j))["benchmarks"][0]["items_per_second"]
    print("| run | root requests | events | wall s | root requests / s | events / s |")
    print("|---|---|---|---|---|---|")
    for name, roots, events, wall in rows:
        print(f"| {name} | {roots:,} | {events:,} | {wall:.2f} | {roots / wall / 1e3:,.0f} k | {events / wall / 1e6:.2f} M |")
    mm1 = rows[1][1] / rows[1][3]
    print(f"\nM/M/1: CLI {mm1 / 1e6:.2f} M customers/s vs bare heap loop {bare / 1e6:.2f} M/s: "
          f"ratio {mm1 / bare:.2f}x (the CLI takes {bare / mm1:.2f}x the time)")


if __name__ == "__main__":
    main()
