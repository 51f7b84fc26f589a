"""Type stub of meshsim._core, the compiled module (python/src/*.cpp). Use ``import meshsim``."""

from collections.abc import Sequence
from os import PathLike
from typing import Any

import numpy.typing as npt

__version__: str

class ScenarioError(ValueError):
    """An invalid scenario: str(e) is every error as 'file:line:column: error MSHxxxx: message',
    one per line; ``diagnostics`` lists them as dicts (code, level, message, file, line, column)."""

    diagnostics: list[dict[str, Any]]

# ---- scenario.cpp ----------------------------------------------------------------------------

class Scenario:
    """A loaded, validated, immutable scenario (scenarios::Scenario)."""

    @property
    def services(self) -> list[str]: ...
    @property
    def workloads(self) -> list[str]: ...
    @property
    def loads(self) -> list[str]: ...
    @property
    def sources(self) -> list[tuple[str, str]]: ...
    @property
    def warnings(self) -> list[dict[str, Any]]: ...
    @property
    def ignored_kinds(self) -> list[str]: ...
    @property
    def seed(self) -> int: ...
    @property
    def duration_s(self) -> float: ...
    @property
    def warmup_s(self) -> float: ...
    @property
    def interval_s(self) -> float: ...
    @property
    def check_settings(self) -> dict[str, Any]: ...

def load_scenario(paths: Sequence[str], overrides: Sequence[str] = ...) -> Scenario:
    """Loads files and directories with --set overrides; raises ScenarioError."""

def load_scenario_text(text: str, name: str = "<string>", overrides: Sequence[str] = ...) -> Scenario:
    """Loads YAML text; ``name`` stands for the file name in error locations."""

def parse_duration(text: str) -> int | None:
    """A Go/Istio duration in integer nanoseconds, or None."""

# ---- results.cpp -----------------------------------------------------------------------------

class RunResult:
    """One finished run's results tables, held in C++."""

    def tables(self) -> dict[str, Any]:
        """{'metadata': {...}, 'catalog/workloads': {column: values}, ...,
        'series/latency_buckets': 2-D uint64 array, ...}: numeric columns are read-only numpy
        views of the C++ data, string columns lists of str."""
    @property
    def metadata(self) -> dict[str, Any]: ...
    @property
    def summary(self) -> str:
        """The tables `meshsim run` prints."""
    def save(self, path: str | PathLike[str]) -> None:
        """Writes the HDF5 results file atomically; raises OSError."""

def histogram_percentiles(
    lower_ns: npt.ArrayLike,
    upper_ns: npt.ArrayLike,
    count: npt.ArrayLike,
    min_ns: int,
    max_ns: int,
    sum_ns: int,
    percentiles: Sequence[float],
) -> list[int]:
    """Exact percentiles (ns) of merged /totals/histograms buckets, as the CLI computes them."""

# ---- run.cpp ---------------------------------------------------------------------------------

def run(
    scenario: Scenario,
    seed: int | None = None,
    duration_ns: int | None = None,
    warmup_ns: int | None = None,
) -> RunResult:
    """Runs once, the GIL released; None keeps the Experiment's value."""

def run_many(
    scenario: Scenario,
    seeds: Sequence[int],
    threads: int | None = None,
    duration_ns: int | None = None,
    warmup_ns: int | None = None,
) -> list[RunResult]:
    """Runs once per seed on C++ threads, the GIL released; results in seed order."""

# ---- check.cpp -------------------------------------------------------------------------------

def check(
    scenario: Scenario,
    replications: int | None = None,
    threads: int | None = None,
) -> dict[str, Any]:
    """`meshsim check` on one scenario: {rows, seeds, confidence, fingerprint, fingerprints}."""

def compare(
    base: Scenario,
    candidate: Scenario,
    replications: int | None = None,
    threads: int | None = None,
    multiple_testing: str | None = None,
    independent_streams: bool = False,
) -> dict[str, Any]:
    """`meshsim compare --all` on two scenarios, common random numbers: {rows, seeds, ...}."""
