"""meshsim.examples_dir(): where notebooks and scripts find the example scenarios wherever they
run (issue #15: notebooks that travel).  Truth: python/meshsim/examples.py's contract -
$MESHSIM_EXAMPLES, else the checkout the package is imported from, else an error naming
MESHSIM_EXAMPLES."""
from pathlib import Path

import pytest

import meshsim
from meshsim import examples

REPO = Path(__file__).resolve().parents[2]


def test_from_the_checkout_the_package_is_imported_from(monkeypatch):
    monkeypatch.delenv("MESHSIM_EXAMPLES", raising=False)
    assert meshsim.examples_dir() == REPO / "scenarios" / "examples"
    assert (meshsim.examples_dir() / "bookinfo").is_dir()


def test_the_environment_variable_wins(monkeypatch, tmp_path):
    monkeypatch.setenv("MESHSIM_EXAMPLES", str(tmp_path))
    assert meshsim.examples_dir() == tmp_path


def test_an_environment_variable_that_is_not_a_directory_is_an_error_naming_it(monkeypatch, tmp_path):
    monkeypatch.setenv("MESHSIM_EXAMPLES", str(tmp_path / "missing"))
    with pytest.raises(FileNotFoundError, match="MESHSIM_EXAMPLES=.*missing is not a directory"):
        meshsim.examples_dir()


def test_a_package_outside_a_checkout_says_what_to_set(tmp_path):
    package = tmp_path / "site-packages" / "meshsim"
    package.mkdir(parents=True)
    with pytest.raises(FileNotFoundError, match="set MESHSIM_EXAMPLES"):
        examples._find(None, package)
