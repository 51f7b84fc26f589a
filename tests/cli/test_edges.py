"""Command-line edges (issue #15, items 2 and 6): a mistake on the command line is one line on
stderr and exit 2 (or 1 for a scenario that is not there) before any run, and nothing is left
behind.  "Before any run" is pinned by asking for runs of 20000 simulated seconds (minutes of
work): the command must come back within seconds.

Run by CTest with the other tests/cli files (MESHSIM_BIN points at the binary).
"""
import os
import subprocess
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MESHSIM = os.environ.get("MESHSIM_BIN", str(ROOT / "build" / "bin" / "meshsim"))
EXAMPLES = ROOT / "scenarios" / "examples"
LONG = ["--duration", "20000s"]  # minutes of work if anything ran
FAST_S = 20  # loading a scenario takes a fraction of a second; generous for a loaded machine


def meshsim(*args):
    start = time.monotonic()
    p = subprocess.run([MESHSIM, *map(str, args)], capture_output=True, text=True, timeout=600)
    p.elapsed = time.monotonic() - start
    return p


def one_line_error(p, code, *words):
    """Exit `code`, nothing on stdout, one line on stderr holding each of `words`, promptly."""
    assert p.returncode == code, f"exit {p.returncode}\n{p.stdout}\n{p.stderr}"
    assert p.stdout == "", p.stdout
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1, p.stderr
    for w in words:
        assert w in lines[0], (w, lines[0])
    assert "HDF5" not in p.stderr and "internal error" not in p.stderr
    assert p.elapsed < FAST_S, p.elapsed


@pytest.mark.parametrize("args, words", [
    (["--duration", "0s"], ["--duration", "positive", "'0s'"]),
    (["--duration", "-5s"], ["--duration", "'-5s'"]),
    (["--warmup", "-1s"], ["--warmup", "'-1s'"]),
    (["--seed", "-3"], ["--seed", "'-3'"]),
    (["--seed", "7x"], ["--seed", "'7x'"]),
], ids=["duration-0s", "duration-negative", "warmup-negative", "seed-negative", "seed-junk"])
def test_run_rejects_bad_values_before_loading(args, words):
    """Before: --duration 0s exited 2 without a word, and --seed -3 ran with seed 2^64 - 3."""
    one_line_error(meshsim("run", EXAMPLES / "mm1", *args), 2, *words)


def test_check_and_compare_reject_a_zero_duration():
    one_line_error(meshsim("check", EXAMPLES / "mm1", "--duration", "0s"), 2, "--duration")
    one_line_error(meshsim("compare", EXAMPLES / "mm1", EXAMPLES / "mm1", "--duration", "0s"), 2,
                   "--duration")


def test_out_into_a_missing_directory_is_refused_before_the_run(tmp_path):
    """Before: the run went to the end, then failed with HDF5's error stack and exit 3."""
    out = tmp_path / "missing-dir" / "r.h5"
    p = meshsim("run", EXAMPLES / "retry-storm", *LONG, "--out", out)
    one_line_error(p, 2, "--out", "does not exist", str(tmp_path / "missing-dir"))
    assert list(tmp_path.iterdir()) == []


def test_out_that_is_a_directory_or_under_a_file_is_refused(tmp_path):
    one_line_error(meshsim("run", EXAMPLES / "retry-storm", *LONG, "--out", tmp_path), 2,
                   "--out", "is a directory")
    (tmp_path / "file").write_text("x")
    one_line_error(meshsim("run", EXAMPLES / "retry-storm", *LONG, "--out", tmp_path / "file" / "r.h5"),
                   2, "--out", "not a directory")
    assert [p.name for p in tmp_path.iterdir()] == ["file"]


@pytest.mark.parametrize("option", ["--junit", "--markdown"])
def test_check_and_compare_refuse_a_report_into_a_missing_directory(tmp_path, option):
    """Before: every replication ran, then the report could not be written (exit 3)."""
    report = tmp_path / "missing-dir" / "report"
    one_line_error(meshsim("check", EXAMPLES / "retry-storm", *LONG, option, report), 2, option,
                   "does not exist")
    one_line_error(meshsim("compare", EXAMPLES / "retry-storm", EXAMPLES / "retry-storm", *LONG,
                           option, report), 2, option, "does not exist")
    assert list(tmp_path.iterdir()) == []


