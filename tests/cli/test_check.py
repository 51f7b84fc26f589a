"""End-to-end tests of `meshsim check` and `meshsim compare` (docs/ci.md).

Run by CTest as `/usr/bin/python3 -m pytest tests/cli` with MESHSIM_BIN pointing at the binary.
Reports are read back independently of the C++ writer: JUnit with xml.etree.ElementTree, the
text and Markdown reports with regular expressions written from docs/ci.md and check_report.cc.
Scenarios that need a known answer are written here, small enough that the file runs in seconds.
"""
import math
import os
import re
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import h5py
import numpy as np
import pytest
from scipy import stats

ROOT = Path(__file__).resolve().parents[2]
MESHSIM = os.environ.get("MESHSIM_BIN", str(ROOT / "build" / "bin" / "meshsim"))
EXAMPLES = ROOT / "scenarios" / "examples"
RETRY_STORM = EXAMPLES / "retry-storm"
ZONE_OUTAGE = EXAMPLES / "zone-outage"
# The change that turns the retry-storm example's recovery into a metastable failure.
ATTEMPTS_5 = "VirtualService/ledger.spec.http[0].retries.attempts=5"

Z_999 = 3.2905  # two-sided 99.9 % normal quantile


def meshsim(*args, check=None):
    p = subprocess.run([MESHSIM, *map(str, args)], capture_output=True, text=True, timeout=600)
    if check is not None:
        assert p.returncode == check, f"exit {p.returncode}\nstdout:\n{p.stdout}\nstderr:\n{p.stderr}"
    return p


# ---- reading the reports back ----

VERDICT_LINE = re.compile(r"^  (FAIL \(marginal\)|FAIL \(no data\)|FAIL|marginal|pass) +(\S.*)$")
MEASURED_LINE = re.compile(
    r"^ +measured (?P<value>.+?) (?P<interval>\[.+?\]|\(no interval\)), "
    r"expected (?P<bound>.+?)  \((?P<where>.+)\)$")
SCENARIO_LINE = re.compile(r"^(\S.*) \((\d+) replication\(s\), seeds (\S+), (\S+) intervals\)$")
FINGERPRINT_LINE = re.compile(r"^  fingerprint ([0-9a-f]{16}) \(seed (\d+): ([0-9a-f]{16})\)$")
COMPARE_LINE = re.compile(
    r"^  (regression|worse|improvement|no significant change) +(\S+) +"
    r"(success rate|retry amplification|mean latency|p\d+ latency|P\(slower\)) ")


def parse_check(stdout):
    """The text report of check as {scenario: {"replications", "seeds", "fingerprint",
    "first_seed", "first_fingerprint", "expectations": [{name, verdict, value, interval, where}]}}."""
    scenarios, current, lines = {}, None, stdout.splitlines()
    for i, line in enumerate(lines):
        if m := SCENARIO_LINE.match(line):
            current = scenarios[m[1]] = {"replications": int(m[2]), "seeds": m[3],
                                         "expectations": []}
        elif m := VERDICT_LINE.match(line):
            d = MEASURED_LINE.match(lines[i + 1])
            assert d, lines[i + 1]
            current["expectations"].append({"verdict": m[1], "name": m[2], **d.groupdict()})
        elif m := FINGERPRINT_LINE.match(line):
            current.update(fingerprint=m[1], first_seed=int(m[2]), first_fingerprint=m[3])
    return scenarios


def number(text):
    """'80.19%' -> 0.8019, '199.3 rps' -> 199.3, '1.000x' -> 1.0, '75.8 ms' -> 0.0758 (seconds)."""
    m = re.fullmatch(r"(-?[0-9.]+) ?(%|rps|x|ms|s)", text.strip())
    assert m, text
    v = float(m[1])
    return {"%": v / 100, "rps": v, "x": v, "ms": v / 1e3, "s": v}[m[2]]


def interval_of(expectation):
    """'[1.95 ms, 2.05 ms]' -> (0.00195, 0.00205), in the units number() gives."""
    lower, upper = expectation["interval"].strip("[]").split(", ")
    return number(lower), number(upper)


def junit(path):
    root = ET.parse(path).getroot()
    assert root.tag == "testsuites"
    return root


def without_times(xml_text):
    return re.sub(r' time="[^"]*"', "", xml_text)


# ---- scenarios written for the tests ----

def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


