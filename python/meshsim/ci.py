"""``meshsim check`` and ``meshsim compare`` from Python: expectations and paired comparisons as
pandas DataFrames (the statistics are those of docs/ci.md, computed in C++).

    >>> sc = meshsim.Scenario.load("scenarios/examples/retry-storm")
    >>> sc.check()                                       # one row per expectation
    >>> meshsim.compare(sc, sc.set({"VirtualService/ledger.spec.http[0].retries.attempts": 5}))
"""
from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from . import _core

if TYPE_CHECKING:  # pragma: no cover
    from .scenario import Scenario


# One unit per quantity in every table meshsim gives (issue #15), as in ``Results.services()``,
# the CLI and the scenario language: rates and shares in percent, latencies in milliseconds.
# The C++ layer computes in fractions and seconds; these are the factors to the tables' units.
_CHECK_UNITS = {  # check()'s metric -> (unit, factor)
    "success_rate": ("%", 100.0),
    "flag_share": ("%", 100.0),
    "latency": ("ms", 1e3),
    "retry_amplification": ("x", 1.0),
    "attempts_per_request": ("x", 1.0),
    "throughput": ("rps", 1.0),
}
_COMPARE_UNITS = {  # compare()'s C++ unit -> (unit, factor)
    "%": ("%", 100.0),      # success rate: percent; differences in percentage points
    "s": ("ms", 1e3),       # latency
    "x": ("x", 1.0),        # retry amplification
}
_VALUE_COLUMNS = ("base", "candidate", "difference", "lower", "upper")


def _check_units(df: pd.DataFrame) -> pd.DataFrame:
    """check()'s rows in the tables' units, with the unit in a column of its own."""
    units = [_CHECK_UNITS[m] for m in df["metric"]]
    factor = np.array([f for _, f in units], dtype=float)
    df.insert(df.columns.get_loc("metric") + 1, "unit", [u for u, _ in units])
    for col in ("threshold", "estimate", "lower", "upper"):
        df[col] = df[col].astype(float) * factor
    df["values"] = [[float(v) * f for v in vs] for vs, f in zip(df["values"], factor)]
    return df


def _compare_units(df: pd.DataFrame) -> pd.DataFrame:
    """compare()'s rows in the tables' units: percent and ms values, relative changes in
    percent, and ``threshold_on`` naming the column the threshold bounds."""
    units, factors, on = [], [], []
    for metric, unit in zip(df["metric"], df["unit"]):
        if metric == "P(slower)":  # a probability: in percent, its threshold on `candidate`
            u, f, o = "%", 100.0, "candidate"
        elif metric == "requests":  # traffic stopped: counts, no test, no threshold
            u, f, o = "requests", 1.0, None
        else:
            u, f = _COMPARE_UNITS[unit]
            o = "relative_pct" if u == "ms" else "difference"
        units.append(u)
        factors.append(f)
        on.append(o)
    factor = np.array(factors, dtype=float)
    for col in _VALUE_COLUMNS:
        df[col] = df[col].astype(float) * factor
    # Latency thresholds bound the relative change; the others are in the row's unit.
    relative_threshold = np.array([o == "relative_pct" for o in on])
    df["threshold"] = df["threshold"].astype(float) * np.where(relative_threshold, 100.0, factor)
    df["unit"] = units
    df.insert(df.columns.get_loc("threshold") + 1, "threshold_on", on)
    relative = ("relative", "relative_lower", "relative_upper")
    for col in relative:
        df[col] = df[col].astype(float) * 100.0
    return df.rename(columns={c: f"{c}_pct" for c in relative})


def _replications(replications: int | None) -> int | None:
    if replications is None:
        return None
    if isinstance(replications, bool) or int(replications) != replications:
        raise TypeError(f"replications is an integer, got {replications!r}")
    if replications < 2:
        raise ValueError(f"replications must be at least 2, got {replications}")
    return int(replications)