def test_a_write_that_fails_after_the_run_leaves_no_file_and_says_so_in_one_line(tmp_path):
    """The results file is written to <out>.tmp-<pid> and renamed (analysis/results_file.h).  A
    file name of 250 characters passes the checks before the run, but its temporary name is
    longer than a file name may be (255), so the write fails after the run: exit 3, one line,
    and neither the file nor its temporary is left."""
    out = tmp_path / ("r" * 250 + ".h5")
    p = meshsim("run", EXAMPLES / "mm1", "--duration", "2s", "--warmup", "0s", "--out", out,
                "--quiet")
    assert p.returncode == 3, p.stderr
    assert p.stderr.startswith("meshsim: could not write ") and p.stderr.count("\n") == 1, p.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("command", ["run", "validate", "graph"])
def test_an_empty_directory_is_an_invalid_scenario(tmp_path, command):
    """Before: `run` simulated a mesh of nothing for 60 s and exited 0 (validate said "ok", graph
    printed an empty graph).  Now the scenario error MSH0015 names the directory, exit 1, as for
    any scenario that does not load (the error line, then the count)."""
    p = meshsim(command, tmp_path)
    assert p.returncode == 1, p.stdout + p.stderr
    assert p.stdout == ""
    assert p.stderr.splitlines() == [
        f"{tmp_path}: error MSH0015: no document in {tmp_path}; a scenario needs at least a "
        "Topology (or Kubernetes manifests) and a Load",
        "1 error(s); the scenario was not run"], p.stderr


def test_check_and_compare_of_an_empty_directory_exit_2(tmp_path):
    one_line_error(meshsim("check", tmp_path), 2, "no scenario")
    p = meshsim("compare", tmp_path, EXAMPLES / "mm1")
    assert p.returncode == 2 and "nothing to compare" in p.stderr, p.stderr


# ---- --candidate-set of what compare takes from the base (item 2) ----------------------------

@pytest.mark.parametrize("override, words", [
    ("Experiment.spec.seed=777", ["common random numbers", "--set"]),
    ("experiment.spec.seed=777", ["common random numbers"]),
    ("Experiment/retry-storm.spec.check.replications=9", ["base's spec.check"]),
    ("Experiment.spec.check={replications: 9}", ["base's spec.check"]),
])
def test_compare_refuses_a_candidate_seed_or_check_setting(override, words):
    """compare runs the candidate with the base's seeds (common random numbers) and judges it by
    the base's spec.check: such a --candidate-set was silently ignored; now exit 2 before any
    run, naming the override and saying why."""
    p = meshsim("compare", EXAMPLES / "retry-storm", EXAMPLES / "retry-storm", *LONG,
                "--candidate-set", override)
    one_line_error(p, 2, f"--candidate-set '{override}' does not apply", *words)


def test_compare_accepts_a_seed_for_both_and_warns_of_a_candidate_file_with_another_seed(tmp_path):
    p = meshsim("compare", EXAMPLES / "mm1", EXAMPLES / "mm1", "--duration", "15s", "-n", "2",
                "--set", "Experiment.spec.seed=777", "--quiet")
    assert p.returncode == 0, p.stderr
    assert p.stderr == ""
    candidate = tmp_path / "mm1.yaml"
    text = (EXAMPLES / "mm1" / "meshsim.yaml").read_text()
    assert "seed: 1\n" in text
    candidate.write_text(text.replace("seed: 1", "seed: 9", 1))
    p = meshsim("compare", EXAMPLES / "mm1", candidate, "--duration", "15s", "-n", "2", "--quiet")
    assert p.returncode == 0, p.stderr
    assert "warning" in p.stderr and "is not used" in p.stderr and "common random numbers" in p.stderr


