"""meshsim.open_results on mutated results files: a structured fuzz of the reader, seeded and
fixed (docs/robustness.md, "The results reader").

The file a real run wrote is copied and changed with h5py, one to three mutations each: a table
or column removed, a column's dtype, length or rank changed, a matrix's width changed, a table's
`columns` attribute or a /metadata attribute rewritten, a group replaced by a dataset.  Every
mutant is a well-formed HDF5 file: the HDF5 library itself is not fuzzed (it does not promise
memory safety on corrupt files).  The contract (open_results' docstring): a file is read, or
ValueError naming the file is raised; once read, every table is a DataFrame or a matrix.
"""
import random
import shutil

import h5py
import numpy as np
import pytest

import meshsim
from conftest import EXAMPLES

MUTANTS = 200
SEED = 20261207


@pytest.fixture(scope="module")
def base_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("reader-fuzz") / "base.h5"
    meshsim.Scenario.load(EXAMPLES / "fanout").run(seed=1, duration="12s", warmup="1s").save(path)
    return path


def datasets(f):
    out = []
    f.visititems(lambda name, obj: out.append(name) if isinstance(obj, h5py.Dataset) else None)
    return sorted(out)


def groups(f):
    out = []
    f.visititems(lambda name, obj: out.append(name) if isinstance(obj, h5py.Group) else None)
    return sorted(out)


def replace(f, name, data):
    del f[name]
    f.create_dataset(name, data=data)


def mutate(f, rng):
    """Applies one mutation; returns what it did (for the failure message)."""
    ds = datasets(f)
    name = rng.choice(ds)
    data = f[name][()]
    n = len(data) if getattr(data, "ndim", 0) else 1
    kind = rng.randrange(10)
    if kind == 0:
        victim = rng.choice(ds + groups(f))
        del f[victim]
        return f"removed {victim}"
    if kind == 1:
        replace(f, name, np.arange(n, dtype=rng.choice([np.float64, np.int64, np.uint8])))
        return f"{name}: numeric dtype"
    if kind == 2:
        replace(f, name, np.array([b"x\xff" * rng.randrange(3)] * n))
        return f"{name}: byte strings (not UTF-8)"
    if kind == 3:
        replace(f, name, data[: max(0, n - 1 - rng.randrange(2))] if n else np.zeros(2))
        return f"{name}: shorter"
    if kind == 4:
        replace(f, name, np.zeros((n, 3)) if rng.random() < 0.5 else np.float64(1.5))
        return f"{name}: rank changed"
    if kind == 5:
        g = rng.choice([g for g in groups(f) if "columns" in f[g].attrs] or ["/"])
        cols = [bytes(c) if isinstance(c, bytes) else str(c).encode()
                for c in np.atleast_1d(f[g].attrs.get("columns", []))]
        choice = rng.randrange(4)
        if choice == 0 and cols:
            cols.pop(rng.randrange(len(cols)))
            f[g].attrs["columns"] = cols
        elif choice == 1:
            f[g].attrs["columns"] = cols + [b"no_such_column"]
        elif choice == 2:
            f[g].attrs["columns"] = 7
        else:
            del f[g].attrs["columns"]
        return f"{g}: columns attribute ({choice})"
    if kind == 6 and "metadata" in f:
        attrs = f["metadata"].attrs
        key = rng.choice(list(attrs.keys()) or ["format_version"])
        value = rng.choice([np.array([1.0, 2.0]), "x", -1, b"\xff", np.float64("nan")])
        attrs[key] = value
        return f"metadata.{key} = {value!r}"
    if kind == 7:
        g = rng.choice(groups(f) or ["catalog"])
        if g in f:
            del f[g]
        f.create_dataset(g, data=np.zeros(3))
        return f"group {g} replaced by a dataset"
    if kind == 8:
        replace(f, name, np.zeros((n, rng.choice([0, 1, 19, 21])), dtype=np.uint64))
        return f"{name}: 2-D of another width"
    replace(f, name, np.array([], dtype=data.dtype if hasattr(data, "dtype") else np.float64))
    return f"{name}: empty"


def test_mutated_files_are_read_or_refused_with_value_error(base_file, tmp_path):
    rng = random.Random(SEED)
    for i in range(MUTANTS):
        path = tmp_path / f"mutant-{i}.h5"
        shutil.copy(base_file, path)
        with h5py.File(path, "r+") as f:
            done = [mutate(f, rng) for _ in range(rng.randrange(1, 4))]
        try:
            res = meshsim.open_results(path)
        except ValueError as e:
            assert str(path) in str(e), (done, e)
            continue
        except Exception as e:  # noqa: BLE001 - the point of the test
            pytest.fail(f"mutant {i} {done}: {type(e).__name__}: {e}")
        for name in meshsim.results.TABLES:
            res.table(name)
        path.unlink()
