"""Scenarios: loading, overriding and running them (``meshsim.Scenario``, ``meshsim.run_many``).

A Scenario is what ``meshsim validate`` accepts: Kubernetes and Istio manifests plus meshsim's own
kinds (scenarios/README.md), loaded and checked once into an immutable object. Overrides use the
paths of ``meshsim run --set`` (``"Load/users.spec.rate"``). Invalid input raises
``meshsim.ScenarioError`` with every error as ``file:line:column: error MSHxxxx: ...``.
"""

from __future__ import annotations

import datetime
import json
import numbers
import os
from collections.abc import Iterable, Mapping
from typing import Any

from . import _core
from .results import Results

__all__ = ["Scenario", "run_many"]


class Scenario:
    """A loaded, validated, immutable scenario.

    Made by ``Scenario.load``, ``Scenario.from_yaml`` or ``Scenario.from_dicts``; ``set``
    returns a new one. Running it does not change it, so one Scenario may run many times, in
    several threads at once.
    """

    def __init__(self, core: Any, origin: tuple, overrides: tuple[str, ...] = ()):
        """Wraps a ``_core.Scenario`` and how it was loaded (for ``set``); internal."""
        self._core = core
        self._origin = origin  # ("files", paths) or ("text", text, name)
        self._overrides = tuple(overrides)

    # ---- loading ---------------------------------------------------------------------------

    @classmethod
    def load(cls, *paths: str | os.PathLike) -> "Scenario":
        """Loads scenario files and directories (recursively: every *.yaml and *.yml, sorted by
        path), then the files their Experiment includes, as ``meshsim run PATH...`` does."""
        if not paths:
            raise ValueError("Scenario.load needs at least one file or directory")
        files = tuple(os.fspath(p) for p in paths)
        return cls._load(("files", files), ())

    @classmethod
    def from_yaml(cls, text: str, name: str = "<string>") -> "Scenario":
        """Loads a scenario from YAML text (one or more documents separated by ``---``).
        ``name`` stands for the file name in error locations; relative include/apply paths are
        resolved against its directory."""
        if not isinstance(text, str):
            raise TypeError(f"from_yaml expects a str, got {type(text).__name__}")
        return cls._load(("text", text, str(name)), ())

    @classmethod
    def from_dicts(cls, documents: Iterable[Mapping[str, Any]], name: str = "<dicts>") -> "Scenario":
        """Loads a scenario from kubectl-style documents given as dicts (``apiVersion``,
        ``kind``, ``metadata``, ``spec``). Each is written as JSON (which is YAML) with one key
        per line, so error locations point at a line of that text (``Scenario.sources``)."""
        if isinstance(documents, Mapping):
            documents = [documents]
        texts = []
        for i, doc in enumerate(documents):
            if not isinstance(doc, Mapping):
                raise TypeError(f"document {i} is a {type(doc).__name__}, not a dict")
            texts.append(json.dumps(doc, indent=2, ensure_ascii=False, allow_nan=False,
                                    default=_json_default))
        if not texts:
            raise ValueError("from_dicts needs at least one document")
        return cls._load(("text", "\n---\n".join(texts) + "\n", str(name)), ())

    def set(self, overrides: Mapping[str, Any]) -> "Scenario":
        """A new Scenario: this one's sources loaded again with ``overrides`` applied after the
        ones it already has, as ``--set PATH=VALUE`` would. ``overrides`` maps a path
        (``"KIND[/NAME].path.to.field"``, e.g. ``"Load/users.spec.rate"``) to a value: a str
        is used as it is (``"30s"``), a number or bool as its YAML spelling, a list or dict as
        JSON (which YAML reads). Files are read again from disk."""
        if not isinstance(overrides, Mapping):
            raise TypeError("set expects a dict {path: value}")
        more = tuple(f"{path}={_yaml_value(value)}" for path, value in overrides.items())
        return self._load(self._origin, self._overrides + more)

    @classmethod
    def _load(cls, origin: tuple, overrides: tuple[str, ...]) -> "Scenario":
        if origin[0] == "files":
            core = _core.load_scenario(list(origin[1]), list(overrides))
        else:
            core = _core.load_scenario_text(origin[1], origin[2], list(overrides))
        return cls(core, origin, overrides)

    # ---- what it holds ---------------------------------------------------------------------

    @property
    def services(self) -> list[str]:
        """Service names, in catalog order."""
        return list(self._core.services)

    @property
    def workloads(self) -> list[str]:
        """Workload names, in catalog order."""
        return list(self._core.workloads)

    @property
    def loads(self) -> list[str]:
        """Load names, in catalog order."""
        return list(self._core.loads)

    @property
    def sources(self) -> list[tuple[str, str]]:
        """Every file read, as (path, text), in load order."""
        return list(self._core.sources)

    @property
    def overrides(self) -> list[str]:
        """The overrides applied, as ``--set`` arguments (``"Load/users.spec.rate=400"``)."""
        return list(self._overrides)

    @property
    def warnings(self) -> list[dict]:
        """Warnings and notes of the load, as dicts like ``ScenarioError.diagnostics``."""
        return list(self._core.warnings)

    @property
    def ignored_kinds(self) -> list[str]:
        """Kinds meshsim does not model, with their counts: ``'ServiceAccount (4)'``."""
        return list(self._core.ignored_kinds)

    @property
    def seed(self) -> int:
        """The Experiment's seed (what ``run()`` uses when given none)."""
        return int(self._core.seed)

    @property
    def duration_s(self) -> float:
        """The Experiment's simulated duration in seconds."""
        return float(self._core.duration_s)

    @property
    def warmup_s(self) -> float:
        """The Experiment's warm-up in seconds."""
        return float(self._core.warmup_s)

    # ---- running ---------------------------------------------------------------------------

    def run(self, seed: int | None = None, duration: Any = None, warmup: Any = None) -> Results:
        """Runs the scenario once, as ``meshsim run`` does, and returns its ``Results``.

        ``seed``: None for the Experiment's. ``duration``, ``warmup``: a duration string
        (``"120s"``, ``"500ms"``), a number of seconds or a ``datetime.timedelta``; None for
        the Experiment's. The GIL is released while the simulation runs, so other Python threads
        go on meanwhile. Raises ValueError for a warm-up not shorter than the duration.
        """
        core = _core.run(self._core, _seed(seed), _duration_ns(duration, "duration"),
                         _duration_ns(warmup, "warmup"))
        return Results._from_core(core)

    def check(self, replications: int | None = None, threads: int | None = None):
        """Judges the scenario's expectations as ``meshsim check`` does; see
        ``meshsim.check``. Returns a pandas DataFrame, one row per expectation."""
        from .ci import check
        return check(self, replications, threads)

    def __repr__(self) -> str:
        where = (", ".join(self._origin[1]) if self._origin[0] == "files" else self._origin[2])
        return (f"<meshsim.Scenario {where}: {len(self.services)} service(s), "
                f"{len(self.workloads)} workload(s), {len(self.loads)} load(s)"
                + (f", {len(self._overrides)} override(s)>" if self._overrides else ">"))