def test_set_paths_that_do_not_apply_are_errors_naming_them():
    """Every way a --set path can fail is an error at <--set N> naming it (scenarios/README.md,
    "Overrides"); the Catch2 tests pin each message, this one the command line's exit code."""
    for override in ["Lod/poisson-800.spec.rate=1", "Load/poisson-8.spec.rate=1", "Load.spec.rat.x=1",
                     "Topology/mm1.spec.workloads[9].workers=1", "Load.spec.rate.x=1",
                     "Load.spec.rate=fast", "Experiment.spec.include=[x.yaml]"]:
        p = meshsim("validate", EXAMPLES / "mm1", "--set", override)
        assert p.returncode == 1, (override, p.stderr)
        assert "<--set 1>:1:" in p.stderr and override in p.stderr, (override, p.stderr)


def test_run_says_when_an_option_replaces_a_set_of_the_same_field():
    p = meshsim("run", EXAMPLES / "mm1", "--duration", "2s", "--warmup", "0s", "--quiet",
                "--set", "Experiment.spec.duration=50s", "--seed", "3", "--set", "Experiment.spec.seed=4")
    assert p.returncode == 0, p.stderr
    assert p.stderr.splitlines() == [
        "meshsim: warning: --duration replaces --set 'Experiment.spec.duration=50s'",
        "meshsim: warning: --seed replaces --set 'Experiment.spec.seed=4'"], p.stderr


def test_check_and_compare_say_when_an_option_replaces_a_set_of_the_same_field():
    """As run does (issue #15 item 2): once per override, however many scenarios and sides."""
    sets = ["--set", "Experiment.spec.duration=50s", "--set", "Experiment.spec.check={replications: 9}"]
    expected = ["meshsim: warning: --duration replaces --set 'Experiment.spec.duration=50s'",
                "meshsim: warning: --replications replaces --set "
                "'Experiment.spec.check={replications: 9}'"]
    p = meshsim("check", EXAMPLES / "mm1", "--duration", "12s", "--replications", "2", "--quiet",
                *sets)
    assert p.returncode == 0, p.stderr
    assert [ln for ln in p.stderr.splitlines() if "replaces" in ln] == expected, p.stderr
    p = meshsim("compare", EXAMPLES / "mm1", EXAMPLES / "mm1", "--duration", "12s",
                "--replications", "2", "--quiet", *sets)
    assert p.returncode == 0, p.stderr
    assert [ln for ln in p.stderr.splitlines() if "replaces" in ln] == expected, p.stderr


# ---- compare in CI: the first scenarios, and reports that compose (item 3) --------------------

def test_compare_with_a_missing_base_is_exit_2_unless_allowed_then_a_report(tmp_path):
    """docs/ci.md: a pull request that adds the first scenarios has no base.  Without
    --allow-missing-base that is bad input (exit 2, naming the path, as a mistyped path by hand
    should be); with it, the candidate's scenarios are listed as new in every report, exit 0
    (before: exit 2 either way, and no report for the pull-request comment)."""
    one_line_error(meshsim("compare", tmp_path / "nope", EXAMPLES / "mm1"), 2, "nope")
    md, xml = tmp_path / "c.md", tmp_path / "c.xml"
    p = meshsim("compare", tmp_path / "nope", EXAMPLES / "mm1", "--allow-missing-base",
                "--markdown", md, "--junit", xml, "--quiet")
    assert p.returncode == 0, p.stderr
    assert p.stdout == "no base: 1 new scenario(s), nothing compared\n"
    assert md.read_text().startswith("### meshsim compare: :new: no base: 1 new scenario(s), "
                                     "checked only\n\n")
    assert f"- `{EXAMPLES / 'mm1'}`: new in the candidate" in md.read_text()
    assert '<skipped message="new in the candidate; not compared' in xml.read_text()
    # An existing base with no scenario is the same case; a missing candidate is still an error.
    (tmp_path / "empty").mkdir()
    p = meshsim("compare", tmp_path / "empty", EXAMPLES / "mm1", "--allow-missing-base", "-q")
    assert (p.returncode, p.stdout) == (0, "no base: 1 new scenario(s), nothing compared\n")
    one_line_error(meshsim("compare", EXAMPLES / "mm1", tmp_path / "nope",
                           "--allow-missing-base"), 2, "nope")


