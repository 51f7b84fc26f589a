"""meshsim: a discrete-event simulator for Istio/Envoy service meshes, from Python.

    >>> import meshsim
    >>> sc = meshsim.Scenario.load("scenarios/examples/bookinfo")
    >>> res = sc.run(seed=1)
    >>> res.services()

The simulator is C++ (``meshsim._core``, built with pybind11); this package is the thin,
friendly layer on top: scenarios, results as pandas DataFrames, sweeps and plots. The API is
described in python/README.md.
"""

# The compiled module may live in another directory than this file: in a build tree it is
# written to <build>/python/meshsim/ (that directory holds nothing else), while this package
# stays in the source tree (python/meshsim/).  extend_path() adds every `meshsim` directory on
# sys.path to this package's path, so with PYTHONPATH=<build>/python:<src>/python
# `meshsim._core` is found beside the pure-Python modules.  Installed, both are in one place and
# this changes nothing.
from pkgutil import extend_path

__path__ = extend_path(__path__, __name__)

from ._core import ScenarioError, __version__  # noqa: E402
from .results import Results, open_results  # noqa: E402
from .scenario import Scenario, run_many  # noqa: E402
from .sweep import sweep  # noqa: E402
from .ci import check, compare  # noqa: E402
from .examples import examples_dir  # noqa: E402
from . import plots  # noqa: E402

__all__ = [
    "Scenario",
    "ScenarioError",
    "Results",
    "open_results",
    "run_many",
    "sweep",
    "check",
    "compare",
    "plots",
    "examples_dir",
    "__version__",
]