def check(scenario: "Scenario", replications: int | None = None,
          threads: int | None = None) -> pd.DataFrame:
    """Runs the scenario ``replications`` times (default: its Experiment's ``spec.check``,
    else 5; seeds seed, seed+1, ...) on ``threads`` C++ threads and judges its ``expect:``
    section as ``meshsim check`` does.

    Returns one row per expectation: ``name, service, metric, unit, percentile, flag, bound,
    threshold, estimate, lower, upper, verdict`` (pass / marginal / fail / no data),
    ``requests``, ``values`` (one per replication) and ``where``. ``threshold``, ``estimate``,
    ``lower``, ``upper`` and ``values`` are in the row's ``unit``, the units of every meshsim
    table: ``%`` (success rates and flag shares, in percent), ``ms`` (latencies), ``x``
    (amplification, attempts per request) or ``rps``. ``df.attrs`` holds ``seeds``, ``confidence``, ``fingerprint`` (of the whole
    check) and ``fingerprints`` (one per replication; the first equals ``meshsim run``'s).
    """
    out = _core.check(scenario._core, _replications(replications), threads)
    df = pd.DataFrame(out["rows"], columns=[
        "name", "service", "metric", "percentile", "flag", "bound", "threshold", "estimate",
        "lower", "upper", "verdict", "requests", "values", "where"])
    df = _check_units(df)
    df.attrs.update({k: out[k] for k in ("seeds", "confidence", "fingerprint", "fingerprints")})
    return df


def compare(base: "Scenario", candidate: "Scenario", replications: int | None = None,
            threads: int | None = None, multiple_testing: str | None = None,
            independent_streams: bool = False) -> pd.DataFrame:
    """Runs both scenarios with the base's seeds (common random numbers) and compares every
    service that carried traffic in both, as ``meshsim compare --all`` does, with the base's
    regression thresholds.

    ``multiple_testing``: how the rows share the error rate: ``"holm"`` (the chance that any
    row of a no-op change is flagged is at most 1 - confidence) or ``"bh"``
    (Benjamini-Hochberg; the expected share of false rows among the flagged); None (default):
    the base Experiment's ``spec.check.multipleTesting``, else Holm.
    ``independent_streams``: the candidate runs on seeds of its own (base seed + 2**63) instead
    of the base's; for A/A tests (with common random numbers an unchanged candidate is the same
    runs).

    Returns one row per service and metric: ``service, metric, method, unit, base, candidate,
    difference, lower, upper, relative_pct, relative_lower_pct, relative_upper_pct, p_value,
    adjusted_p_value, threshold, threshold_on, change`` (no significant change / improvement /
    worse / regression, decided on ``adjusted_p_value``). Values are in the row's ``unit``, the
    units of every meshsim table: ``%`` (success rate, and P(slower) whose base is 50; its
    ``difference`` in percentage points), ``ms`` (latencies), ``x`` (attempts per request),
    ``requests`` (a service whose traffic stopped). ``difference`` is candidate - base,
    ``lower``/``upper`` its interval at the confidence level, ``relative_pct`` = 100 *
    difference / base. ``threshold`` bounds the column ``threshold_on`` names, in its unit
    (``difference``: a success-rate drop in percentage points or an amplification increase;
    ``relative_pct``: a latency increase in percent; ``candidate``: P(slower)). ``df.attrs`` holds ``seeds``,
    ``candidate_seeds``, ``confidence``, ``multiple_testing``, ``alpha``, ``tests`` (the rows
    with a p-value), ``independent_streams`` and both fingerprints.
    A candidate whose Experiment seed differs from the base's gets a ``UserWarning``: that
    seed is not used.
    """
    from .scenario import Scenario
    for name, sc in (("base", base), ("candidate", candidate)):
        if not isinstance(sc, Scenario):
            raise TypeError(f"compare expects meshsim.Scenario objects; {name} is {type(sc).__name__}")
    if not isinstance(independent_streams, bool):
        raise TypeError(f"independent_streams is a bool, got {independent_streams!r}")
    if candidate.seed != base.seed:
        # As `meshsim compare` says on stderr: no silent overrides (issue #15).
        how = "the base's seeds + 2**63" if independent_streams else "the base's seeds (common random numbers)"
        warnings.warn(f"the candidate's Experiment seed ({candidate.seed}) is not used: compare "
                      f"runs the candidate on {how}", stacklevel=2)
    if candidate._core.check_settings != base._core.check_settings:
        warnings.warn("the candidate's Experiment spec.check is not used: compare runs and judges "
                      "both by the base's (replications, confidence, regression, "
                      "multipleTesting)", stacklevel=2)
    out = _core.compare(base._core, candidate._core, _replications(replications), threads,
                        None if multiple_testing is None else str(multiple_testing),
                        independent_streams)
    df = pd.DataFrame(out["rows"], columns=[
        "service", "metric", "method", "unit", "base", "candidate", "difference", "lower",
        "upper", "relative", "relative_lower", "relative_upper", "p_value", "adjusted_p_value",
        "threshold", "change"])
    df = _compare_units(df)
    df.attrs.update({k: out[k] for k in (
        "seeds", "candidate_seeds", "confidence", "multiple_testing", "alpha", "tests",
        "independent_streams", "base_fingerprint", "candidate_fingerprint")})
    return df