def test_markdown_reports_end_with_a_blank_line_so_that_they_compose(tmp_path):
    """check_report.h: each Markdown report ends with one blank line, so `cat check.md
    compare.md` does not put compare's heading inside check's <details> HTML block, which only a
    blank line ends on GitHub (before: check.md ended with "</details>\\n")."""
    check, compare = tmp_path / "check.md", tmp_path / "compare.md"
    meshsim("check", EXAMPLES / "mm1", "-n", "2", "--duration", "20s", "--markdown", check)
    meshsim("compare", EXAMPLES / "mm1", EXAMPLES / "mm1", "-n", "2", "--duration", "20s",
            "--markdown", compare)
    assert "could not be checked" not in check.read_text()
    for f in (check, compare):
        text = f.read_text()
        assert text.startswith("### meshsim ") and text.endswith("\n\n")
        assert not text.endswith("\n\n\n"), text
    assert "</details>\n\n### meshsim compare" in check.read_text() + compare.read_text()


# ---- resource guards (issue #16): a runaway run ends with a report, exit 3, no file ----------

def test_a_runaway_run_stops_with_a_report_exit_3_and_no_results_file(tmp_path):
    """Retry storm (the retry-storm example with 5 attempts) under a small in-flight limit: the
    report names the queue at the ledger and the 3x amplification on payments -> ledger."""
    out = tmp_path / "storm.h5"
    p = meshsim("run", EXAMPLES / "retry-storm", "--quiet", "--out", out,
                "--set", "VirtualService/ledger.spec.http[0].retries.attempts=5",
                "--set", "Experiment.spec.limits={maxInFlight: 20000}")
    assert p.returncode == 3, p.stderr
    assert "resource limit reached (seed 1): stopped at" in p.stderr
    assert "above the limit of 20000 (Experiment spec.limits.maxInFlight)" in p.stderr
    held = p.stderr[p.stderr.index("requests held by workloads"):].splitlines()
    assert held[1].split()[0] == "ledger-v1", p.stderr
    amp = p.stderr[p.stderr.index("retry amplification per edge"):].splitlines()
    assert amp[1].split()[:3] == ["payments-v1", "->", "ledger"], p.stderr
    assert float(amp[1].split()[3].rstrip("x")) > 2.5
    assert p.stderr.rstrip().endswith("no results written")
    assert not out.exists() and list(tmp_path.iterdir()) == []
    # check and compare stop too (exit 3), saying why.
    p = meshsim("check", EXAMPLES / "retry-storm", "--replications", "2", "--quiet",
                "--set", "VirtualService/ledger.spec.http[0].retries.attempts=5",
                "--set", "Experiment.spec.limits={maxInFlight: 20000}")
    assert p.returncode == 3 and "resource limit reached" in p.stderr, p.stderr


def test_limits_are_checked_when_loading():
    for value, words in [("{maxMemory: 4Gb}", "an amount of memory like '4Gi'"),
                         ("{maxMemory: 10Ki}", "between 1Mi and 1024Ti"),
                         ("{maxInFlight: 0}", "maxInFlight"),
                         ("{wallTime: 0s}", "wallTime"),
                         ("{maxInFlights: 5}", "did you mean 'maxInFlight'?")]:
        p = meshsim("validate", EXAMPLES / "mm1", "--set", f"Experiment.spec.limits={value}")
        assert p.returncode == 1 and words in p.stderr, (value, p.stderr)


def test_compare_says_that_a_candidate_spec_check_is_not_used(tmp_path):
    """The base's spec.check decides how both sides run and are judged; a candidate whose YAML
    says otherwise is told so (issue #15 item 2: no silent overrides)."""
    cand = tmp_path / "mm1"
    cand.mkdir()
    text = (EXAMPLES / "mm1" / "meshsim.yaml").read_text()
    (cand / "meshsim.yaml").write_text(text.replace("  warmup: 10s", "  warmup: 10s\n  check: {confidence: 99%}"))
    p = meshsim("compare", EXAMPLES / "mm1", cand, "--replications", "2", "--duration", "12s",
                "--quiet")
    assert p.returncode == 0, p.stderr
    assert "the candidate's Experiment spec.check is not used" in p.stderr, p.stderr
    p = meshsim("compare", EXAMPLES / "mm1", EXAMPLES / "mm1", "--replications", "2",
                "--duration", "12s", "--quiet")
    assert "spec.check is not used" not in p.stderr, p.stderr
