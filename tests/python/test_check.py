"""meshsim.check / Scenario.check and meshsim.compare: the CLI's check and compare from Python.

Truths: the command line's own output for the same scenario (the two front ends share the C++
code, so they must agree to the digit), the fingerprint of `Scenario.run` (replication 1 is
that run), and the definitions of docs/ci.md (identical variants change nothing; a change that
removes every success is a regression).
"""
import re
import subprocess

import pytest

import meshsim

from conftest import EXAMPLES, MESHSIM_BIN

RETRY_STORM = EXAMPLES / "retry-storm"
FIVE = {"VirtualService/ledger.spec.http[0].retries.attempts": 5}


@pytest.fixture(scope="module")
def storm():
    return meshsim.Scenario.load(RETRY_STORM)


def test_check_agrees_with_the_command_line(storm):
    df = storm.check(replications=3, threads=2)
    assert list(df["verdict"]) == ["pass"] * 4
    cli = subprocess.run([str(MESHSIM_BIN), "check", str(RETRY_STORM), "--replications", "3"],
                         capture_output=True, text=True, check=True).stdout
    assert f"fingerprint {df.attrs['fingerprint']} (seed 1: {df.attrs['fingerprints'][0]})" in cli
    # The CLI prints the estimate of "attempts per load request" with 3 decimals.
    row = df[df["metric"] == "attempts_per_request"].iloc[0]
    assert f"measured {row['estimate']:.3f}x" in cli
    assert df.attrs["seeds"] == [1, 2, 3]
    assert len(row["values"]) == 3
    assert row["lower"] <= row["estimate"] <= row["upper"]


def test_first_replication_is_the_plain_run(storm):
    df = storm.check(replications=2)
    cli = subprocess.run([str(MESHSIM_BIN), "run", str(RETRY_STORM), "--quiet"],
                         capture_output=True, text=True, check=True).stdout
    assert re.search(r"fingerprint ([0-9a-f]{16})", cli).group(1) == df.attrs["fingerprints"][0]


def test_check_does_not_depend_on_threads(storm):
    a = storm.check(replications=3, threads=1)
    b = storm.check(replications=3, threads=3)
    assert a.attrs["fingerprint"] == b.attrs["fingerprint"]
    assert a[["estimate", "lower", "upper"]].equals(b[["estimate", "lower", "upper"]])


def test_the_retry_storm_fails_and_compare_calls_it_a_regression(storm):
    five = storm.set(FIVE)
    failed = five.check(replications=2)
    assert "fail" in set(failed["verdict"])
    same = meshsim.compare(storm, storm, replications=2)
    assert set(same["change"]) == {"no significant change"}
    assert same.attrs["base_fingerprint"] == same.attrs["candidate_fingerprint"]
    diff = meshsim.compare(storm, five, replications=3)
    web = diff[(diff["service"] == "web") & (diff["metric"] == "success rate")].iloc[0]
    assert web["change"] == "regression"
    assert web["difference"] < -30 and web["upper"] < 0  # percentage points


def test_bad_arguments(storm):
    with pytest.raises(ValueError):
        storm.check(replications=1)
    with pytest.raises(TypeError):
        meshsim.compare(storm, "not a scenario")


def test_compare_difference_is_candidate_minus_base_and_decided_on_adjusted_p(storm):
    """Issue #15: `difference` means candidate - base in the metric's unit in every row, with
    `relative_pct` = 100 * difference / base; the change is decided on the adjusted p-value (Holm by
    default, BH on request), and the method and streams are in df.attrs."""
    five = storm.set(FIVE)
    df = meshsim.compare(storm, five, replications=3)
    assert df.attrs["multiple_testing"] == "Holm" and df.attrs["alpha"] == pytest.approx(0.05)
    assert df.attrs["independent_streams"] is False
    assert df.attrs["candidate_seeds"] == df.attrs["seeds"]
    tested = df[df["p_value"].notna()]
    assert df.attrs["tests"] == len(tested)
    assert (tested["difference"] - (tested["candidate"] - tested["base"])).abs().max() < 1e-12
    assert (tested["adjusted_p_value"] >= tested["p_value"] - 1e-15).all()
    significant = tested["change"] != "no significant change"
    assert (tested[significant]["adjusted_p_value"] <= 0.05).all()
    assert (tested[~significant]["adjusted_p_value"] > 0.05).all()
    lat = tested[tested["unit"] == "ms"]
    assert len(lat) and ((lat["relative_pct"] - 100 * lat["difference"] / lat["base"]).abs()
                         < 1e-9).all()

    bh = meshsim.compare(storm, storm, replications=2, multiple_testing="bh",
                         independent_streams=True)
    assert bh.attrs["multiple_testing"] == "Benjamini-Hochberg"
    assert bh.attrs["independent_streams"] is True
    assert bh.attrs["candidate_seeds"] == [s + 2**63 for s in bh.attrs["seeds"]]
    assert bh.attrs["base_fingerprint"] != bh.attrs["candidate_fingerprint"]
    with pytest.raises(ValueError, match="multiple_testing"):
        meshsim.compare(storm, storm, replications=2, multiple_testing="bonferroni")
    # Without the argument the base's spec.check.multipleTesting decides; the argument wins.
    short = storm.set({"Experiment.spec.duration": "20s"})
    bh_yaml = short.set({"Experiment.spec.check.multipleTesting": "bh"})
    # (A candidate whose spec.check differs is told that it is not used.)
    not_used = r"candidate's Experiment spec.check is not used"
    with pytest.warns(UserWarning, match=not_used):
        assert meshsim.compare(bh_yaml, short, replications=2).attrs["multiple_testing"] == \
            "Benjamini-Hochberg"
    with pytest.warns(UserWarning, match=not_used):
        assert meshsim.compare(short, bh_yaml, replications=2).attrs["multiple_testing"] == "Holm"
    with pytest.warns(UserWarning, match=not_used):
        assert meshsim.compare(bh_yaml, short, replications=2, multiple_testing="holm") \
            .attrs["multiple_testing"] == "Holm"


def test_compare_warns_that_a_candidate_seed_is_not_used():
    """Common random numbers: the candidate runs with the base's seeds, so a seed set on the
    candidate alone would be silently ignored (issue #15); it is said, before any run."""
    base = meshsim.Scenario.load(EXAMPLES / "mm1").set({"Experiment.spec.duration": "15s"})
    with pytest.warns(UserWarning, match=r"candidate's Experiment seed \(777\) is not used"):
        meshsim.compare(base, base.set({"Experiment.spec.seed": 777}), replications=2)
