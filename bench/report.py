#!/usr/bin/python3
"""Runs the kernel benchmarks once and prints each meshsim figure beside its bare-loop twin.

Both sides of every pair run in the same process, one after the other, so the ratio is
meaningful even on a noisy machine.  Usage:

    /usr/bin/python3 bench/report.py [--build build] [--min-time 1.0] [--repetitions 3]

The figures are items per second (events for the hold model, requests for the timeout
pattern, customers served for M/M/1); with repetitions, the median is used.
"""
import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from collections import defaultdict

PAIRS = [  # (meshsim benchmark prefix, bare twin prefix, what one item is)
    ("BM_Hold_Meshsim", "BM_Hold_BareHeap", "event (pop + schedule)"),
    ("BM_Timeouts_Meshsim", "BM_Timeouts_BareHeap", "request (arm timeout, complete, cancel)"),
    ("BM_MM1_Meshsim", "BM_MM1_BareLoop", "customer served"),
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--min-time", default="1.0")
    ap.add_argument("--repetitions", type=int, default=3)
    args = ap.parse_args()
    exe = os.path.join(args.build, "bin", "kernel_bench")
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        subprocess.run([exe, f"--benchmark_min_time={args.min_time}",
                        f"--benchmark_repetitions={args.repetitions}",
                        "--benchmark_format=console", f"--benchmark_out={out.name}",
                        "--benchmark_out_format=json"], check=True, stdout=sys.stderr)
        data = json.load(open(out.name))
    rates = defaultdict(list)
    for b in data["benchmarks"]:
        if b.get("run_type") == "aggregate":
            continue
        rates[b["run_name"]].append(b["items_per_second"])
    median = {k: statistics.median(v) for k, v in rates.items()}
    ctx = data["context"]
    print(f"machine: {platform.node()}, {ctx['num_cpus']} cpus @ {ctx['mhz_per_cpu']} MHz, "
          f"{platform.platform()}; date {ctx['date']}; repetitions {args.repetitions} (median)")
    print(f"| benchmark | size | meshsim (M items/s) | bare heap loop (M items/s) | ratio |")
    print(f"|---|---|---|---|---|")
    for mine, bare, item in PAIRS:
        for name in sorted((n for n in median if n.startswith(mine)),
                           key=lambda n: int(n.split("/")[1]) if "/" in n else 0):
            suffix = name[len(mine):]
            twin = bare + suffix
            if twin not in median:
                continue
            size = suffix.lstrip("/") or "-"
            print(f"| {mine.replace('_Meshsim', '').replace('BM_', '')} ({item}) | {size} | "
                  f"{median[name] / 1e6:.2f} | {median[twin] / 1e6:.2f} | "
                  f"{median[name] / median[twin]:.2f}x |")


if __name__ == "__main__":
    main()
