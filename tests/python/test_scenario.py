"""meshsim.Scenario: loading files, YAML text and dicts; overrides; errors as the CLI reports
them (issue #5).  Source of truth: the loader's contract (scenarios/scenario.h) and the bad
scenarios of tests/scenarios/bad, each naming its expected code and location."""
import json
import re

import pytest

import meshsim
from conftest import BAD, EXAMPLES

MM1 = (EXAMPLES / "mm1" / "meshsim.yaml").read_text()


def test_load_a_directory_gives_the_catalog_names(bookinfo):
    assert bookinfo.services == ["details", "ratings", "reviews", "productpage"]
    assert "reviews-v3" in bookinfo.workloads
    assert bookinfo.loads == ["users"]
    assert any(path.endswith("bookinfo.yaml") for path, _ in bookinfo.sources)
    assert bookinfo.seed == 1 and bookinfo.duration_s == 60.0 and bookinfo.warmup_s == 5.0


def test_load_several_paths_applies_later_manifests_over_earlier_ones():
    sc = meshsim.Scenario.load(EXAMPLES / "bookinfo",
                               EXAMPLES / "bookinfo-tasks" / "virtual-service-reviews-v3.yaml")
    assert sc.sources[-1][0].endswith("virtual-service-reviews-v3.yaml")
    with pytest.raises(ValueError):
        meshsim.Scenario.load()


def test_from_yaml_names_the_text_in_locations():
    sc = meshsim.Scenario.from_yaml(MM1, name="mm1.yaml")
    assert sc.services == ["mm1"] and sc.loads == ["poisson-800"]
    assert sc.sources == [("mm1.yaml", MM1)]


# scenarios/examples/mm1/meshsim.yaml as dicts.
MM1_DOCS = [
    {"apiVersion": "meshsim.dev/v1alpha1", "kind": "Topology", "metadata": {"name": "mm1"},
     "spec": {"network": {"sameZone": "0s"},
              "services": [{"name": "mm1", "ports": [{"name": "http", "port": 8080}]}],
              "workloads": [{"name": "mm1", "service": "mm1", "replicas": 1, "workers": 1,
                             "sidecar": False,
                             "handlers": [{"steps": [{"compute": {"exponential": {"mean": "1ms"}}}]}]}]}},
    {"apiVersion": "meshsim.dev/v1alpha1", "kind": "Load", "metadata": {"name": "poisson-800"},
     "spec": {"target": "mm1", "model": "poisson", "rate": 800}},
    {"apiVersion": "meshsim.dev/v1alpha1", "kind": "Experiment", "metadata": {"name": "mm1"},
     "spec": {"seed": 1, "duration": "300s", "warmup": "10s"}},
]


def test_from_dicts_equals_the_same_documents_as_yaml():
    docs = MM1_DOCS
    sc = meshsim.Scenario.from_dicts(docs)
    assert sc.services == ["mm1"] and sc.workloads == ["mm1"] and sc.loads == ["poisson-800"]
    text = sc.sources[0][1]
    assert [json.loads(part) for part in text.split("\n---\n")] == docs
    a = sc.run(seed=2, duration="20s").services()
    b = meshsim.Scenario.from_yaml(MM1).run(seed=2, duration="20s").services()
    assert a.equals(b)


def test_set_returns_a_new_scenario_with_the_override_applied(bookinfo):
    faster = bookinfo.set({"Load/users.spec.rate": 400, "Experiment.spec.duration": "30s"})
    assert faster.duration_s == 30.0 and bookinfo.duration_s == 60.0
    assert faster.overrides == ["Load/users.spec.rate=400", "Experiment.spec.duration=30s"]
    assert faster.sources == bookinfo.sources
    # Overrides accumulate, later ones win, and the figures move as the CLI's --set would.
    again = faster.set({"Load/users.spec.rate": 200.0})
    assert again.overrides[-1] == "Load/users.spec.rate=200.0"
    rps = again.run(seed=1, duration="10s", warmup="2s").services().set_index("service").rps
    assert 170 < rps["productpage"] < 230