# A single service `api` (2 pods, 1000 workers each: no queueing to speak of) under 200 rps of
# Poisson load, with every request failing with 503 at probability 0.2 (injectErrors from 0 s to
# the end of the run).  Nothing else can fail: no timeouts, no overflow, no outages.
INJECTED_ERRORS = """\
apiVersion: meshsim.dev/v1alpha1
kind: Topology
metadata:
  name: single
spec:
  services:
  - name: api
  workloads:
  - name: api-v1
    service: api
    replicas: 2
    workers: 1000
    handlers:
    - steps:
      - compute: {{exponential: {{mean: 1ms}}}}
---
apiVersion: meshsim.dev/v1alpha1
kind: Load
metadata:
  name: users
spec:
  target: api
  model: poisson
  rate: 200
  inMesh: {in_mesh}
  retries: 0
---
apiVersion: meshsim.dev/v1alpha1
kind: Timeline
metadata:
  name: chaos
spec:
  events:
  - {{name: errors, at: 0s, injectErrors: {{service: api, probability: 0.2, status: 503}}}}
---
apiVersion: meshsim.dev/v1alpha1
kind: Experiment
metadata:
  name: injected-errors
spec:
  seed: 11
  duration: 60s
  istioVersion: "{istio}"
  expect:
{expect}"""

EXPECTATIONS = """\
  - name: below the truth
    service: api
    minSuccessRate: {below}
  - name: above the truth
    service: api
    minSuccessRate: {above}
  - name: the client's attempts
    service: api
    maxRetryAmplification: {max_amplification}
  - name: offered load
    service: api
    minThroughput: 190
"""


def injected_errors(tmp_path, in_mesh=False, istio="1.27", below="79%", above="81%",
                    max_amplification=1, expect=None):
    if expect is None:
        expect = EXPECTATIONS.format(below=below, above=above, max_amplification=max_amplification)
    return write(tmp_path / f"errors-{in_mesh}-{istio}.yaml", INJECTED_ERRORS.format(
        in_mesh=str(in_mesh).lower(), istio=istio, expect=expect))


# An M/M/1 queue (1 ms mean service, one worker, no sidecar, no network delay) at 500 rps, shared
# by the scenarios of a suite: mean time in system 1 / (1000 - 500) s = 2 ms.
MM1_MANIFEST = """\
apiVersion: meshsim.dev/v1alpha1
kind: Topology
metadata:
  name: mm1
spec:
  network:
    sameZone: 0s
  services:
  - name: mm1
  workloads:
  - name: mm1
    service: mm1
    replicas: 1
    workers: 1
    sidecar: false
    handlers:
    - steps:
      - compute: {exponential: {mean: 1ms}}
---
apiVersion: meshsim.dev/v1alpha1
kind: Load
metadata:
  name: poisson
spec:
  target: mm1
  rate: 500
"""

MM1_EXPERIMENT = """\
apiVersion: meshsim.dev/v1alpha1
kind: Experiment
metadata:
  name: {name}
spec:
  duration: 20s
  include: [{include}]
  expect:
  - name: {name}
    service: mm1
    maxLatency: {{mean: {bound}}}
"""


# ---- 1. exit codes ----

def test_check_exit_codes_for_pass_fail_and_bad_input(tmp_path):
    """docs/ci.md's exit codes: 0 when every expectation holds (the retry-storm example as
    configured), 1 when one fails (the same with 5 retries: a metastable retry storm, per the
    example's own comment), 2 for bad input (a path that does not exist, a scenario that does not
    load, a usage error), 3 when a report cannot be written."""
    meshsim("check", RETRY_STORM, check=0)
    meshsim("check", RETRY_STORM, "--set", ATTEMPTS_5, check=1)
    p = meshsim("check", tmp_path / "no-such-scenario", check=2)
    assert "no-such-scenario" in p.stderr
    for usage in (["--replications", "1"], ["--replications", "x"], ["--jobs", "0"],
                  ["--duration", "0s"], ["--no-such-option"]):
        meshsim("check", RETRY_STORM, *usage, check=2)
    meshsim("check", check=2)
    # A report into a missing directory is bad input, refused before the runs (test_edges.py);
    # one that cannot be written after them (its temporary name, <name>.tmp<pid>, is longer than
    # a file name may be) is exit 3, and nothing is left.
    meshsim("check", RETRY_STORM, "--junit", tmp_path / "missing-dir" / "r.xml", check=2)
    out = tmp_path / ("r" * 250 + ".xml")
    meshsim("check", RETRY_STORM, "--replications", "2", "--junit", out, check=3)
    meshsim("check", RETRY_STORM, "--replications", "2", "--markdown", out, check=3)
    assert not list(tmp_path.iterdir())


