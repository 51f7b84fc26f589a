"""Running from Python: replications on threads give the results one thread gives, the same seed
gives the same run, and the GIL is released while C++ runs.  Source of truth: the kernel's
contract (docs/architecture.md: streams keyed by (seed, entity, purpose), no global state)."""
import sys
import threading

import numpy as np
import pandas as pd
import pytest

import meshsim
from conftest import EXAMPLES


def frames(res):
    return [res.table(name) for name in meshsim.results.TABLES]


def assert_same(a, b):
    assert a.metadata["seed"] == b.metadata["seed"]
    assert a.metadata["events"] == b.metadata["events"]
    for x, y in zip(frames(a), frames(b)):
        if isinstance(x, np.ndarray):
            np.testing.assert_array_equal(x, y)
        else:
            pd.testing.assert_frame_equal(x, y)


def test_run_many_is_bit_identical_whatever_the_thread_count():
    sc = meshsim.Scenario.load(EXAMPLES / "zone-outage")
    seeds = [4, 1, 9, 2, 7]
    one = meshsim.run_many(sc, seeds=seeds, threads=1, duration="40s")
    many = meshsim.run_many(sc, seeds=seeds, threads=4, duration="40s")
    default = meshsim.run_many(sc, seeds=seeds, duration="40s")
    assert [r.metadata["seed"] for r in many] == seeds
    for a, b, c in zip(one, many, default):
        assert_same(a, b)
        assert_same(a, c)
    # ... and each equals a run on its own.
    assert_same(one[2], sc.run(seed=9, duration="40s"))
    # Different seeds are different runs.
    assert one[0].metadata["events"] != one[1].metadata["events"]


def test_run_many_checks_its_arguments(bookinfo):
    with pytest.raises(ValueError):
        meshsim.run_many(bookinfo, seeds=[1], threads=0)
    with pytest.raises(ValueError, match="warm-up"):
        meshsim.run_many(bookinfo, seeds=[1, 2], duration="1s", warmup="2s")
    with pytest.raises(TypeError):
        meshsim.run_many("bookinfo", seeds=[1])
    assert meshsim.run_many(bookinfo, seeds=[]) == []


def _main_thread_runs_during(call):
    """Whether this thread gets to run Python while `call` runs in another thread, decided by
    the GIL hand-over, not by a stopwatch.  With a switch interval of 1000 s the interpreter
    never forces a thread to give up the GIL, so a thread waiting for it gets it only when the
    holder releases it of its own accord (blocking, or C++ under gil_scoped_release) or ends.
    The worker wakes this thread and enters `call` still holding the GIL: if `call` held it
    throughout, this thread could run again only after the worker had set `finished` and ended,
    so it would always see `finished` set.  If `call` releases it, this thread runs while
    `call` is still going and sees `finished` unset, unless `call` ends within the few
    microseconds a wake-up takes (the runs below last seconds)."""
    started, state = threading.Event(), {"finished": False}

    def worker():
        started.set()
        state["result"] = call()
        state["finished"] = True

    old = sys.getswitchinterval()
    sys.setswitchinterval(1000.0)
    try:
        t = threading.Thread(target=worker)
        t.start()
        started.wait()
        ran_during = not state["finished"]
        t.join()
    finally:
        sys.setswitchinterval(old)
    assert state["finished"]
    return ran_during, state["result"]


def test_the_gil_is_released_while_a_run_goes_on():
    """Truth: the binding releases the GIL around the C++ run (scenario.py's docstring; python/src
    run.cpp), so other Python threads keep running.  The binding itself (meshsim._core.run) is
    timed, not Scenario.run: the Python that builds Results afterwards may release the GIL on its
    own.  See _main_thread_runs_during for how the hand-over is seen."""
    sc = meshsim.Scenario.load(EXAMPLES / "mm1")
    ran_during, core = _main_thread_runs_during(
        lambda: meshsim._core.run(sc._core, 1, 5000 * 10**9, None))
    assert ran_during, "the main thread could not run Python while the run went on"
    # M/M/1 example at 800 rps: about 4e6 requests in 5000 s, so the run is long (seconds).
    assert int(core.tables()["series/requests"]["count"].sum()) > 1_000_000


def test_run_many_releases_the_gil_too():
    sc = meshsim.Scenario.load(EXAMPLES / "mm1")
    ran_during, cores = _main_thread_runs_during(
        lambda: meshsim._core.run_many(sc._core, [1, 2], 2, 800 * 10**9, None))
    assert ran_during, "the main thread could not run Python while run_many went on"
    assert len(cores) == 2


def test_one_scenario_runs_in_several_python_threads_at_once(bookinfo):
    results = {}

    def worker(seed):
        results[seed] = bookinfo.run(seed=seed, duration="10s")

    threads = [threading.Thread(target=worker, args=(s,)) for s in (1, 2, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert_same(results[1], bookinfo.run(seed=1, duration="10s"))


def test_a_runaway_run_raises_with_the_report():
    """Resource guards (issue #16): a retry storm past spec.limits.maxInFlight raises
    RuntimeError with the report `meshsim run` prints, instead of exhausting the machine."""
    storm = meshsim.Scenario.load(EXAMPLES / "retry-storm").set({
        "VirtualService/ledger.spec.http[0].retries.attempts": 5,
        "Experiment.spec.limits": {"maxInFlight": 20000}})
    with pytest.raises(RuntimeError, match=r"resource limit reached \(seed 1\)") as e:
        storm.run()
    assert "payments-v1" in str(e.value) and "ledger-v1" in str(e.value)
    with pytest.raises(RuntimeError, match="resource limit reached"):
        meshsim.run_many(storm, seeds=[1, 2], threads=2)


def test_the_recovery_verdict_is_in_the_metadata():
    """analysis/recovery.h's verdict, as `meshsim run` prints it: the retry-storm example
    recovers after its brown-out with 2 retries, not with 5 (its header says why)."""
    storm = meshsim.Scenario.load(EXAMPLES / "retry-storm")
    meta = storm.run().metadata
    assert meta["recovery"] == "recovered" and 0 <= meta["recovery_s"] < 30
    five = storm.set({"VirtualService/ledger.spec.http[0].retries.attempts": 5}).run().metadata
    assert five["recovery"] == "did not recover" and five["recovery_s"] is None
    assert meshsim.Scenario.load(EXAMPLES / "mm1").run(duration="20s").metadata["recovery"] == \
        "no trigger"


def test_adaptive_concurrency_breaks_the_retry_storm():
    """Envoy's adaptive concurrency on the ledger (an EnvoyFilter, scenarios/examples/
    retry-storm-tasks/): with 5 retries the mesh that did not recover now does, since the ledger
    refuses at once what it cannot serve instead of queueing every try."""
    storm = meshsim.Scenario.load(EXAMPLES / "retry-storm",
                                  EXAMPLES / "retry-storm-tasks" / "ledger-adaptive-concurrency.yaml")
    five = storm.set({"VirtualService/ledger.spec.http[0].retries.attempts": 5}).run().metadata
    assert five["recovery"] == "recovered" and five["recovery_s"] < 5
