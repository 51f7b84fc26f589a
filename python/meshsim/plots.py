"""Plots of a run's results with matplotlib (``meshsim.plots``).

Each function draws on ``ax`` (a new figure's Axes when None) and returns the Axes, so plots
compose into subplots::

    fig, (a, b) = plt.subplots(1, 2, figsize=(12, 4))
    meshsim.plots.over_time(res, "success_pct", ax=a)
    meshsim.plots.latency_cdf(res, ax=b)

Figures follow ``Results.services()``'s definitions (docs/results-format.md): each request
counts once, where its caller saw it (reporter ``source``, or ``client`` for edge traffic); a
success is a response with a code other than 0 (a reset) and below 500.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

__all__ = ["latency_cdf", "over_time", "service_graph", "per_interval", "OVER_TIME_METRICS"]

# metric -> its axis label (how each is computed: per_interval)
OVER_TIME_METRICS = {
    "success_pct": "success (%)",
    "rps": "requests per second",
    "error_rps": "failed requests per second",
    "retries": "retries per second",
    "mean_ms": "mean latency (ms)",
    "p50_ms": "p50 latency (ms)",
    "p90_ms": "p90 latency (ms)",
    "p99_ms": "p99 latency (ms)",
}
_CALLER_REPORTERS = ("source", "client")
_CLIENT = "client"


def _axes(ax, figsize=(8, 4)):
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=figsize)
    return ax


def _as_list(service) -> list[str] | None:
    if service is None:
        return None
    if isinstance(service, str):
        return [service]
    return list(service)


def _catalog_services(results) -> list[str]:
    return [str(s) for s in results.services()["service"].tolist()]


# ---------------------------------------------------------------------------------------------
# latency_cdf
# ---------------------------------------------------------------------------------------------

# Quantiles at which the CDF is drawn: the minimum (q = 0), 0.25 % steps in the body, finer in
# the tail (to p99.99), and the maximum (q = 1).
_CDF_GRID = np.unique(np.round(np.concatenate([
    [0.0],
    np.linspace(0.0025, 0.99, 396),
    1.0 - np.logspace(-2, -4, 41),
    [1.0],
]), 10))


def latency_cdf(results, service=None, ax=None, logx: bool | None = None):
    """Empirical CDF of the latency of each service, as its callers saw it.

    Drawn from ``results.latency_quantiles(service, quantiles=...)`` on a fine grid of quantiles
    (the minimum, 0.25 % steps, finer steps in the tail to p99.99, the maximum); those are exact
    from the run's histograms (to 1/256 of the value). ``service``: a name, a list of names, or None for every service
    that received requests. ``logx``: a logarithmic latency axis (default: when the latencies
    span more than a factor of 20). Returns the Axes.
    """
    ax = _axes(ax)
    table = results.services()
    if service is None:
        busy = table[pd.to_numeric(table["requests"], errors="coerce").fillna(0) > 0]
        names = [str(s) for s in busy["service"].tolist()]
    else:
        names = _as_list(service)
    q = _CDF_GRID
    lo, hi = math.inf, 0.0
    for name in names:
        s = results.latency_quantiles(service=name, quantiles=tuple(float(v) for v in q))
        x = np.asarray(pd.Series(s).to_numpy(), dtype=float)
        if x.size != q.size or not np.isfinite(x).any():
            continue
        ok = np.isfinite(x)
        ax.plot(x[ok], q[ok], label=name)
        pos = x[ok & (x > 0)]
        if pos.size:
            lo, hi = min(lo, float(pos.min())), max(hi, float(pos.max()))
    if logx is None:
        logx = hi > 0 and lo < math.inf and hi / lo > 20
    if logx:
        ax.set_xscale("log")
    ax.set_xlabel("latency (ms)")
    ax.set_ylabel("fraction of requests")
    ax.set_ylim(0, 1.0)
    ax.grid(True, which="major", alpha=0.3)
    ax.set_title("Latency CDF (as the callers saw it)")
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize="small", loc="lower right")
    return ax


# ---------------------------------------------------------------------------------------------
# over_time
# ---------------------------------------------------------------------------------------------


def _interval_s(results, series: pd.DataFrame | None = None) -> float:
    meta = getattr(results, "metadata", None) or {}
    v = meta.get("interval_s") if isinstance(meta, dict) else None
    if v is not None and float(v) > 0:
        return float(v)
    if series is None:
        series = results.series()
    if not len(series):
        return 1.0
    starts = np.unique(series["interval_start_s"].to_numpy(dtype=float))
    if starts.size > 1:
        return float(np.min(np.diff(starts)))
    return 1.0


def _service_column(series: pd.DataFrame) -> pd.Series:
    if "destination_service_name" in series.columns:
        return series["destination_service_name"].astype(str)
    return series["destination_service"].astype(str).str.split(".").str[0]


def per_interval(results, metric: str = "success_pct", service=None) -> pd.DataFrame:
    """The figure ``metric`` per interval and service: ``results.per_interval(metric,
    service)`` (exact, as ``Results.services()`` computes its figures), what ``over_time``
    draws."""
    if metric not in OVER_TIME_METRICS:
        raise ValueError(f"metric must be one of {list(OVER_TIME_METRICS)}, got {metric!r}")
    return results.per_interval(metric, service)


def _timeline_spans(results) -> list[tuple[float, float | None, str]]:
    """(start, end or None, description): each action paired with its undo.

    The undo of an action is recorded with the action's description; the action's own record
    may add a detail after a colon (``...: 3 pod(s) down``). An action without an undo (no
    duration, or one running past the end) has end None.
    """
    tl = results.timeline()
    if tl is None or len(tl) == 0:
        return []
    spans: list[list] = []
    open_: list[int] = []
    for at, desc, undo in zip(tl["at_s"].to_numpy(dtype=float), tl["description"].astype(str),
                              tl["undo"].to_numpy()):
        if not bool(undo):
            spans.append([float(at), None, desc])
            open_.append(len(spans) - 1)
            continue
        for j, i in enumerate(open_):
            d = spans[i][2]
            if d == desc or d.startswith(desc + ":"):
                spans[i][1] = float(at)
                del open_[j]
                break
    return [tuple(s) for s in spans]


def _shade_timeline(ax, results):
    import matplotlib.transforms as mtransforms

    spans = _timeline_spans(results)
    trans = mtransforms.blended_transform_factory(ax.transData, ax.transAxes)
    for k, (start, end, desc) in enumerate(spans):
        if end is not None and end > start:
            ax.axvspan(start, end, color="tab:red", alpha=0.10, lw=0, zorder=0)
        else:
            ax.axvline(start, color="tab:red", alpha=0.6, lw=1, ls="--", zorder=0)
        label = desc if len(desc) <= 60 else desc[:57] + "..."
        ax.text(start, 0.97 - 0.08 * (k % 4), " " + label, transform=trans, ha="left", va="top",
                fontsize="x-small", color="darkred", clip_on=True)


def over_time(results, metric: str = "success_pct", service=None, ax=None, timeline: bool = True):
    """A figure per interval of simulated time, one line per service, with the chaos timeline.

    ``metric``: ``success_pct``, ``rps``, ``p99_ms`` (also ``p50_ms``, ``p90_ms``,
    ``mean_ms``, ``error_rps``, ``retries``); see ``per_interval`` for how each is computed from
    ``results.series()``. ``service``: a name, a list, or None for every service that received
    requests. Timeline actions (``results.timeline()``) are shaded from their start to their
    undo and labelled; one without an undo is a dashed line. Returns the Axes.
    """
    ax = _axes(ax)
    wide = per_interval(results, metric, service)
    interval = _interval_s(results)
    x = wide.index.to_numpy(dtype=float) + interval / 2.0
    for name in wide.columns:
        ax.plot(x, wide[name].to_numpy(dtype=float), label=str(name), lw=1.4)
    if timeline:
        _shade_timeline(ax, results)
    ax.set_xlabel("simulated time (s)")
    ax.set_ylabel(OVER_TIME_METRICS[metric])
    if metric == "success_pct":
        lo = np.nanmin(wide.to_numpy(dtype=float)) if wide.size and np.isfinite(wide.to_numpy(dtype=float)).any() else 100.0
        ax.set_ylim(min(lo - 2.0, 95.0), 100.5)
    elif metric.endswith("_ms") or metric.endswith("rps") or metric == "retries":
        ax.set_ylim(bottom=0)
    ax.grid(True, alpha=0.3)
    ax.set_title(f"{OVER_TIME_METRICS[metric]} per {interval:g} s interval")
    if len(wide.columns):
        ax.legend(fontsize="small", loc="lower left" if metric == "success_pct" else "upper left")
    return ax


# ---------------------------------------------------------------------------------------------
# service_graph
# ---------------------------------------------------------------------------------------------


def _workload_services(results) -> dict[str, str]:
    """workload name -> its service, from the destinations seen in the series."""
    series = results.series()
    if not len(series) or "destination_workload" not in series.columns:
        return {}
    pairs = series[["destination_workload"]].copy()
    pairs["svc"] = _service_column(series)
    pairs = pairs[pairs["destination_workload"].astype(str) != "unknown"].drop_duplicates()
    return {str(w): str(s) for w, s in zip(pairs["destination_workload"], pairs["svc"])}


def _layers(nodes: list[str], edges: dict[tuple[str, str], float]) -> dict[str, int]:
    """Longest-path layering from the sources (nodes nobody calls); cycles are cut by a cap."""
    preds: dict[str, list[str]] = {n: [] for n in nodes}
    for (a, b) in edges:
        if a != b:
            preds[b].append(a)
    layer = {n: 0 for n in nodes}
    for _ in range(len(nodes)):
        changed = False
        for n in nodes:
            want = max((layer[p] + 1 for p in preds[n]), default=0)
            want = min(want, len(nodes) - 1)
            if want > layer[n]:
                layer[n] = want
                changed = True
        if not changed:
            break
    return layer


def _layout(nodes: list[str], edges: dict[tuple[str, str], float]) -> dict[str, tuple[float, float]]:
    connected = {n for e in edges for n in e}
    linked = [n for n in nodes if n in connected]
    isolated = [n for n in nodes if n not in connected]
    layer = _layers(linked, edges)
    depth = max(layer.values(), default=-1) + 1
    for n in isolated:
        layer[n] = depth  # services nobody called: a column of their own, after the rest
    order = {n: i for i, n in enumerate(nodes)}
    pos: dict[str, tuple[float, float]] = {}
    for L in range(max(layer.values(), default=-1) + 1):
        members = [n for n in nodes if layer.get(n) == L]

        def bary(n):  # mean height of the callers already placed; catalog order breaks ties
            ys = [pos[a][1] for (a, b) in edges if b == n and a in pos]
            return (float(np.mean(ys)) if ys else 0.0, order[n])

        members.sort(key=bary)
        k = len(members)
        for i, n in enumerate(members):
            pos[n] = (float(L), (k - 1) / 2.0 - i)
    return pos


def service_graph(results, ax=None, colorbar: bool = True, label_rps: bool = True,
                  vmax: float | None = None):
    """The services (and the edge client) and who calls whom, as measured in the run.

    Nodes: ``client`` (edge load, when there is any) and every service, coloured by error rate
    (1 - success, from ``results.services()``; grey without requests). Edges: from
    ``results.edges()``, a caller workload folded into its service, width by requests per second
    (labelled). Layered left to right by call depth (longest path from the callers nobody
    calls); services nobody called form the last column. Deterministic: no random layout.
    ``vmax``: the error rate at the red end of the colour scale (default: the largest, at least
    0.05); give the same to graphs that are to be compared. Returns the Axes.
    """
    import matplotlib.pyplot as plt
    from matplotlib.colors import Normalize

    ax = _axes(ax, figsize=(9, 5))
    services = results.services()
    svc_names = [str(s) for s in services["service"].tolist()]
    req = pd.to_numeric(services["requests"], errors="coerce").fillna(0).to_numpy()
    succ = pd.to_numeric(services["success_pct"], errors="coerce").to_numpy(dtype=float)
    error = {n: (1.0 - s / 100.0 if r > 0 and np.isfinite(s) else math.nan)
             for n, r, s in zip(svc_names, req, succ)}

    wl_svc = _workload_services(results)
    raw = results.edges()
    edges: dict[tuple[str, str], float] = {}
    for src, dst, rps in zip(raw["source"].astype(str), raw["destination"].astype(str),
                             pd.to_numeric(raw["rps"], errors="coerce").fillna(0.0)):
        a = src if (src == _CLIENT or src in svc_names) else wl_svc.get(src, src)
        edges[(a, dst)] = edges.get((a, dst), 0.0) + float(rps)

    nodes = ([_CLIENT] if any(a == _CLIENT for a, _ in edges) else [])
    nodes += svc_names
    for a, b in edges:
        for n in (a, b):
            if n not in nodes:
                nodes.append(n)
    pos = _layout(nodes, edges)

    finite = [e for e in error.values() if np.isfinite(e)]
    if vmax is None:
        vmax = max(0.05, max(finite, default=0.0))
    norm = Normalize(vmin=0.0, vmax=float(vmax))
    cmap = plt.get_cmap("RdYlGn_r")
    max_rps = max(edges.values(), default=0.0) or 1.0
    node_size = 900.0  # points^2
    radius_pt = math.sqrt(node_size) / 2.0 + 2.0

    for (a, b), rps in edges.items():
        (xa, ya), (xb, yb) = pos[a], pos[b]
        rad = 0.0 if xb > xa else 0.35  # a call back or within a layer: curved
        ax.annotate(
            "", xy=(xb, yb), xytext=(xa, ya),
            arrowprops=dict(arrowstyle="-|>", lw=0.8 + 5.0 * rps / max_rps, color="0.45",
                            shrinkA=radius_pt, shrinkB=radius_pt, mutation_scale=12,
                            connectionstyle=f"arc3,rad={rad}"),
            zorder=1)
        if label_rps:
            ax.text((xa + xb) / 2.0, (ya + yb) / 2.0 + (0.12 if rad else 0.0), f"{rps:.0f}/s",
                    ha="center", va="center", fontsize="x-small", color="0.2", zorder=3,
                    bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none", alpha=0.8))

    for n in nodes:
        x, y = pos[n]
        e = error.get(n, math.nan)
        if n == _CLIENT:
            colour, edge = "white", "0.3"
        elif np.isfinite(e):
            colour, edge = cmap(norm(e)), "0.2"
        else:
            colour, edge = "0.85", "0.6"
        ax.scatter([x], [y], s=node_size, c=[colour], edgecolors=edge, linewidths=1.2, zorder=2)
        if n == _CLIENT or n not in error:
            text = n
        elif np.isfinite(e):
            text = f"{n}\n{100.0 * (1.0 - e):.2f} %"
        else:
            text = f"{n}\nno requests"
        ax.text(x, y - 0.2, text, ha="center", va="top", fontsize="small", zorder=4)

    xs = [p[0] for p in pos.values()] or [0.0]
    ys = [p[1] for p in pos.values()] or [0.0]
    ax.set_xlim(min(xs) - 0.5, max(xs) + 0.5)
    ax.set_ylim(min(ys) - 0.75, max(ys) + 0.5)
    ax.set_axis_off()
    ax.set_title("Service graph: colour = error rate, width = requests/s")
    if colorbar:
        sm = plt.cm.ScalarMappable(norm=norm, cmap=cmap)
        sm.set_array([])
        cb = ax.figure.colorbar(sm, ax=ax, fraction=0.04, pad=0.02)
        cb.set_label("error rate (1 - success)")
    return ax
