"""``meshsim check`` and ``meshsim compare`` from Python: expectations and paired comparisons as
pandas DataFrames (the statistics are those of docs/ci.md, computed in C++).

    >>> sc = meshsim.Scenario.load("scenarios/examples/retry-storm")
    >>> sc.check()                                       # one row per expectation
    >>> meshsim.compare(sc, sc.set({"VirtualService/ledger.spec.http[0].retries.attempts": 5}))
"""
from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

import pandas as pd

from . import _core

if TYPE_CHECKING:  # pragma: no cover
    from .scenario import Scenario


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

    Returns one row per expectation: ``name, service, metric, percentile, flag, bound,
    threshold, estimate, lower, upper, verdict`` (pass / marginal / fail / no data),
    ``requests`` and ``values`` (one per replication); rates and shares as fractions, latencies
    in seconds. ``df.attrs`` holds ``seeds``, ``confidence``, ``fingerprint`` (of the whole
    check) and ``fingerprints`` (one per replication; the first equals ``meshsim run``'s).
    """
    out = _core.check(scenario._core, _replications(replications), threads)
    df = pd.DataFrame(out["rows"], columns=[
        "name", "service", "metric", "percentile", "flag", "bound", "threshold", "estimate",
        "lower", "upper", "verdict", "requests", "values", "where"])
    df.attrs.update({k: out[k] for k in ("seeds", "confidence", "fingerprint", "fingerprints")})
    return df


def compare(base: "Scenario", candidate: "Scenario", replications: int | None = None,
            threads: int | None = None, multiple_testing: str = "holm",
            independent_streams: bool = False) -> pd.DataFrame:
    """Runs both scenarios with the base's seeds (common random numbers) and compares every
    service that carried traffic in both, as ``meshsim compare --all`` does, with the base's
    regression thresholds.

    ``multiple_testing``: how the rows share the error rate: ``"holm"`` (default; the chance
    that any row of a no-op change is flagged is at most 1 - confidence) or ``"bh"``
    (Benjamini-Hochberg; the expected share of false rows among the flagged).
    ``independent_streams``: the candidate runs on seeds of its own (base seed + 2**63) instead
    of the base's; for A/A tests (with common random numbers an unchanged candidate is the same
    runs).

    Returns one row per service and metric: ``service, metric, method, unit, base, candidate,
    difference, lower, upper, relative, relative_lower, relative_upper, p_value,
    adjusted_p_value, threshold, change`` (no significant change / improvement / worse /
    regression, decided on ``adjusted_p_value``). ``difference`` is candidate - base in the
    metric's unit (``unit``: ``%`` rows are fractions, ``s`` rows seconds, ``x`` attempts per
    request; P(slower) a probability, its base 1/2), ``lower``/``upper`` its interval at the
    confidence level, ``relative`` = difference / base. ``df.attrs`` holds ``seeds``,
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
    out = _core.compare(base._core, candidate._core, _replications(replications), threads,
                        str(multiple_testing), independent_streams)
    df = pd.DataFrame(out["rows"], columns=[
        "service", "metric", "method", "unit", "base", "candidate", "difference", "lower",
        "upper", "relative", "relative_lower", "relative_upper", "p_value", "adjusted_p_value",
        "threshold", "change"])
    df.attrs.update({k: out[k] for k in (
        "seeds", "candidate_seeds", "confidence", "multiple_testing", "alpha", "tests",
        "independent_streams", "base_fingerprint", "candidate_fingerprint")})
    return df
