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
            threads: int | None = None) -> pd.DataFrame:
    """Runs both scenarios with the base's seeds (common random numbers) and compares every
    service that carried traffic in both, as ``meshsim compare --all`` does, with the base's
    regression thresholds.

    Returns one row per service and metric: ``service, metric, method, base, candidate,
    difference, lower, upper, threshold, change`` (no significant change / improvement / worse
    / regression). ``df.attrs`` holds ``seeds``, ``confidence`` and both fingerprints. A
    candidate whose Experiment seed differs from the base's gets a ``UserWarning``: that seed is
    not used.
    """
    from .scenario import Scenario
    for name, sc in (("base", base), ("candidate", candidate)):
        if not isinstance(sc, Scenario):
            raise TypeError(f"compare expects meshsim.Scenario objects; {name} is {type(sc).__name__}")
    if candidate.seed != base.seed:
        # As `meshsim compare` says on stderr: no silent overrides (issue #15).
        warnings.warn(f"the candidate's Experiment seed ({candidate.seed}) is not used: compare "
                      f"runs both with the base's seeds (common random numbers)", stacklevel=2)
    out = _core.compare(base._core, candidate._core, _replications(replications), threads)
    df = pd.DataFrame(out["rows"], columns=[
        "service", "metric", "method", "base", "candidate", "difference", "lower", "upper",
        "threshold", "change"])
    df.attrs.update({k: out[k] for k in ("seeds", "confidence", "base_fingerprint",
                                         "candidate_fingerprint")})
    return df