def test_check_of_a_scenario_with_an_error_names_its_location(tmp_path):
    """An expectation naming a service the scenario lacks is MSH0206 (scenarios/README.md,
    "Expectations"), located at the file, line and column of the name; check exits 2."""
    text = (EXAMPLES / "mm1" / "meshsim.yaml").read_text().rstrip("\n") + (
        "\n  expect:\n  - service: no-such-service\n    minSuccessRate: 99%\n")
    bad = write(tmp_path / "bad.yaml", text)
    line_no = next(i for i, l in enumerate(text.splitlines(), 1) if "no-such-service" in l)
    column = text.splitlines()[line_no - 1].index("no-such-service") + 1
    p = meshsim("check", bad, "--replications", "2", "--duration", "5s", check=2)
    assert f"{bad}:{line_no}:{column}: error MSH0206" in p.stderr, p.stderr
    assert "no-such-service" in p.stderr


# ---- 2. JUnit ----

def test_junit_of_a_failing_check_agrees_with_the_text_report(tmp_path):
    """JUnit's counts are the numbers of its own elements; the failed test cases are exactly the
    expectations the text report calls FAIL; the properties carry the seeds (the Experiment's
    seed 1 and spec.check.replications 5: seeds 1-5) and the combined fingerprint the text
    prints."""
    out = tmp_path / "check.xml"
    p = meshsim("check", RETRY_STORM, "--set", ATTEMPTS_5, "--junit", out, check=1)
    text = parse_check(p.stdout)[str(RETRY_STORM)]
    root = junit(out)
    cases = root.findall("./testsuite/testcase")
    assert int(root.get("tests")) == len(cases) == len(text["expectations"]) == 4
    assert int(root.get("failures")) == len(root.findall("./testsuite/testcase/failure"))
    assert int(root.get("errors")) == len(root.findall("./testsuite/testcase/error")) == 0
    failed_in_junit = {c.get("name") for c in cases if c.find("failure") is not None}
    failed_in_text = {e["name"] for e in text["expectations"] if e["verdict"].startswith("FAIL")}
    assert failed_in_junit == failed_in_text and failed_in_text, (failed_in_junit, failed_in_text)
    (suite,) = root.findall("testsuite")
    assert suite.get("name") == str(RETRY_STORM)
    assert int(suite.get("failures")) == len(failed_in_junit)
    props = {q.get("name"): q.get("value") for q in suite.findall("./properties/property")}
    assert props["seeds"] == text["seeds"] == "1-5"
    assert re.fullmatch(r"[0-9a-f]{16}", props["fingerprint"])
    assert props["fingerprint"] == text["fingerprint"]
    # Each failure's message holds the measured value the text prints.
    for c in cases:
        e = next(e for e in text["expectations"] if e["name"] == c.get("name"))
        detail = (c.find("failure") if c.find("failure") is not None else c.find("system-out"))
        assert f"measured {e['value']} {e['interval']}" in (detail.get("message") or detail.text)

    # --replications overrides spec.check.replications, and the seeds follow.
    meshsim("check", RETRY_STORM, "--replications", "3", "--junit", out, check=0)
    props = {q.get("name"): q.get("value") for q in junit(out).findall(".//property")}
    assert props["seeds"] == "1-3"
    root = junit(out)
    assert root.get("failures") == "0" and not root.findall(".//failure")
    assert int(root.get("tests")) == len(root.findall(".//testcase")) == 4


# ---- 3. Markdown ----

def test_markdown_has_a_row_per_expectation_and_marks_the_failures(tmp_path):
    """The Markdown report has one table row per expectation of every scenario, marked :x:
    exactly when the text report says FAIL, and a heading that counts the failures.  Two
    scenarios: the passing retry-storm example and the injected-errors one, whose 81 % bound
    fails (its truth is 80 %, see the last test)."""
    errors = injected_errors(tmp_path)
    md = tmp_path / "check.md"
    p = meshsim("check", RETRY_STORM, errors, "--replications", "5", "--markdown", md, check=1)
    text = parse_check(p.stdout)
    rows = [r for r in md.read_text().splitlines() if r.startswith("| ") and "`" in r]
    expectation_rows = {}
    for r in rows:
        cells = [c.strip() for c in r.strip("|").split(" | ")]
        if len(cells) == 6:  # icon, scenario, expectation, measured, interval, expected
            expectation_rows[(cells[1].strip("`"), cells[2])] = cells
    wanted = {(s, e["name"]): e for s, v in text.items() for e in v["expectations"]}
    assert set(expectation_rows) == set(wanted) and len(wanted) == 8, (expectation_rows, wanted)
    failed = 0
    for key, e in wanted.items():
        icon, measured = expectation_rows[key][0], expectation_rows[key][3]
        assert (icon == ":x:") == e["verdict"].startswith("FAIL"), (key, icon, e)
        assert measured == e["value"]
        failed += e["verdict"].startswith("FAIL")
    assert failed >= 1
    assert f"of {len(wanted)} expectation(s) failed" in md.read_text().splitlines()[0]
    assert md.read_text().splitlines()[0].startswith(f"### meshsim check: :x: {failed} of")


