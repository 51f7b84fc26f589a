"""Issue #15, item 4: the tables agree. One unit per quantity across Results.services(),
edges(), per_interval(), check(), compare() and the command line (rates and shares in percent,
latencies in ms); label columns as Categoricals; integers that can go negative; per-interval
percentiles from per-interval histograms.

Truths: the CLI's printed figures and services() for the same runs (the front ends share the
C++ code), and the ordering a synchronous call implies: a caller's request lasts at least as
long as the callee request it waits for, so the caller's latency distribution dominates.
"""
import re
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import meshsim

from conftest import EXAMPLES, MESHSIM_BIN

DATA = Path(__file__).parent / "data"
SYNC = DATA / "sync-two-versions.yaml"

# M/M/1 with 5 % of requests failed by a fault and an expectation per unit: the check's
# per-replication values must equal services()' figures of the same seeds.
MM1_CHECKED = """\
apiVersion: meshsim.dev/v1alpha1
kind: Timeline
metadata:
  name: faults
spec:
  events:
  - at: 0s
    injectErrors: {service: mm1, probability: 0.05, status: 503}
---
apiVersion: meshsim.dev/v1alpha1
kind: Experiment
metadata:
  name: checked
spec:
  seed: 1
  duration: 20s
  warmup: 2s
  include: [mm1.yaml]
  expect:
  - {name: success, service: mm1, minSuccessRate: 90%}
  - {name: tail, service: mm1, maxLatency: {p99: 100ms}}
"""


@pytest.fixture(scope="module")
def checked(tmp_path_factory):
    d = tmp_path_factory.mktemp("checked")
    text = (EXAMPLES / "mm1" / "meshsim.yaml").read_text()
    (d / "mm1.yaml").write_text(text[:text.index("kind: Experiment")].rsplit("---", 1)[0])
    (d / "meshsim.yaml").write_text(MM1_CHECKED)
    return d


@pytest.fixture(scope="module")
def sync():
    return meshsim.Scenario.load(SYNC)


def test_check_reports_in_the_units_of_services(checked):
    sc = meshsim.Scenario.load(checked / "meshsim.yaml")
    df = sc.check(replications=2)
    df = df.set_index(df["name"].str.split(":").str[0])
    assert df.loc["success", "unit"] == "%" and df.loc["tail", "unit"] == "ms"
    assert df.loc["success", "threshold"] == pytest.approx(90.0)
    assert df.loc["tail", "threshold"] == pytest.approx(100.0)
    for i, seed in enumerate(df.attrs["seeds"]):
        row = sc.run(seed=seed).services().iloc[0]
        assert df.loc["success", "values"][i] == pytest.approx(row["success_pct"], rel=1e-12)
        assert df.loc["tail", "values"][i] == pytest.approx(row["p99_ms"], rel=1e-12)
    assert 93.0 < df.loc["success", "estimate"] < 97.0  # 95 %, in percent, not 0.95


def test_the_cli_prints_latency_in_ms_only(checked):
    """The check report gave '1.234 s' above a second and 'ms' below: one unit now."""
    p = subprocess.run([str(MESHSIM_BIN), "check", str(checked), "--replications", "2",
                        "--set", "Experiment.spec.expect[1].maxLatency.p99=2s"],
                       capture_output=True, text=True, check=True)
    lines = p.stdout.splitlines()
    line = lines[next(i for i, ln in enumerate(lines) if "tail:" in ln) + 1]  # "measured ..."
    assert "expected <= 2000.0 ms" in line and not re.search(r"\d s\b", line), line


