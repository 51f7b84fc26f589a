"""Where meshsim's example scenarios are, for notebooks and scripts that run anywhere.

    >>> sc = meshsim.Scenario.load(str(meshsim.examples_dir() / "bookinfo"))

The examples are the repository's ``scenarios/examples``; the package does not ship them. They
are found through the environment variable ``MESHSIM_EXAMPLES`` or, when it is unset, beside the
package's own source (a checkout, run with ``PYTHONPATH=<checkout>/build/python:<checkout>/python``
or installed in editable mode). A notebook copied out of the repository therefore still finds them
as long as ``meshsim`` is imported from a checkout; otherwise it stops with an error that says what
to set.
"""

from __future__ import annotations

import os
from pathlib import Path

ENV = "MESHSIM_EXAMPLES"


def examples_dir() -> Path:
    """The directory of meshsim's example scenarios (``scenarios/examples`` of a checkout).

    ``$MESHSIM_EXAMPLES`` if set (it must be a directory), else the ``scenarios/examples`` of the
    checkout this package was imported from. Raises ``FileNotFoundError`` naming
    ``MESHSIM_EXAMPLES`` when neither exists.
    """
    return _find(os.environ.get(ENV), Path(__file__).resolve().parent)


def _find(env: str | None, package_dir: Path) -> Path:
    if env:
        path = Path(env).expanduser()
        if not path.is_dir():
            raise FileNotFoundError(
                f"{ENV}={env} is not a directory; set {ENV} to the scenarios/examples "
                "directory of a meshsim checkout")
        return path
    # python/meshsim/ in a checkout: the examples are <checkout>/scenarios/examples.
    checkout = package_dir.parent.parent / "scenarios" / "examples"
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError(
        f"meshsim's example scenarios were not found: this meshsim package ({package_dir}) is "
        f"not in a meshsim checkout; set {ENV} to the scenarios/examples directory of one")