# ---- 4. determinism ----

def test_check_and_compare_do_not_depend_on_the_number_of_jobs(tmp_path):
    """Replications are independent runs whose results land in fixed slots (analysis/check.h), so
    one thread and two give the same text and the same JUnit but for wall times.  Two scenarios
    of three replications each: six runs interleave on two threads.  Compare too (its paired
    bootstrap draws random numbers)."""
    outputs = []
    for jobs in ("1", "2"):
        out = tmp_path / f"check-{jobs}.xml"
        p = meshsim("check", ZONE_OUTAGE, RETRY_STORM, "--replications", "3", "--jobs", jobs,
                    "--junit", out, check=0)
        outputs.append((p.stdout, without_times(out.read_text())))
    assert outputs[0] == outputs[1]
    assert len(parse_check(outputs[0][0])) == 2

    compared = []
    for jobs in ("1", "2"):
        out = tmp_path / f"compare-{jobs}.xml"
        p = meshsim("compare", RETRY_STORM, RETRY_STORM, "--candidate-set", ATTEMPTS_5,
                    "--replications", "3", "--jobs", jobs, "--all", "--junit", out, check=1)
        compared.append((p.stdout, without_times(out.read_text())))
    assert compared[0] == compared[1]


# ---- 5. fingerprints ----

def test_first_replication_is_exactly_meshsim_run(tmp_path):
    """Replication r runs with seed experiment.seed + r and nothing else changed, so the first is
    `meshsim run` with the Experiment's seed: the fingerprint check prints for it is the one run
    prints.  Seed 7 (set in the scenario) and a shortened duration, so that neither default can
    make them agree by accident; seed 8 must give another fingerprint."""
    # (40 s ends before the expectations' windows: they have no data and fail, exit 1.)
    p = meshsim("check", RETRY_STORM, "--set", "Experiment.spec.seed=7", "--duration", "40s",
                "--replications", "2", check=1)
    text = parse_check(p.stdout)[str(RETRY_STORM)]
    assert text["seeds"] == "7-8" and text["first_seed"] == 7

    def run_fingerprint(*args):
        r = meshsim("run", RETRY_STORM, "--duration", "40s", "--quiet", *args, check=0)
        return re.search(r"^fingerprint ([0-9a-f]{16})$", r.stdout, re.M)[1]

    assert run_fingerprint("--set", "Experiment.spec.seed=7") == text["first_fingerprint"]
    assert run_fingerprint("--seed", "7") == text["first_fingerprint"]
    assert run_fingerprint("--seed", "8") != text["first_fingerprint"]
    assert text["fingerprint"] != text["first_fingerprint"]  # the combination of both runs


# ---- 6. suites ----

def make_suite(root):
    """root/mesh.yaml (a manifest: no Experiment), root/fast and root/slow: one Experiment each,
    including ../mesh.yaml.  The M/M/1 mean is 2 ms: fast's bound of 10 ms holds, slow's of
    1 ms does not."""
    write(root / "mesh.yaml", MM1_MANIFEST)
    write(root / "fast" / "meshsim.yaml",
          MM1_EXPERIMENT.format(name="fast", include="../mesh.yaml", bound="10ms"))
    write(root / "slow" / "meshsim.yaml",
          MM1_EXPERIMENT.format(name="slow", include="../mesh.yaml", bound="1ms"))
    return root


def test_a_directory_of_scenario_directories_is_a_suite(tmp_path):
    """docs/ci.md, "Suites": a directory whose own YAML files hold no Experiment is a suite, and
    each subdirectory with an Experiment is a scenario; files without one are manifests left
    alone.  So two scenarios run, named by their path, reported in path order; one fails (exit 1).
    A scenario that does not load is a JUnit testcase "load" with an <error> and exit 2; a
    directory with no Experiment at all is bad input (2)."""
    suite = make_suite(tmp_path / "suite")
    out = tmp_path / "suite.xml"
    p = meshsim("check", suite, "--replications", "2", "--junit", out, check=1)
    text = parse_check(p.stdout)
    assert list(text) == [f"{suite}/fast", f"{suite}/slow"], p.stdout
    assert [e["verdict"] for e in text[f"{suite}/fast"]["expectations"]] == ["pass"]
    assert [e["verdict"] for e in text[f"{suite}/slow"]["expectations"]] == ["FAIL"]
    # M/M/1 truth W = 1 / (1000 - 500) s = 2 ms lies in the scenario's own Student-t interval over
    # its replications (fixed seeds; analysis/check.h), the tolerance the check itself derives.
    fast = text[f"{suite}/fast"]["expectations"][0]
    assert interval_of(fast)[0] <= 2e-3 <= interval_of(fast)[1], fast
    root = junit(out)
    assert [s.get("name") for s in root.findall("testsuite")] == list(text)
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("2", "1", "0")

    # A broken scenario joins the suite: the others still run and report.
    write(suite / "broken" / "meshsim.yaml",
          MM1_EXPERIMENT.format(name="broken", include="../mesh.yaml", bound="1ms")
          .replace("service: mm1", "service: no-such-service"))
    p = meshsim("check", suite, "--replications", "2", "--junit", out, check=2)
    assert "MSH0206" in p.stderr
    root = junit(out)
    assert [s.get("name") for s in root.findall("testsuite")] == [
        f"{suite}/broken", f"{suite}/fast", f"{suite}/slow"]
    (broken,) = [s for s in root.findall("testsuite") if s.get("name").endswith("/broken")]
    (case,) = broken.findall("testcase")
    assert case.get("name") == "load" and case.find("error") is not None
    assert "MSH0206" in case.find("error").text
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("3", "1", "1")
    assert len(root.findall(".//error")) == 1 and len(root.findall(".//failure")) == 1

    empty = write(tmp_path / "manifests" / "mesh.yaml", MM1_MANIFEST).parent
    meshsim("check", empty, check=2)