def test_compare_reports_in_percent_and_ms(sync):
    slower = sync.set({"Topology/sync.spec.workloads[1].handlers[0].steps[0].compute":
                       {"lognormal": {"median": "4ms", "p99": "16ms"}}})
    df = meshsim.compare(sync.set({"Experiment.spec.duration": "10s"}),
                         slower.set({"Experiment.spec.duration": "10s"}), replications=3)
    back = df[df["service"] == "back"].set_index("metric")
    assert back.loc["success rate", "unit"] == "%"
    assert back.loc["success rate", "base"] == pytest.approx(100.0)
    assert back.loc["success rate", "threshold_on"] == "difference"
    p50 = back.loc["p50 latency"]
    assert p50["unit"] == "ms" and p50["threshold_on"] == "relative_pct"
    # back's p50 is a few ms (in ms, not 0.004 s); doubling v1's compute adds tens of percent.
    assert 2.0 < p50["base"] < 8.0 and 20.0 < p50["relative_pct"] < 150.0
    assert p50["relative_pct"] == pytest.approx(100 * p50["difference"] / p50["base"], rel=1e-12)
    assert p50["threshold"] == pytest.approx(100 * 0.10)  # the default +10 % latency threshold
    slow = back.loc["P(slower)"]
    assert slow["unit"] == "%" and slow["base"] == 50.0 and 50.0 < slow["candidate"] <= 100.0
    services = sync.set({"Experiment.spec.duration": "10s"}).run(seed=1).services()
    assert set(services.columns) >= {"success_pct", "p50_ms", "p99_ms"}


def test_labels_are_categoricals_and_integers_are_signed(sync):
    res = sync.run(seed=1, duration="5s")
    s = res.series()
    for col in ("reporter", "source_workload", "destination_service", "destination_workload",
                "response_flags", "load"):
        assert isinstance(s[col].dtype, pd.CategoricalDtype), col
    assert s["response_code"].dtype == np.int64 and s["count"].dtype == np.int64
    # Was uint16: 200 - 600 wrapped to 65136.
    assert ((s["response_code"] - 600) < 0).all()
    assert (res.totals()["count"].diff().dropna() < 0).any()  # uint64 would wrap here
    t = res.traces()
    assert t["trace_id"].dtype == np.uint64  # identifiers stay 64-bit unsigned
    assert isinstance(t["workload"].dtype, pd.CategoricalDtype)
    svc = res.services()
    assert isinstance(svc["service"].dtype, pd.CategoricalDtype)
    assert list(svc["service"].cat.categories) == ["front", "back"]  # catalog order
    edges = res.edges()
    assert list(edges["source"].astype(str)) == ["client", "front-v1"]
    assert res.timeline()["description"].dtype == object  # text, not labels


def test_per_interval_percentiles_never_put_a_synchronous_caller_below_its_callee(sync):
    """front waits for back in every request, so front's p50/p90/p99 are at least back's in
    every interval.  The former interpolation between per-series percentiles put front's p99
    below back's in 25 of these 30 intervals (by up to 61 ms)."""
    res = sync.run(seed=1)
    for metric in ("p50_ms", "p90_ms", "p99_ms"):
        wide = res.per_interval(metric)
        assert list(wide.columns) == ["front", "back"] and len(wide) == 30
        assert (wide["front"] >= wide["back"]).all(), (metric, wide[wide["front"] < wide["back"]])


def test_per_interval_percentiles_are_the_exact_ones(sync):
    """With the whole run in one interval, per_interval gives services()' exact percentiles."""
    res = sync.set({"Experiment.spec.interval": "30s"}).run(seed=1)
    svc = res.services().set_index("service")
    for metric in ("p50_ms", "p90_ms", "p99_ms", "success_pct"):
        wide = res.per_interval(metric)
        assert len(wide) == 1
        for name in ("front", "back"):
            assert wide[name].iloc[0] == pytest.approx(svc.loc[name, metric], rel=1e-12), metric


def test_per_interval_counts_grpc_errors_as_services_does():
    """A gRPC error is a 200 with grpc-status 14: per_interval's success rate counted it a
    success, services() a failure.  Summed over the intervals they agree now."""
    sc = meshsim.Scenario.load(EXAMPLES / "online-boutique",
                               EXAMPLES / "online-boutique-tasks" / "currency-abort-no-retries.yaml")
    res = sc.run(seed=1, duration="20s")
    svc = res.services().set_index("service")
    rps = res.per_interval("rps")
    ok = res.per_interval("success_pct")
    interval = float(res.metadata["interval_s"])
    name = "currencyservice"
    requests = (rps[name] * interval).sum()
    assert requests == pytest.approx(svc.loc[name, "requests"])
    successes = (rps[name] * interval * ok[name].fillna(0) / 100).sum()
    assert 100 * successes / requests == pytest.approx(svc.loc[name, "success_pct"])
    assert svc.loc[name, "success_pct"] < 80  # the abort's errors are counted
