"""meshsim.sweep: the grid, common random numbers, the intervals, determinism across threads."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[2]
try:
    import meshsim
except ImportError:  # no PYTHONPATH: the build tree
    sys.path[:0] = [str(REPO / "build" / "python"), str(REPO / "python")]
    import meshsim
from meshsim.sweep import _grid, t_interval  # noqa: E402  (the module, not the function)

sweep = meshsim.sweep  # re-exported by the package: the function

BOOKINFO = str(REPO / "scenarios" / "examples" / "bookinfo")
SHORT = {"Experiment/bookinfo.spec.duration": "12s", "Experiment/bookinfo.spec.warmup": "2s"}
RATE = "Load/users.spec.rate"
COLUMNS_END = ["metric", "mean", "ci_low", "ci_high", "n"]


@pytest.fixture(scope="module")
def scenario():
    return meshsim.Scenario.load(BOOKINFO).set(SHORT)


@pytest.fixture(scope="module")
def small(scenario):
    return sweep(scenario, {RATE: [50, 100]}, replications=3)


def test_shape_columns_and_order(small, scenario):
    services = list(scenario.run(seed=1).services()["service"])
    metrics = ["success_pct", "p50_ms", "p99_ms", "rps"]
    assert list(small.columns) == [RATE, "service", *COLUMNS_END]
    assert len(small) == 2 * len(services) * len(metrics)
    assert list(small[RATE]) == [50] * (len(small) // 2) + [100] * (len(small) // 2)
    first = small[small[RATE] == 50]
    assert list(first["service"]) == [s for s in services for _ in metrics]  # catalog order
    assert list(first["metric"]) == metrics * len(services)
    assert small["n"].dtype == np.int64


def test_a_service_nobody_calls_has_no_latency_but_zero_rps(small):
    # Bookinfo routes every reviews call to v1, which does not call ratings.
    ratings = small[small.service == "ratings"].set_index([RATE, "metric"])
    assert (ratings.loc[(100, "success_pct"), "n"]) == 0
    assert math.isnan(ratings.loc[(100, "p99_ms"), "mean"])
    assert ratings.loc[(100, "rps"), "n"] == 3
    assert ratings.loc[(100, "rps"), "mean"] == 0.0


def test_interval_contains_the_mean_and_is_student_t(scenario):
    df = sweep(scenario, {RATE: [100]}, replications=3)
    raw = sweep(scenario, {RATE: [100]}, replications=3, raw=True)
    some = df[df.n >= 2]
    assert len(some) > 0
    assert (some.ci_low <= some["mean"]).all() and (some["mean"] <= some.ci_high).all()
    t975_2 = 4.302652729911275  # Student's t, 97.5 % quantile, 2 degrees of freedom
    row = df[(df.service == "productpage") & (df.metric == "p99_ms")].iloc[0]
    values = raw[(raw.service == "productpage") & (raw.metric == "p99_ms")]["value"].to_numpy()
    assert len(values) == 3
    half = t975_2 * values.std(ddof=1) / math.sqrt(3)
    assert row["mean"] == pytest.approx(values.mean(), rel=1e-12)
    assert row.ci_high - row["mean"] == pytest.approx(half, rel=1e-9)
    assert row["mean"] - row.ci_low == pytest.approx(half, rel=1e-9)


def test_replication_r_is_seed_r_at_every_point(scenario):
    raw = sweep(scenario, {RATE: [60, 100]}, replications=3, metrics=("requests", "p99_ms"),
                raw=True)
    assert list(raw.columns) == [RATE, "service", "metric", "seed", "value"]
    assert sorted(raw.seed.unique()) == [1, 2, 3]
    for rate in (60, 100):
        for seed in (1, 2, 3):
            direct = scenario.set({RATE: rate}).run(seed=seed).services().set_index("service")
            got = raw[(raw[RATE] == rate) & (raw.seed == seed) & (raw.metric == "requests")]
            assert dict(zip(got.service, got.value)) == \
                {s: float(v) for s, v in direct["requests"].items()}


def test_common_random_numbers_identical_points_identical_results(scenario):
    df = sweep(scenario, {RATE: [100, 100]}, replications=3)
    a = df.iloc[: len(df) // 2].drop(columns=RATE).reset_index(drop=True)
    b = df.iloc[len(df) // 2:].drop(columns=RATE).reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b)
    # The seed comes from the sweep, not from the scenario's Experiment.
    df = sweep(scenario, {"variant": {"as is": {}, "other seed": {"Experiment/bookinfo.spec.seed": 999}}},
               replications=2)
    a = df[df.variant == "as is"].drop(columns="variant").reset_index(drop=True)
    b = df[df.variant == "other seed"].drop(columns="variant").reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b)


def test_independent_of_the_number_of_threads(scenario):
    grid = {RATE: [50, 120]}
    one = sweep(scenario, grid, replications=4, threads=1)
    two = sweep(scenario, grid, replications=4, threads=2)
    many = sweep(scenario, grid, replications=4, threads=4)
    pd.testing.assert_frame_equal(one, two)
    pd.testing.assert_frame_equal(one, many)


def test_grid_is_the_cartesian_product_last_fastest_and_levels(scenario):
    df = sweep(scenario, {RATE: [50, 80], "Experiment/bookinfo.spec.duration": ["8s", "10s"]},
               replications=2, metrics=("rps",))
    points = df[[RATE, "Experiment/bookinfo.spec.duration"]].drop_duplicates()
    assert [tuple(p) for p in points.itertuples(index=False)] == \
        [(50, "8s"), (50, "10s"), (80, "8s"), (80, "10s")]
    columns, pts = _grid({"w": {"low": {"a": 1, "b": 2}, "high": {"a": 3, "b": 4}}, "c": [7]})
    assert columns == ["w", "c"]
    assert pts == [(("low", 7), {"a": 1, "b": 2, "c": 7}), (("high", 7), {"a": 3, "b": 4, "c": 7})]
    assert _grid({}) == ([], [((), {})])


def test_edges_scope_and_seeds_argument(scenario):
    df = sweep(scenario, {RATE: [100]}, seeds=[5, 9], scope="edges", metrics=("rps", "p50_ms"))
    assert list(df.columns) == [RATE, "source", "destination", *COLUMNS_END]
    assert ("client", "productpage") in set(zip(df.source, df.destination))
    assert set(df.n) == {2}


def test_bad_arguments(scenario):
    with pytest.raises(ValueError, match="unknown metric"):
        sweep(scenario, {RATE: [100]}, replications=1, metrics=("p42_ms",))
    with pytest.raises(ValueError, match="scope"):
        sweep(scenario, {RATE: [100]}, scope="pods")
    with pytest.raises(ValueError, match="level"):
        sweep(scenario, {RATE: [100]}, level=95)
    with pytest.raises(TypeError):
        sweep(scenario, [(RATE, [100])])
    with pytest.raises(TypeError):
        sweep(scenario, {RATE: 100})
    with pytest.raises(ValueError, match="no values"):
        sweep(scenario, {RATE: []})
    with pytest.raises(meshsim.ScenarioError):
        sweep(scenario, {"Load/users.spec.rat": [100]}, replications=1)


def test_t_interval():
    mean, lo, hi, n = t_interval([1.0, 2.0, 3.0, 4.0, 5.0, float("nan")])
    assert (mean, n) == (3.0, 5)
    assert hi - mean == pytest.approx(2.7764451051977987 * math.sqrt(2.5) / math.sqrt(5))
    assert lo == pytest.approx(2 * mean - hi)
    assert t_interval([4.0])[:2] == (4.0, t_interval([4.0])[1]) and math.isnan(t_interval([4.0])[1])
    assert t_interval([2.0, 2.0, 2.0]) == (2.0, 2.0, 2.0, 3)
    assert math.isnan(t_interval([])[0])