def test_experiment_files_side_by_side_are_scenarios_of_a_suite(tmp_path):
    """suite.h: in a suite directory "each of its *.yaml / *.yml files that holds an Experiment
    is a scenario ... Files without an Experiment are left alone there (they are manifests that
    scenarios include)".  Two Experiment files and a manifest: two scenarios, one failing."""
    write(tmp_path / "mesh.yaml", MM1_MANIFEST)
    write(tmp_path / "fast.yaml", MM1_EXPERIMENT.format(name="fast", include="mesh.yaml",
                                                        bound="10ms"))
    write(tmp_path / "slow.yaml", MM1_EXPERIMENT.format(name="slow", include="mesh.yaml",
                                                        bound="1ms"))
    p = meshsim("check", tmp_path, "--replications", "2", check=1)
    assert list(parse_check(p.stdout)) == [f"{tmp_path}/fast.yaml", f"{tmp_path}/slow.yaml"]


def test_a_directory_with_its_own_experiment_and_scenario_subdirectories_is_a_suite(tmp_path):
    """suite.h: a directory is one scenario only if its one Experiment file is its own and no
    subdirectory holds another; here the top-level file and the subdirectory's are two scenarios
    (before: read as one scenario, MSH0009, exit 2)."""
    write(tmp_path / "mesh.yaml", MM1_MANIFEST)
    write(tmp_path / "top.yaml", MM1_EXPERIMENT.format(name="top", include="mesh.yaml",
                                                       bound="10ms"))
    write(tmp_path / "sub" / "meshsim.yaml",
          MM1_EXPERIMENT.format(name="sub", include="../mesh.yaml", bound="10ms"))
    p = meshsim("check", tmp_path, "--replications", "2", check=0)
    assert list(parse_check(p.stdout)) == [f"{tmp_path}/sub", f"{tmp_path}/top.yaml"]


def test_compare_pairs_suites_by_path_and_single_scenarios_whatever_their_names(tmp_path):
    """docs/ci.md: a suite's scenarios pair by their path below the given directories, so a
    scenario added in the candidate is named and skipped while the others are compared (exit 0
    here: same files); two single scenarios pair whatever they are called."""
    for side in ("base", "cand"):
        write(tmp_path / side / "mesh.yaml", MM1_MANIFEST)
        write(tmp_path / side / "a.yaml", MM1_EXPERIMENT.format(name="a", include="mesh.yaml",
                                                                bound="10ms"))
    write(tmp_path / "cand" / "b.yaml", MM1_EXPERIMENT.format(name="b", include="mesh.yaml",
                                                              bound="10ms"))
    p = meshsim("compare", tmp_path / "base", tmp_path / "cand", "--replications", "2", check=0)
    assert "b.yaml is new in" in p.stderr
    assert "identical behaviour" in p.stdout
    p = meshsim("compare", tmp_path / "base" / "a.yaml", tmp_path / "cand" / "b.yaml",
                "--replications", "2", check=0)
    assert "identical behaviour" in p.stdout


# ---- 7. compare ----

def compare_lines(stdout):
    return [COMPARE_LINE.match(l).groups() for l in stdout.splitlines() if COMPARE_LINE.match(l)]


