"""Parameter sweeps with replications and confidence intervals (``meshsim.sweep``).

A sweep runs a scenario at every point of a grid of ``--set`` overrides, several times per point
(replications, one seed each), and summarises each figure of ``Results.services()`` (or
``Results.edges()``) as a mean with a Student-t confidence interval. The answer is one tidy
DataFrame, ready for ``groupby``/``pivot`` and plotting.

    >>> df = meshsim.sweep(sc, {"Load/users.spec.rate": [100, 200, 400]}, replications=5)
    >>> df[(df.service == "productpage") & (df.metric == "p99_ms")]
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["sweep", "t_interval", "SCOPES"]

# scope -> the Results method to call and the columns that identify a row of its table.
SCOPES: dict[str, tuple[str, tuple[str, ...]]] = {
    "services": ("services", ("service",)),
    "edges": ("edges", ("source", "destination")),
}

# Figures that mean something even for a service nobody called (they are then 0). Every other
# figure (success_pct, latencies) is missing, not 0, for a row with no requests.
_COUNT_METRICS = frozenset({"requests", "rps", "retries", "timeouts"})


def sweep(
    scenario,
    parameters: Mapping[Any, Any],
    replications: int = 5,
    seeds: Iterable[int] | None = None,
    metrics: Sequence[str] = ("success_pct", "p50_ms", "p99_ms", "rps"),
    scope: str = "services",
    level: float = 0.95,
    threads: int | None = None,
    raw: bool = False,
) -> pd.DataFrame:
    """Run ``scenario`` at every point of a grid of overrides and summarise the replications.

    Parameters
    ----------
    scenario:
        A ``meshsim.Scenario``.
    parameters:
        The grid, one entry per parameter, in the order the columns should have. The points are
        the cartesian product of the entries (the last one varies fastest). An entry is either

        * ``path: [value, ...]``: a ``--set`` path (``"Load/users.spec.rate"``,
          ``"Topology/bookinfo.spec.workloads[reviews-v3].workers"``, ...) and the values it
          takes; each point applies ``scenario.set({path: value, ...})``; or
        * ``label: {level: {path: value, ...}, ...}``: a named parameter whose levels each apply
          several overrides at once (parameters that must move together, such as the two weights
          of a canary route, or a value that is itself a list or mapping). The column ``label``
          holds the levels.

        An empty mapping is one point: the scenario as it is.
    replications:
        Runs per point, with seeds ``1, 2, ..., replications``. Ignored when ``seeds`` is given.
    seeds:
        The seeds of the replications (the same at every point).
    metrics:
        Columns of ``Results.services()`` (or ``edges()``) to summarise: ``requests``, ``rps``,
        ``success_pct``, ``p50_ms``, ``p90_ms``, ``p99_ms``, ``retries``, ``timeouts``.
    scope:
        ``"services"`` (one row per service, as its callers saw it) or ``"edges"`` (one row per
        caller and destination service).
    level:
        Confidence level of the intervals, in (0, 1).
    threads:
        Passed to ``meshsim.run_many``. The answer does not depend on it.
    raw:
        Return the per-replication values instead of the summary: one row per (point, scope key,
        metric, seed) with the column ``value``. Useful for paired comparisons (below).

    Returns
    -------
    pandas.DataFrame
        One row per (point, scope key, metric), in the order: points as generated, keys in the
        order the Results tables list them (catalog order), metrics as given. Columns: one per
        parameter (its path or label), then ``service`` (or ``source``, ``destination``),
        ``metric``, ``mean``, ``ci_low``, ``ci_high``, ``n``.

        ``n`` counts the replications in which the figure exists: a service that received no
        request in a replication has no success rate or latency there. The interval is
        ``mean ± t(n-1) · s / sqrt(n)``, Student's t with ``n - 1`` degrees of freedom at the
        given level; it is NaN when ``n < 2``. Each replication is one independent run, so the
        replications are independent and identically distributed, which is what the t interval
        assumes (it is approximate for strongly skewed figures with few replications).

    Common random numbers
    ---------------------
    Replication ``r`` uses the same seed at every point. meshsim derives every random stream from
    the seed and the name of the entity that draws from it (a load, a workload, a pod), so at two
    points the same users arrive at the same instants with the same requests, and the same pods
    draw the same service times; only what the parameters change differs. The difference between
    two points in one replication is then mostly the effect of the change, not noise: the
    variance of a difference, ``Var(A) + Var(B) - 2 Cov(A, B)``, shrinks by the (positive)
    covariance the shared streams create. Curves across points are smoother, their order is more
    often right, and a paired comparison (``raw=True``, difference per seed, then a t interval on
    the differences) needs far fewer replications than comparing two independent intervals. The
    per-point intervals themselves are not narrower: CRN sharpens comparisons, not levels.

    The answer is deterministic: the same scenario, grid and seeds give the same DataFrame
    whatever the number of threads (``run_many`` results do not depend on it, and the summary is
    computed in a fixed order).
    """
    from . import run_many  # late: this module is imported while the package initialises

    if scope not in SCOPES:
        raise ValueError(f"scope must be one of {sorted(SCOPES)}, got {scope!r}")
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must be in (0, 1), got {level!r}")
    if isinstance(metrics, str):
        metrics = (metrics,)
    metrics = tuple(metrics)
    if not metrics:
        raise ValueError("metrics is empty")
    if seeds is None:
        if int(replications) < 1:
            raise ValueError(f"replications must be at least 1, got {replications!r}")
        seeds = range(1, int(replications) + 1)
    seeds = [int(s) for s in seeds]
    if not seeds:
        raise ValueError("seeds is empty")
    if len(set(seeds)) != len(seeds):
        raise ValueError(f"seeds repeat: {seeds}")

    method, key_cols = SCOPES[scope]
    columns, points = _grid(parameters)

    records: list[tuple] = []  # (point index, key tuple, metric, seed, value)
    key_order: list[dict[tuple, None]] = []  # per point: keys in first-seen order
    for p, (_, overrides) in enumerate(points):
        sc = scenario.set(overrides) if overrides else scenario
        runs = run_many(sc, seeds=seeds, threads=threads)
        runs = list(runs)
        if len(runs) != len(seeds):
            raise RuntimeError(f"run_many returned {len(runs)} results for {len(seeds)} seeds")
        keys: dict[tuple, None] = {}
        for seed, res in zip(seeds, runs):
            table = getattr(res, method)()
            missing = [m for m in metrics if m not in table.columns]
            if missing:
                raise ValueError(
                    f"unknown metric(s) {missing}; Results.{method}() has "
                    f"{[c for c in table.columns if c not in key_cols]}")
            for row in _metric_rows(table, key_cols, metrics):
                key, values = row
                keys.setdefault(key, None)
                for metric, value in zip(metrics, values):
                    records.append((p, key, metric, seed, value))
        key_order.append(keys)
        del runs  # a point's Results can be large (traces); keep only the figures

    if raw:
        rows = []
        for p, key, metric, seed, value in records:
            rows.append((*points[p][0], *key, metric, seed, value))
        df = pd.DataFrame(rows, columns=[*columns, *key_cols, "metric", "seed", "value"])
        return _categorical(df, (*key_cols, "metric"))

    # Collect the values per (point, key, metric), in seed order, then summarise.
    values: dict[tuple, list[float]] = {}
    for p, key, metric, _seed, value in records:
        values.setdefault((p, key, metric), []).append(value)
    rows = []
    for p, (levels, _) in enumerate(points):
        for key in key_order[p]:
            for metric in metrics:
                mean, low, high, n = _summary(values.get((p, key, metric), []), level)
                rows.append((*levels, *key, metric, mean, low, high, n))
    df = pd.DataFrame(rows, columns=[*columns, *key_cols, "metric", "mean", "ci_low", "ci_high", "n"])
    df["n"] = df["n"].astype("int64")
    return _categorical(df, (*key_cols, "metric"))


def _categorical(df: pd.DataFrame, cols: Sequence[str]) -> pd.DataFrame:
    """Label columns (service, source, destination, metric) as Categoricals, as in every
    meshsim table, with their categories in first-seen (catalog) order."""
    for c in cols:
        df[c] = pd.Categorical(df[c], categories=list(dict.fromkeys(df[c])))
    return df


def t_interval(values: Iterable[float], level: float = 0.95) -> tuple[float, float, float, int]:
    """(mean, low, high, n) of the Student-t interval of the finite values (NaN skipped)."""
    return _summary(list(values), level)


# ---------------------------------------------------------------------------------------------


def _grid(parameters: Mapping[Any, Any]) -> tuple[list[str], list[tuple[tuple, dict]]]:
    """The columns and the points: [(levels per column, overrides for scenario.set)]."""
    if not isinstance(parameters, Mapping):
        raise TypeError("parameters must be a mapping: {path: [values]} or {label: {level: {path: value}}}")
    columns: list[str] = []
    axes: list[list[tuple[Any, dict]]] = []
    for name, spec in parameters.items():
        if not isinstance(name, str) or not name:
            raise TypeError(f"a parameter is named by a non-empty string, got {name!r}")
        if isinstance(spec, Mapping):
            axis = []
            for level, overrides in spec.items():
                if not isinstance(overrides, Mapping):
                    raise TypeError(
                        f"parameter {name!r}: level {level!r} must map to {{path: value}}, "
                        f"got {type(overrides).__name__}")
                axis.append((level, dict(overrides)))
        elif isinstance(spec, (str, bytes)) or not isinstance(spec, Iterable):
            raise TypeError(f"parameter {name!r}: expected a list of values, got {spec!r}")
        else:
            axis = [(v, {name: v}) for v in spec]
        if not axis:
            raise ValueError(f"parameter {name!r} has no values")
        columns.append(name)
        axes.append(axis)
    points = []
    for combo in itertools.product(*axes):
        levels = tuple(level for level, _ in combo)
        overrides: dict = {}
        for _, o in combo:
            for path, value in o.items():
                if path in overrides:
                    raise ValueError(f"two parameters set {path!r}")
                overrides[path] = value
        points.append((levels, overrides))
    return columns, points


def _metric_rows(table: pd.DataFrame, key_cols: tuple[str, ...], metrics: tuple[str, ...]):
    """(key, [value per metric]) per row; figures that need requests are NaN without any."""
    has_requests = "requests" in table.columns
    keys = [table[c].tolist() for c in key_cols]
    cols = [pd.to_numeric(table[m], errors="coerce").to_numpy(dtype=float) for m in metrics]
    requests = table["requests"].to_numpy() if has_requests else None
    for i in range(len(table)):
        key = tuple(k[i] for k in keys)
        none = has_requests and requests[i] == 0
        vals = [
            math.nan if (none and m not in _COUNT_METRICS) else float(c[i])
            for m, c in zip(metrics, cols)
        ]
        yield key, vals


def _summary(values: list[float], level: float) -> tuple[float, float, float, int]:
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    n = int(x.size)
    if n == 0:
        return math.nan, math.nan, math.nan, 0
    mean = float(x.mean())
    if n < 2:
        return mean, math.nan, math.nan, n
    sd = float(x.std(ddof=1))
    half = _t_quantile((1.0 + level) / 2.0, n - 1) * sd / math.sqrt(n)
    return mean, mean - half, mean + half, n


def _t_quantile(p: float, df: int) -> float:
    from scipy import stats

    return float(stats.t.ppf(p, df))
