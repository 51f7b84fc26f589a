"""Validation (CTest label `validation`): the M/M/1 example run through the Python API matches
queueing theory, W = 1/(mu - lambda) = 5 ms at 800 rps and a 1 ms mean service time.

Truth: M/M/1.  Tolerance: the 99.9 % batch-means interval of the run itself, as in
tests/cli/test_cli.py: the 1 s intervals of /series/requests grouped into 30 batches of 100 s,
Student-t with 29 degrees of freedom (t = 3.659 from tables).  One fixed seed; the 3000 s
measured run (relaxation time 0.09 s at rho 0.8) keeps the interval under 5 % of W."""
import math

import numpy as np

import meshsim
from conftest import EXAMPLES


def test_mm1_mean_latency_matches_queueing_theory_within_its_interval():
    res = meshsim.Scenario.load(EXAMPLES / "mm1").run(seed=3, duration="3010s", warmup="10s")
    s = res.series()
    client = s[s.reporter == "client"]
    batch = ((client.interval_start_s.to_numpy() - 10.0) // 100.0).astype(int)
    count = client["count"].to_numpy(dtype=float)
    lat_sum = client.latency_sum_ms.to_numpy()
    means = np.array([lat_sum[batch == b].sum() / count[batch == b].sum() for b in range(30)])
    estimate = means.mean()
    half_width = 3.659 * means.std(ddof=1) / math.sqrt(len(means))
    w = 1.0 / (1000.0 - 800.0) * 1e3  # ms
    assert half_width < 0.05 * w, (estimate, half_width)
    assert abs(estimate - w) <= half_width, (estimate, half_width, w)
    # The per-service figures agree with the series: every request of the window is counted.
    svc = res.services().iloc[0]
    assert svc.requests == int(client["count"].sum())
    assert abs(svc.rps - 800.0) < 800.0 * 0.01