def test_compare_finds_the_retry_storm_and_nothing_in_identical_variants(tmp_path):
    """A scenario against itself runs the same seeds (common random numbers), so both sides are
    the same runs: equal fingerprints, no change, exit 0.  With 5 retries the candidate is the
    retry storm the example describes: the ledger's retry amplification and web's success rate
    regress (exit 1).  The JUnit of compare counts one failure per regression line."""
    out = tmp_path / "same.xml"
    p = meshsim("compare", RETRY_STORM, RETRY_STORM, "--junit", out, check=0)
    assert "identical behaviour" in p.stdout
    assert compare_lines(p.stdout) == []
    assert re.search(r"^0 regression\(s\)$", p.stdout, re.M)
    root = junit(out)
    assert root.get("failures") == "0" and not root.findall(".//failure")
    props = {q.get("name"): q.get("value") for q in root.findall(".//property")}
    assert props["base_fingerprint"] == props["candidate_fingerprint"]

    out = tmp_path / "storm.xml"
    p = meshsim("compare", RETRY_STORM, RETRY_STORM, "--candidate-set", ATTEMPTS_5,
                "--junit", out, check=1)
    assert "identical behaviour" not in p.stdout
    lines = compare_lines(p.stdout)
    regressions = {(svc, metric) for change, svc, metric in lines if change == "regression"}
    assert ("ledger", "retry amplification") in regressions
    assert ("web", "success rate") in regressions
    assert re.search(rf"^{len(regressions)} regression\(s\)$", p.stdout, re.M)
    root = junit(out)
    failures = root.findall(".//testcase/failure")
    assert int(root.get("failures")) == len(failures) == len(regressions)
    assert int(root.get("tests")) == len(root.findall(".//testcase"))
    assert {c.get("name") for c in root.findall(".//testcase") if c.find("failure") is not None} \
        == {f"{svc} {metric}" for svc, metric in regressions}


def test_compare_thresholds_decide_between_worse_and_regression(tmp_path):
    """Thresholds beyond any possible change (a 100 pp drop in success, +100000 % latency, +100
    attempts, P(slower) 100 %) leave the retry storm's changes significant but within bounds:
    "worse", never "regression", exit 0.  The same changes are listed as with default thresholds."""
    default = compare_lines(meshsim("compare", RETRY_STORM, RETRY_STORM, "--candidate-set",
                                    ATTEMPTS_5, check=1).stdout)
    out = tmp_path / "loose.xml"
    p = meshsim("compare", RETRY_STORM, RETRY_STORM, "--candidate-set", ATTEMPTS_5,
                "--max-regression", "successRate=100%", "--max-regression", "latency=100000%",
                "--max-regression", "retryAmplification=100",
                "--max-regression", "slowerProbability=100%", "--junit", out, check=0)
    loose = compare_lines(p.stdout)
    assert loose and {c for c, _, _ in loose} == {"worse"}
    assert [(s, m) for _, s, m in loose] == [(s, m) for _, s, m in default]
    assert ("worse", "ledger", "retry amplification") in loose
    root = junit(out)
    assert root.get("failures") == "0" and not root.findall(".//failure")


def test_compare_states_its_multiple_testing_method_and_streams(tmp_path):
    """Issue #15: every report says which multiple-testing method decided, at which level, and
    whether the candidate ran on common random numbers; --independent-streams makes an A/A
    comparison of one scenario differ (other seeds), and --multiple-testing bh switches the
    method."""
    out, md = tmp_path / "aa.xml", tmp_path / "aa.md"
    p = meshsim("compare", RETRY_STORM, RETRY_STORM, "--independent-streams", "--replications",
                "3", "--multiple-testing", "bh", "--junit", out, "--markdown", md, check=None)
    assert p.returncode in (0, 1)
    assert "identical behaviour" not in p.stdout
    assert "Benjamini-Hochberg-adjusted p <= 5% (false-discovery rate)" in p.stdout
    assert "independent random streams" in p.stdout
    props = {q.get("name"): q.get("value") for q in junit(out).findall(".//property")}
    assert props["multiple_testing"] == "Benjamini-Hochberg"
    assert props["random_streams"] == "independent" and props["alpha"] == "0.05"
    assert props["base_fingerprint"] != props["candidate_fingerprint"]
    assert "false-discovery rate" in md.read_text()
    p = meshsim("compare", RETRY_STORM, RETRY_STORM, "--replications", "2", check=0)
    assert "Holm-adjusted p <= 5% (family-wise error rate)" in p.stdout
    assert "common random numbers" in p.stdout


def test_compare_bad_input_exits_2(tmp_path):
    """Bad input: an unknown --max-regression key, a percentage where a number is due, one path
    instead of two, a path that does not exist."""
    meshsim("compare", RETRY_STORM, RETRY_STORM, "--max-regression", "foo=1", check=2)
    meshsim("compare", RETRY_STORM, RETRY_STORM, "--max-regression", "retryAmplification=5%",
            check=2)
    meshsim("compare", RETRY_STORM, check=2)
    meshsim("compare", RETRY_STORM, RETRY_STORM, "--multiple-testing", "bonferroni", check=2)
    meshsim("compare", RETRY_STORM, tmp_path / "nothing-here", check=2)