def test_set_values_lists_and_dicts_as_json():
    sc = meshsim.Scenario.from_yaml(MM1, name="mm1.yaml")
    two = sc.set({"Topology/mm1.spec.workloads[mm1].workers": 2,
                  "Topology/mm1.spec.services[0].ports": [{"name": "http", "port": 9090}]})
    assert two.overrides[1] == 'Topology/mm1.spec.services[0].ports=[{"name": "http", "port": 9090}]'
    # Two workers at 800 rps of 1 ms: hardly any queueing (M/M/2, rho 0.4).
    p99 = two.run(seed=1, duration="20s").services().p99_ms.iloc[0]
    assert p99 < 8


@pytest.mark.parametrize("bad", sorted(BAD.glob("*.yaml")), ids=lambda p: p.name)
def test_bad_scenario_raises_scenario_error_at_the_expected_location(bad):
    want = re.search(r"# expect: (MSH\d{4}) at (\d+):(\d+)", bad.read_text())
    with pytest.raises(meshsim.ScenarioError) as info:
        meshsim.Scenario.load(bad)
    e = info.value
    assert isinstance(e, ValueError)
    first = str(e).splitlines()[0]
    assert re.match(rf"{re.escape(str(bad))}:\d+:\d+: error MSH\d{{4}}: ", first), first
    assert e.diagnostics and {"code", "level", "message", "file", "line", "column"} <= set(e.diagnostics[0])
    if want:
        code, line, column = want.group(1), int(want.group(2)), int(want.group(3))
        assert any(d["code"] == code and d["line"] == line and d["column"] == column
                   and d["file"] == str(bad) and d["level"] == "error"
                   for d in e.diagnostics), e.diagnostics


def test_error_text_is_the_cli_text(bad=BAD / "negative-rate.yaml"):
    from conftest import MESHSIM_BIN
    import subprocess

    if not MESHSIM_BIN.exists():
        pytest.skip(f"no {MESHSIM_BIN}")
    cli = subprocess.run([str(MESHSIM_BIN), "validate", str(bad)], capture_output=True, text=True)
    with pytest.raises(meshsim.ScenarioError) as info:
        meshsim.Scenario.load(bad)
    assert cli.stderr.splitlines()[0] == str(info.value).splitlines()[0]


def test_a_bad_override_is_located_in_its_pseudo_file(bookinfo):
    with pytest.raises(meshsim.ScenarioError) as info:
        bookinfo.set({"Load/users.spc.rate": 5})
    d = info.value.diagnostics[0]
    assert (d["file"], d["line"], d["code"]) == ("<--set 1>", 1, "MSH0402")
    assert "did you mean 'spec'" in str(info.value)
    # The last component may add a field, which the meshsim kind then rejects (scenarios/README).
    with pytest.raises(meshsim.ScenarioError) as info:
        bookinfo.set({"Experiment.spec.duration": "10s"}).set({"Load/users.spec.rat": 5})
    d = info.value.diagnostics[0]
    assert d["code"] == "MSH0103" and "did you mean 'rate'" in str(info.value)


def test_errors_in_yaml_text_and_dicts_carry_their_name():
    with pytest.raises(meshsim.ScenarioError) as info:
        meshsim.Scenario.from_yaml(MM1.replace("workers: 1", "wrkers: 1"), name="inline.yaml")
    assert str(info.value).startswith("inline.yaml:")
    assert info.value.diagnostics[0]["code"] == "MSH0103"
    with pytest.raises(meshsim.ScenarioError) as info:
        meshsim.Scenario.from_dicts([{"apiVersion": "meshsim.dev/v1alpha1", "kind": "Nope",
                                      "metadata": {"name": "x"}, "spec": {}}])
    assert info.value.diagnostics[0]["file"] == "<dicts>"
    assert info.value.diagnostics[0]["code"] == "MSH0005"


def test_a_missing_file_is_a_scenario_error_not_a_crash(tmp_path):
    with pytest.raises(meshsim.ScenarioError) as info:
        meshsim.Scenario.load(tmp_path / "nope.yaml")
    assert info.value.diagnostics[0]["code"] == "MSH0001"


def test_run_arguments_are_checked(bookinfo):
    with pytest.raises(ValueError, match="warm-up"):
        bookinfo.run(duration="5s", warmup="10s")
    with pytest.raises(ValueError, match="duration"):
        bookinfo.run(duration="fast")
    with pytest.raises(TypeError):
        bookinfo.run(seed="1")
    res = bookinfo.run(seed=3, duration=4.5, warmup=0.5)
    assert res.metadata["sim_duration_s"] == 4.5 and res.metadata["warmup_s"] == 0.5
    assert res.metadata["seed"] == 3
