"""meshsim.plots on short runs, with the Agg backend: each plot returns its Axes and draws what
the results say."""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
try:
    import meshsim
except ImportError:  # no PYTHONPATH: the build tree
    sys.path[:0] = [str(REPO / "build" / "python"), str(REPO / "python")]
    import meshsim
from meshsim import plots  # noqa: E402

EXAMPLES = REPO / "scenarios" / "examples"


@pytest.fixture(scope="module")
def outage():
    """zone-outage, shortened: zone-b is down from 10 s to 20 s of a 30 s run."""
    sc = meshsim.Scenario.load(str(EXAMPLES / "zone-outage")).set({
        "Experiment/zone-outage.spec.duration": "30s",
        "Experiment/zone-outage.spec.warmup": "2s",
        "Timeline/outage.spec.events[0].at": "10s",
        "Timeline/outage.spec.events[0].duration": "10s",
    })
    return sc.run(seed=3)


@pytest.fixture(scope="module")
def bookinfo_run():
    sc = meshsim.Scenario.load(str(EXAMPLES / "bookinfo")).set(
        {"Experiment/bookinfo.spec.duration": "15s", "Experiment/bookinfo.spec.warmup": "1s"})
    return sc.run(seed=1)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_latency_cdf(bookinfo_run):
    ax = plots.latency_cdf(bookinfo_run)
    assert isinstance(ax, Axes)
    busy = bookinfo_run.services().query("requests > 0")["service"].tolist()
    assert [line.get_label() for line in ax.get_lines()] == busy  # not ratings: never called
    for line in ax.get_lines():
        x, y = line.get_xdata(), line.get_ydata()
        assert np.all(np.diff(x) >= 0) and np.all(np.diff(y) > 0)
        assert y[0] == 0 and y[-1] == 1  # from the minimum to the maximum
    # One service, on a given Axes; the median matches latency_quantiles.
    fig, given = plt.subplots()
    assert plots.latency_cdf(bookinfo_run, service="reviews", ax=given) is given
    (line,) = given.get_lines()
    median = float(bookinfo_run.latency_quantiles("reviews", quantiles=(0.5,)).iloc[0])
    assert np.interp(0.5, line.get_ydata(), line.get_xdata()) == pytest.approx(median, rel=0.02)


@pytest.mark.parametrize("metric", list(plots.OVER_TIME_METRICS))
def test_over_time_every_metric(outage, metric):
    ax = plots.over_time(outage, metric)
    assert isinstance(ax, Axes)
    assert [line.get_label() for line in ax.get_lines()] == ["web", "cart", "inventory"]


def test_over_time_shades_the_timeline(outage):
    fig, ax = plt.subplots()
    assert plots.over_time(outage, "success_pct", service="web", ax=ax) is ax
    assert [line.get_label() for line in ax.get_lines()] == ["web"]
    assert any("zone outage of zone-b" in t.get_text() for t in ax.texts)
    spans = plots._timeline_spans(outage)
    assert [(s, e) for s, e, _ in spans] == [(10.0, 20.0)]
    # The span is drawn over [10 s, 20 s].
    xs = [np.asarray(p.get_xy())[:, 0] for p in ax.patches]
    assert any(x.min() == pytest.approx(10.0) and x.max() == pytest.approx(20.0) for x in xs)


def test_per_interval_adds_up_to_the_totals(outage):
    services = outage.services().set_index("service")
    interval = float(outage.metadata["interval_s"])
    rps = plots.per_interval(outage, "rps")
    success = plots.per_interval(outage, "success_pct")
    assert list(rps.columns) == ["web", "cart", "inventory"]
    for svc in rps.columns:
        requests = (rps[svc] * interval).sum()
        assert requests == pytest.approx(services.loc[svc, "requests"])
        ok = (rps[svc] * interval * success[svc].fillna(0) / 100.0).sum()
        assert 100.0 * ok / requests == pytest.approx(services.loc[svc, "success_pct"])
    p99 = plots.per_interval(outage, "p99_ms")
    assert (p99.stack() > 0).all()


def test_timeline_pairs_actions_with_their_undo():
    class Fake:
        def timeline(self):
            return pd.DataFrame({
                "at_s": [5.0, 8.0, 9.0, 12.0, 30.0],
                "description": ["kill 1 pod(s) of a: a-0", "add latency to b: 2 pod(s)",
                                "kill 1 pod(s) of a", "add latency to b", "apply VirtualService x"],
                "undo": [0, 0, 1, 1, 0],
            })
    assert [(s, e) for s, e, _ in plots._timeline_spans(Fake())] == \
        [(5.0, 9.0), (8.0, 12.0), (30.0, None)]


def test_service_graph(bookinfo_run):
    ax = plots.service_graph(bookinfo_run)
    assert isinstance(ax, Axes)
    labels = [t.get_text().split("\n")[0] for t in ax.texts
              if t.get_text() and "/s" not in t.get_text()]  # not the arrows, nor their rates
    assert labels[0] == "client"
    assert set(labels) == {"client", "productpage", "details", "reviews", "ratings"}
    fig, given = plt.subplots()
    assert plots.service_graph(bookinfo_run, ax=given, colorbar=False, vmax=0.5) is given


def test_layout_is_layered_and_deterministic():
    nodes = ["client", "details", "ratings", "reviews", "productpage", "idle"]
    edges = {("client", "productpage"): 100.0, ("productpage", "details"): 100.0,
             ("productpage", "reviews"): 100.0, ("reviews", "ratings"): 50.0}
    pos = plots._layout(nodes, edges)
    assert {n: x for n, (x, _) in pos.items()} == {
        "client": 0, "productpage": 1, "details": 2, "reviews": 2, "ratings": 3, "idle": 4}
    assert pos == plots._layout(nodes, edges)
    # A call cycle does not hang the layering.
    cyc = plots._layout(["a", "b"], {("a", "b"): 1.0, ("b", "a"): 1.0})
    assert set(cyc) == {"a", "b"}