# ---- 8. expectation semantics against a known answer ----

@pytest.mark.parametrize("in_mesh,istio,truth", [
    (False, "1.27", 0.8),      # edge client: nobody retries
    (True, "1.27", 0.8),       # client sidecar, Istio 1.27: the default policy does not retry 503
    (True, "1.23", 1 - 0.2**3),  # ... Istio 1.23: it does, 2 retries
])
def test_success_rate_of_injected_errors_matches_the_binomial_truth(tmp_path, in_mesh, istio, truth):
    """Every request to `api` fails with 503 independently at probability 0.2 and nothing else can
    fail.  An edge client (inMesh false, retries 0) sees success 0.8.  An in-mesh client goes
    through its sidecar, which applies Istio's default retry policy (no VirtualService): 2 retries
    on retriable-status-codes, which hold 503 only up to Istio 1.23 (docs/fidelity.md, "Retries
    and timeouts"; istio retry.go) -- so 0.8 under 1.27 and 1 - 0.2^3 under 1.23 (each attempt
    fails independently).  Checked three ways: a bound just below the truth passes, one just
    above fails, and the measured value lies in the binomial 99.9 % interval around the truth for
    the number of requests counted (throughput x 60 s x replications, as measured).  The
    throughput itself is Poisson: 200 rps within its own 99.9 % interval."""
    replications = 20
    above = truth + min(0.01, (1 - truth) / 2)
    path = injected_errors(tmp_path, in_mesh=in_mesh, istio=istio,
                           below=f"{(truth - 0.01) * 100:g}%", above=f"{above * 100:g}%",
                           max_amplification=3)
    p = meshsim("check", path, "--replications", replications, check=1)
    (text,) = parse_check(p.stdout).values()
    e = {x["name"].split(":")[0]: x for x in text["expectations"]}
    assert e["below the truth"]["verdict"] == "pass", p.stdout
    assert e["above the truth"]["verdict"] == "FAIL", p.stdout
    assert e["offered load"]["verdict"] == "pass", p.stdout

    rps = number(e["offered load"]["value"])
    assert abs(rps - 200) <= Z_999 * math.sqrt(200 * 60 * replications) / (60 * replications) + 0.05
    requests = rps * 60 * replications
    success = number(e["below the truth"]["value"])
    tolerance = Z_999 * math.sqrt(truth * (1 - truth) / requests) + 0.00005  # + print rounding
    assert abs(success - truth) <= tolerance, (success, truth, tolerance)
    assert tolerance < 0.005  # the interval is narrow enough to tell 80 % from 79 % or 81 %


def test_edge_client_makes_one_attempt_per_request(tmp_path):
    """An edge client with retries 0 makes exactly one attempt per request, whatever fails:
    retry amplification 1 (so `maxRetryAmplification: 1` holds, and the test above's 80 % is not
    helped by retries)."""
    p = meshsim("check", injected_errors(tmp_path), "--replications", "2", check=1)
    (text,) = parse_check(p.stdout).values()
    (e,) = [x for x in text["expectations"] if x["name"].startswith("the client's attempts")]
    assert e["verdict"] == "pass" and number(e["value"]) == 1.0


def test_in_mesh_client_retry_amplification_counts_its_sidecar_retries(tmp_path):
    """Istio 1.23's default policy retries 503 twice at the client's sidecar: attempts per request
    1 + 0.2 + 0.2^2 = 1.24 (README: maxRetryAmplification is "attempts per request at the caller
    (1 + Envoy's retries, ...)")."""
    replications = 20
    path = injected_errors(tmp_path, in_mesh=True, istio="1.23", below="98%", above="99.9%",
                           max_amplification=3)
    path.write_text(path.read_text().replace("  expect:\n", "  check: {confidence: 99.9%}\n  expect:\n", 1))
    p = meshsim("check", path, "--replications", replications, check=1)
    (text,) = parse_check(p.stdout).values()
    (e,) = [x for x in text["expectations"] if x["name"].startswith("the client's attempts")]
    # The truth lies in the 99.9 % Student-t interval over the 20 replications (fixed seeds): a
    # 95 % interval would miss it for one seed in twenty.  That interval (half-width about
    # t(0.9995, 19) x sqrt(0.2624 / 12000 / 20) = 0.004, from the attempts' variance 0.2624 per
    # request and 12 000 requests per replication) excludes the policy with one retry (1.2); the
    # one with three retries (1.248) is too close to tell apart at this run length.
    lower, upper = interval_of(e)
    assert lower <= 1.24 <= upper, p.stdout
    assert not lower <= 1.2 <= upper, p.stdout
    assert upper - lower < 0.012, p.stdout