def run_many(scenario: Scenario, seeds: Iterable[int], threads: int | None = None,
             duration: Any = None, warmup: Any = None) -> list[Results]:
    """Runs ``scenario`` once per seed and returns the ``Results`` in the order of ``seeds``.

    The runs go on ``threads`` C++ threads (None: one per hardware thread, at most one per
    seed) with the GIL released. Each run is independent and seeded, so the results are the same
    whatever ``threads`` is. ``duration`` and ``warmup`` as in ``Scenario.run``.
    """
    if not isinstance(scenario, Scenario):
        raise TypeError(f"run_many expects a meshsim.Scenario, got {type(scenario).__name__}")
    seed_list = [_seed(s) for s in seeds]
    if threads is not None:
        threads = int(threads)
        if threads < 1:
            raise ValueError(f"threads must be at least 1, got {threads}")
    cores = _core.run_many(scenario._core, seed_list, threads, _duration_ns(duration, "duration"),
                           _duration_ns(warmup, "warmup"))
    return [Results._from_core(c) for c in cores]


# ---- value conversions ---------------------------------------------------------------------


def _seed(seed: Any) -> int | None:
    if seed is None:
        return None
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"a seed is a non-negative integer, got {seed!r}")
    seed = int(seed)
    if not 0 <= seed < 2**64:
        raise ValueError(f"a seed is a non-negative 64-bit integer, got {seed}")
    return seed


def _duration_ns(value: Any, what: str) -> int | None:
    """A duration option in integer nanoseconds (None stays None)."""
    if value is None:
        return None
    if isinstance(value, datetime.timedelta):
        return value // datetime.timedelta(microseconds=1) * 1000
    if isinstance(value, str):
        ns = _core.parse_duration(value)
        if ns is None:
            raise ValueError(f"{what} expects a duration like '60s' or '500ms', got {value!r}")
        return ns
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return round(float(value) * 1e9)
    raise TypeError(f"{what} expects a duration string, seconds or a timedelta, got {value!r}")


def _yaml_value(value: Any) -> str:
    """An override's VALUE as YAML text."""
    if isinstance(value, str):
        return value
    if value is None or isinstance(value, bool):
        return json.dumps(value)  # null, true, false
    if isinstance(value, datetime.timedelta):
        return f"{value // datetime.timedelta(microseconds=1)}us"
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        return repr(float(value))
    if isinstance(value, (Mapping, list, tuple)):
        return json.dumps(value, ensure_ascii=False, allow_nan=False, default=_json_default)
    raise TypeError(f"cannot use {value!r} ({type(value).__name__}) as an override value")


def _json_default(value: Any) -> Any:
    """numpy scalars and timedeltas inside documents and override values."""
    if isinstance(value, datetime.timedelta):
        return f"{value // datetime.timedelta(microseconds=1)}us"
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    raise TypeError(f"cannot write {value!r} ({type(value).__name__}) as YAML")