def test_estimate_interval_and_verdicts_are_those_of_the_replications_run_one_by_one(tmp_path):
    """analysis/check.h: replication r is `meshsim run` with seed experiment.seed + r; the estimate
    is the mean of the per-replication values and the interval the Student-t interval over them
    (95 %).  Truth computed here: the injected-errors scenario is run for seeds 11-15 with
    `meshsim run`, each results file read with h5py (totals/requests, reporter=client, success
    = code in [1, 500)), and the interval computed with scipy.  Bounds placed from that interval
    must give the documented verdicts: below the interval pass, between it and the estimate
    marginal (a failure only with --strict), above the estimate fail."""
    seeds, replications = range(11, 16), 5
    probe = injected_errors(tmp_path / "probe")
    rates = []
    for seed in seeds:
        out = tmp_path / f"seed{seed}.h5"
        meshsim("run", probe, "--seed", seed, "--out", out, "--quiet", check=0)
        with h5py.File(out, "r") as f:
            t = f["totals/requests"]
            client = t["reporter"][()].astype(str) == "client"
            code, count = t["response_code"][()], t["count"][()]
            ok = client & (code > 0) & (code < 500)
            rates.append(count[ok].sum() / count[client].sum())
    rates = np.array(rates)
    mean = rates.mean()
    half = stats.t.ppf(0.975, replications - 1) * rates.std(ddof=1) / math.sqrt(replications)
    assert 0.0005 < half < 0.01  # a real interval, far enough from 0 % and 100 %
    bounds = {"pass": mean - half - 0.0005, "marginal": mean - half / 2, "FAIL": mean + half / 2}
    expect = "".join(f"  - name: {verdict}\n    service: api\n    minSuccessRate: {b * 100:.4f}%\n"
                     for verdict, b in bounds.items())
    path = injected_errors(tmp_path, expect=expect)

    p = meshsim("check", path, "--replications", replications, check=1)
    (text,) = parse_check(p.stdout).values()
    assert text["seeds"] == "11-15"
    for e in text["expectations"]:
        wanted = e["name"].split(":")[0]
        assert e["verdict"] == wanted, (e, mean, half)
        lower, upper = map(number, e["interval"].strip("[]").split(", "))
        assert number(e["value"]) == pytest.approx(mean, abs=0.00005 + 1e-9)
        assert lower == pytest.approx(mean - half, abs=0.00005 + 1e-9)
        assert upper == pytest.approx(mean + half, abs=0.00005 + 1e-9)

    p = meshsim("check", path, "--replications", replications, "--strict", check=1)
    (text,) = parse_check(p.stdout).values()
    assert [e["verdict"] for e in text["expectations"]] == ["pass", "FAIL (marginal)", "FAIL"]
    # Without the failing bound, the marginal one decides: exit 0, and 1 with --strict.
    path = injected_errors(tmp_path, expect=expect.rsplit("  - name: FAIL", 1)[0])
    meshsim("check", path, "--replications", replications, check=0)
    meshsim("check", path, "--replications", replications, "--strict", check=1)


# ---- the OSDI'22 retry experiment: a retry change that moves the tipping point ----

OSDI22 = EXAMPLES / "osdi22-retry"
TRIGGER_80 = "Timeline/trigger.spec.events[0].cpuSlowdown.factor=5"
ONE_RESEND = "Topology/mongo-retry.spec.workloads[client].handlers[0].steps[0].call.retries=1"


def test_check_catches_the_retry_change_that_moves_the_osdi22_tipping_point():
    """Issue #16's "Done when": as written (-78 % CPU, 4 resends) the check passes; the published
    metastable case (-80 % CPU) fails it, with no insert served after the trigger: the bad state
    sustains itself when load x attempts > capacity (0.4 x 5 = 2 > 1, the example's fluid view);
    with one resend it needs 0.4 x 2 = 0.8 > 1, which does not hold, so it recovers and passes
    again.  Exit codes as docs/ci.md: 0 pass, 1 fail."""
    verdict = lambda p: VERDICT_LINE.match(next(l for l in p.stdout.splitlines() if VERDICT_LINE.match(l))).group(1)
    assert verdict(meshsim("check", OSDI22, check=0)) == "pass"
    failed = meshsim("check", OSDI22, "--set", TRIGGER_80, check=1)
    assert verdict(failed) == "FAIL"
    assert re.search(r"measured 0\.00% ", failed.stdout), failed.stdout
    assert verdict(meshsim("check", OSDI22, "--set", TRIGGER_80, "--set", ONE_RESEND, check=0)) == "pass"
