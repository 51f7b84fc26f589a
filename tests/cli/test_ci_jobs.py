"""docs/ci.md's CI jobs, run (issue #15 item 3): the YAML is read from docs/ci.md itself, so the
documented jobs cannot drift from what is tested, and their shell steps run on a sample git
repository (Istio's Bookinfo as a scenario, with a base branch and a pull-request branch).

What is emulated, not run: the CI systems themselves.  A small runner plays GitHub Actions
(steps in order, `if:`, `${{ }}` expressions, $GITHUB_PATH and $GITHUB_OUTPUT; the `uses:`
actions are stand-ins that copy the artifact and record the sticky comment) and GitLab (the
before_script and script lines in one `bash -e` shell).  The clone and build of meshsim are
stubbed: `git clone` copies this tree's .ci/, `apt-get` and `cmake` record their arguments and
`cmake --build` links the meshsim under test into place, so the build step's commands run and
their flags are asserted without a 10-minute compile.  /opt/meshsim becomes a temporary
directory; HOME too (the jobs run `git config --global`).

Run by CTest with the other tests/cli files (MESHSIM_BIN points at the binary).
"""
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
MESHSIM = os.environ.get("MESHSIM_BIN", str(ROOT / "build" / "bin" / "meshsim"))
DOC = ROOT / "docs" / "ci.md"
BOOKINFO = ROOT / "scenarios" / "examples" / "bookinfo"
RUN_URL = "https://github.example/org/mesh/actions/runs/42"
PR = 17


def doc_yaml():
    """The ```yaml blocks of docs/ci.md, parsed: {"meshsim": ..., "meshsim comment": ...,
    "gitlab": ...}."""
    blocks = [yaml.safe_load(b) for b in re.findall(r"^```yaml\n(.*?)^```", DOC.read_text(),
                                                      re.S | re.M)]
    out = {b["name"]: b for b in blocks if "jobs" in b}
    out["gitlab"] = next(b["meshsim"] for b in blocks if "meshsim" in b)
    return out


# ---- the sample repository ----

def git(cwd, *args):
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True,
                          text=True).stdout


def scenario_files(name="bookinfo", abort_details=False, comment=False):
    """Bookinfo as a CI scenario: 10 simulated seconds, 3 replications, one expectation."""
    exp = (BOOKINFO / "meshsim.yaml").read_text()
    exp = exp.replace("name: bookinfo\nspec:", f"name: {name}\nspec:", 1)
    exp = exp.replace("  duration: 60s\n  warmup: 5s\n", "  duration: 10s\n  warmup: 1s\n", 1)
    exp = exp.replace("  - istio/\n", "  - istio/\n  check:\n    replications: 3\n  expect:\n"
                      "  - name: details answers\n    service: details\n"
                      "    minSuccessRate: 99%\n", 1)
    assert "minSuccessRate" in exp and "duration: 10s" in exp
    if comment:
        exp += "# a comment: the mesh does the same\n"
    files = {f"{name}/meshsim.yaml": exp}
    for f in (BOOKINFO / "istio").iterdir():
        files[f"{name}/istio/{f.name}"] = f.read_text()
    if abort_details:  # the pull request's policy change: half of details' requests get a 500
        vs = files[f"{name}/istio/virtual-service-all-v1.yaml"]
        routed = "  - details\n  http:\n  - route:\n"
        assert routed in vs
        files[f"{name}/istio/virtual-service-all-v1.yaml"] = vs.replace(
            routed, "  - details\n  http:\n  - fault:\n      abort:\n        percentage: "
            "{value: 50}\n        httpStatus: 500\n    route:\n", 1)
    return files


def sample_repo(tmp, base, head):
    """An origin with main (`base`: {path below mesh/: text}) and a pull-request branch
    (`head`), and a clone of it at the pull request's commit: the CI checkout."""
    origin, seed = tmp / "origin.git", tmp / "seed"
    git(tmp, "init", "-q", "--bare", "-b", "main", str(origin))
    git(tmp, "init", "-q", "-b", "main", str(seed))
    git(seed, "config", "user.email", "ci@example.com")
    git(seed, "config", "user.name", "ci")

    def commit(files, message):
        shutil.rmtree(seed / "mesh", ignore_errors=True)
        for rel, text in files.items():
            (seed / "mesh" / rel).parent.mkdir(parents=True, exist_ok=True)
            (seed / "mesh" / rel).write_text(text)
        (seed / "README").write_text(message + "\n")
        git(seed, "add", "-A")
        git(seed, "commit", "-q", "-m", message)

    commit(base, "base")
    git(seed, "push", "-q", str(origin), "main")
    git(seed, "checkout", "-q", "-b", "pr")
    commit(head, "pull request")
    git(seed, "push", "-q", str(origin), "pr")
    work = tmp / "work"
    git(tmp, "clone", "-q", "-b", "pr", str(origin), str(work))
    return work, git(work, "rev-parse", "HEAD").strip()


# ---- stubs for what the test does not run: the clone, apt-get, the compile, gh ----

STUBS = {
    "git": """#!/bin/bash
if [ "$1" = clone ]; then  # the last argument is the target: give it this tree's .ci/
  for target; do :; done
  echo "$*" >> "$STUB_LOG/git-clone"
  mkdir -p "$target" && cp -r "$MESHSIM_TREE/.ci" "$target/"
  exit 0
fi
exec /usr/bin/git "$@"
""",
    "apt-get": """#!/bin/bash
echo "$*" >> "$STUB_LOG/apt-get"
""",
    "cmake": """#!/bin/bash
echo "$*" >> "$STUB_LOG/cmake"
if [ "$1" = --build ]; then
  [ -z "${STUB_BUILD_FAILS:-}" ] || { echo "error: the compiler failed" >&2; exit 1; }
  mkdir -p "$2/bin" && ln -sf "$MESHSIM_UNDER_TEST" "$2/bin/meshsim"
fi
""",
    "gh": """#!/bin/bash
echo "$*" >> "$STUB_LOG/gh"
[ "$1 $2" = "pr view" ] && [ "$3" = "$STUB_PR_NUMBER" ] && { echo "$STUB_PR_HEAD"; exit 0; }
echo "no pull requests found" >&2; exit 1
""",
}


class Env:
    """The temporary machine a job runs on: stubs on PATH, /opt/meshsim and HOME elsewhere."""

    def __init__(self, tmp, build_fails=False):
        self.tmp, self.opt = tmp, tmp / "opt-meshsim"
        self.stubs, self.log = tmp / "stubs", tmp / "stub-log"
        self.stubs.mkdir()
        self.log.mkdir()
        (tmp / "home").mkdir()
        (tmp / "tmp").mkdir()
        for name, text in STUBS.items():
            (self.stubs / name).write_text(text)
            (self.stubs / name).chmod(0o755)
        self.vars = {
            "PATH": f"{self.stubs}:/usr/bin:/bin", "HOME": str(tmp / "home"),
            "TMPDIR": str(tmp / "tmp"), "STUB_LOG": str(self.log), "MESHSIM_TREE": str(ROOT),
            "MESHSIM_UNDER_TEST": str(Path(MESHSIM).resolve()), "LANG": "C.UTF-8",
            "GIT_CONFIG_NOSYSTEM": "1"}
        if build_fails:
            self.vars["STUB_BUILD_FAILS"] = "1"

    def script(self, text):
        return text.replace("/opt/meshsim", str(self.opt))

    def calls(self, tool):
        f = self.log / tool
        return f.read_text().splitlines() if f.exists() else []


# ---- a GitHub Actions runner, enough for the two workflows of docs/ci.md ----

def lookup(ctx, dotted):
    """A context value; an output a step did not set is '' (GitHub: null, which compares as
    ''), any other unknown name an error of the test."""
    v = ctx
    for part in dotted.split("."):
        if part not in v and re.fullmatch(r"steps\.\w+\.outputs\.\w+", dotted):
            return ""
        v = v[part]
    return v


def expand(text, ctx):
    return re.sub(r"\$\{\{\s*([\w.]+)\s*\}\}", lambda m: str(lookup(ctx, m[1])), str(text))


def condition(expr, ctx, failed):
    if expr is None:
        return not failed
    if expr == "always()":
        return True
    m = re.fullmatch(r"([\w.]+) (==|!=) '([^']*)'", expr)
    assert m, f"the test's runner does not know the condition {expr!r}"
    value = str(lookup(ctx, m[1]))
    return (value == m[3]) == (m[2] == "==")


def run_github(workflow, env, workspace, ctx, artifacts, comments):
    """Runs the one job of `workflow` in `workspace`; returns its steps' outcomes by name (or
    `uses`/index): "ok", "failed" or "skipped"."""
    (job,) = workflow["jobs"].values()
    if not condition(job.get("if"), ctx, False):
        return {}
    files = {k: env.tmp / f"github-{k}" for k in ("path", "output")}
    files["path"].write_text("")
    outcome, failed = {}, False
    ctx = dict(ctx, steps={})
    for i, step in enumerate(job["steps"]):
        name = step.get("name") or step.get("uses") or f"step {i}"
        if not condition(step.get("if"), ctx, failed):
            outcome[name] = "skipped"
            continue
        ok = True
        with_ = {k: expand(v, ctx) for k, v in step.get("with", {}).items()}
        uses = step.get("uses", "")
        if uses.startswith("actions/checkout@"):
            assert with_.get("fetch-depth") == "0"  # compare needs the base branch's history
        elif uses.startswith("actions/upload-artifact@"):
            src = workspace / with_["path"]
            if src.is_dir():
                shutil.copytree(src, artifacts / with_["name"])
        elif uses.startswith("actions/download-artifact@"):
            assert with_["run-id"] == str(ctx["github"]["event"]["workflow_run"]["id"])
            shutil.copytree(artifacts / with_["name"], workspace / with_["path"])
        elif uses.startswith("marocchino/sticky-pull-request-comment@"):
            comments.append({"number": with_["number"], "header": with_["header"],
                             "body": (workspace / with_["path"]).read_text()})
        else:
            assert "run" in step, f"the test's runner does not know {uses!r}"
            files["output"].write_text("")
            extra = [p for p in files["path"].read_text().splitlines() if p]
            variables = dict(env.vars, GITHUB_WORKSPACE=str(workspace),
                             GITHUB_PATH=str(files["path"]), GITHUB_OUTPUT=str(files["output"]),
                             **ctx["env"])
            variables.update({k: expand(v, ctx) for k, v in job.get("env", {}).items()})
            variables.update({k: expand(v, ctx) for k, v in step.get("env", {}).items()})
            variables["PATH"] = ":".join(list(reversed(extra)) + [variables["PATH"]])
            p = subprocess.run(["bash", "-e", "-c", env.script(step["run"])], cwd=workspace,
                               env=variables, capture_output=True, text=True, timeout=300)
            ok = p.returncode == 0
            if "id" in step:
                ctx["steps"][step["id"]] = {"outputs": dict(
                    l.split("=", 1) for l in files["output"].read_text().splitlines() if l)}
            outcome[name + ":log"] = p.stdout + p.stderr
            outcome[name + ":exit"] = p.returncode
        outcome[name] = "ok" if ok else "failed"
        failed = failed or not ok
    return outcome


def github_pr(tmp, base, head, build_fails=False, pr_number=None):
    """The pull request's run of meshsim.yaml, then of meshsim-comment.yaml (workflow_run) as
    GitHub runs it after any outcome: (outcome of the first, the comments posted)."""
    work, head_sha = sample_repo(tmp, base, head)
    env, workflows = Env(tmp, build_fails), doc_yaml()
    artifacts, comments = tmp / "artifacts", []
    artifacts.mkdir()
    github = {"server_url": "https://github.example", "repository": "org/mesh",
              "run_id": "42", "token": "t0ken",
              "event": {"pull_request": {"number": PR}}}
    ctx = {"github": github, "env": {"GITHUB_BASE_REF": "main", "CI": "true",
                                     "GITHUB_ACTIONS": "true"}}
    first = run_github(workflows["meshsim"], env, work, ctx, artifacts, comments)
    # The follow-up: a fresh checkout-less workspace in the base repository's context.
    follow = tmp / "follow"
    follow.mkdir()
    github2 = dict(github, event={"workflow_run": {"id": 42, "head_sha": head_sha,
                                                   "event": "pull_request"}})
    env.vars.update(STUB_PR_NUMBER=str(pr_number or PR), STUB_PR_HEAD=head_sha)
    second = run_github(workflows["meshsim comment"], env, follow, {"github": github2, "env": {}},
                        artifacts, comments)
    return first, second, comments, env


# ---- reading the comment ----

def assert_composes(md, headings):
    """GitHub-flavoured Markdown structure: a line starting with an HTML block tag (<details>)
    opens a block that only a blank line ends, so a heading before that blank line is raw text
    (CommonMark 0.30, HTML blocks, type 6).  Each `### meshsim` heading must start a block."""
    in_html, found, prev = False, [], ""
    for line in md.split("\n"):
        if in_html:
            if line.strip() == "":
                in_html = False
            else:
                assert not line.startswith("#"), f"heading swallowed by an HTML block: {line!r}"
        elif re.match(r"</?(details|summary)\b", line):
            in_html = True
        elif line.startswith("#"):
            assert prev.strip() == "", f"no blank line before {line!r}"
            found.append(line)
        prev = line
    assert len(found) == len(headings) and all(
        f.startswith(h) for f, h in zip(found, headings)), found
    assert md.endswith("\n\n"), "the comment's last report ends with a blank line"
    return found


# ---- GitHub Actions ----

def test_the_build_step_builds_only_meshsim_without_werror(tmp_path):
    """Issue #15: the user's CI job does not compile with -Werror (a newer compiler's warning
    would break their pipeline) nor build the test suite, benchmarks or Python module; it
    installs only .ci/debian-packages-cli.txt.  (Before: `bash .ci/setup`, which under CI=true
    configures MESHSIM_WERROR=ON with the tests and installs the whole toolchain.)"""
    _, _, _, env = github_pr(tmp_path, {}, scenario_files())
    configure, build = env.calls("cmake")
    for flag in ("-DMESHSIM_WERROR=OFF", "-DMESHSIM_BUILD_TESTS=OFF", "-DMESHSIM_BUILD_BENCH=OFF",
                 "-DMESHSIM_BUILD_PYTHON=OFF", "-DCMAKE_BUILD_TYPE=Release"):
        assert flag in configure.split(), configure
    assert build.split()[-2:] == ["--target", "meshsim"], build
    wanted = [l for l in (ROOT / ".ci" / "debian-packages-cli.txt").read_text().splitlines()
              if l and not l.startswith("#")]
    (install,) = [c for c in env.calls("apt-get") if "build-essential" in c]
    assert install.split()[-len(wanted):] == wanted, install
    assert not {"catch2", "libbenchmark-dev", "pybind11-dev"} & set(install.split())
    # Every package the CLI list names is one meshsim's own CI installs too (.ci/lib.sh).
    lib = (ROOT / ".ci" / "lib.sh").read_text()
    assert "debian-packages-cli.txt" in lib and "debian-packages.txt" in lib


def test_the_cmake_options_of_the_build_step_exist():
    """The documented configure line names options CMakeLists.txt defines (a misspelt option
    is silently ignored by CMake, and the test suite would be built after all)."""
    cmake = (ROOT / "CMakeLists.txt").read_text()
    for job in (doc_yaml()["meshsim"]["jobs"]["meshsim"]["steps"],
                [{"run": "\n".join(doc_yaml()["gitlab"]["before_script"])}]):
        text = "\n".join(s.get("run", "") for s in job)
        options = re.findall(r"-D(MESHSIM_\w+)=OFF", text)
        assert sorted(options) == ["MESHSIM_BUILD_BENCH", "MESHSIM_BUILD_PYTHON",
                                   "MESHSIM_BUILD_TESTS", "MESHSIM_WERROR"], text
        for o in options:
            assert re.search(rf"option\({o} ", cmake), o


def test_a_policy_change_that_breaks_an_expectation_fails_the_job_and_comments(tmp_path):
    """The ordinary case: the pull request injects 500s into half of details' requests.  The
    check fails (exit 1), compare flags the regression; one comment holds both reports, and
    compare's heading is not swallowed by check's </details> (before: it was, exit 1 here)."""
    first, second, comments, _ = github_pr(tmp_path, scenario_files(),
                                           scenario_files(abort_details=True))
    assert first["Check and compare"] == "failed" and first["Check and compare:exit"] == 1
    assert first["actions/upload-artifact@v4"] == "ok"
    assert second["Which pull request"] == "ok"
    (c,) = comments
    assert c["number"] == str(PR) and c["header"] == "meshsim"
    assert_composes(c["body"], ["### meshsim check: :x: 1 of 1 expectation(s) failed",
                                "### meshsim compare: :x: "])
    assert re.search(r"\| :x: regression \| `mesh/bookinfo` \| details success rate", c["body"])


def test_the_first_scenarios_get_a_report_not_exit_2(tmp_path):
    """A pull request that adds the first mesh: the base branch has no mesh/.  Compare says "no
    base: 1 new scenario(s), checked only" and exits 0, the check runs, the job passes (before:
    compare exited 2, "no such file or directory")."""
    first, _, comments, _ = github_pr(tmp_path, {}, scenario_files())
    assert first["Check and compare"] == "ok", first["Check and compare:log"]
    (c,) = comments
    assert_composes(c["body"], ["### meshsim check: :white_check_mark: all 1 expectation(s)",
                                "### meshsim compare: :new: no base: 1 new scenario(s), "
                                "checked only"])
    assert "- `mesh/bookinfo`: new in the candidate" in c["body"]


def test_a_change_that_changes_nothing_says_identical_behaviour(tmp_path):
    """A comment added to a scenario: equal fingerprints, exit 0, and the comment says so
    (before: the Markdown said only "No significant change")."""
    first, _, comments, _ = github_pr(tmp_path, scenario_files(), scenario_files(comment=True))
    assert first["Check and compare"] == "ok", first["Check and compare:log"]
    (c,) = comments
    assert_composes(c["body"], ["### meshsim check: :white_check_mark:",
                                "### meshsim compare: :white_check_mark: 0 regression(s)"])
    assert "- `mesh/bookinfo`: identical behaviour (equal fingerprints)" in c["body"]


def test_scenarios_added_and_removed_are_listed_and_the_others_compared(tmp_path):
    """The base has a and b, the pull request keeps a, removes b, adds c: a is compared, b and
    c are listed as not compared (before: named only on stderr, invisible in the comment)."""
    base = scenario_files("a") | scenario_files("b")
    first, _, comments, _ = github_pr(tmp_path, base, scenario_files("a") | scenario_files("c"))
    assert first["Check and compare"] == "ok", first["Check and compare:log"]
    (c,) = comments
    assert_composes(c["body"], ["### meshsim check:", "### meshsim compare: :white_check_mark: "
                                "0 regression(s), 1 new scenario(s) not compared, 1 removed"])
    assert "- `mesh/a`: identical behaviour" in c["body"]
    assert "- `mesh/b`: removed in the candidate; not compared" in c["body"]
    assert "- `mesh/c`: new in the candidate; not compared" in c["body"]


def test_a_failed_build_still_comments_that_it_failed(tmp_path):
    """The compiler fails: the check never runs, the job fails, and the sticky comment says
    there is no report and links the run (before: no comment file, so no comment, or the last
    run's comment left standing as if it were this one's)."""
    first, second, comments, _ = github_pr(tmp_path, {}, scenario_files(), build_fails=True)
    assert first["Build meshsim"] == "failed"
    assert first["Check and compare"] == "skipped"
    assert first["actions/upload-artifact@v4"] == "ok"
    (c,) = comments
    assert c["body"].startswith("### meshsim: :x: no report\n\nThe job stopped before meshsim ran")
    assert RUN_URL in c["body"]


def test_the_job_that_runs_the_pull_request_cannot_write_and_the_follow_up_checks_the_number(
        tmp_path):
    """Forks: GitHub gives a fork's pull_request run a read-only token, so the comment is posted
    by the workflow_run follow-up, which trusts the artifact's PR number only if that PR's head
    is the commit the run checked (before: one workflow, `pull-requests: write`, failing on
    every fork with "Resource not accessible by integration")."""
    w = doc_yaml()
    on = lambda workflow: workflow.get("on", workflow.get(True))  # YAML 1.1 reads `on` as true
    assert list(on(w["meshsim"])) == ["pull_request"]
    assert "write" not in w["meshsim"]["permissions"].values()
    assert not any("sticky" in s.get("uses", "") for s in w["meshsim"]["jobs"]["meshsim"]["steps"])
    assert on(w["meshsim comment"])["workflow_run"]["workflows"] == ["meshsim"]
    # The artifact names another pull request (one whose head is not the run's commit).
    _, second, comments, env = github_pr(tmp_path, {}, scenario_files(), pr_number=99)
    assert comments == [] and second["Which pull request"] == "ok"
    assert "not commenting: pull request '17'" in second["Which pull request:log"]
    assert env.calls("gh") == ["pr view 17 --json headRefOid --jq .headRefOid"]


# ---- GitLab CI ----

def run_gitlab(tmp, base, head):
    tmp.mkdir()
    work, _ = sample_repo(tmp, base, head)
    env, job = Env(tmp), doc_yaml()["gitlab"]
    lines = job["before_script"] + job["script"]
    assert all(isinstance(l, str) for l in lines), "a line YAML reads as a mapping (': ')"
    shell = "\n".join(lines)
    variables = dict(env.vars, CI="true", CI_MERGE_REQUEST_TARGET_BRANCH_NAME="main",
                     **{k: str(v) for k, v in job["variables"].items()})
    p = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", env.script(shell)], cwd=work,
                       env=variables, capture_output=True, text=True, timeout=300)
    for path in job["artifacts"]["paths"] + job["artifacts"]["reports"]["junit"]:
        assert (work / path).exists(), (path, p.stdout + p.stderr)
    return p, (work / "meshsim-report" / "comment.md").read_text(), env


def test_gitlab_first_scenarios_and_a_regression(tmp_path):
    """The GitLab job: the same build flags, the first mesh reported (exit 0), a regression
    failing the job (exit 1), each with the composed report as an artifact."""
    p, md, env = run_gitlab(tmp_path / "first", {}, scenario_files())
    assert p.returncode == 0, p.stdout + p.stderr
    assert_composes(md, ["### meshsim check:", "### meshsim compare: :new: no base"])
    assert "-DMESHSIM_WERROR=OFF" in env.calls("cmake")[0]
    p, md, _ = run_gitlab(tmp_path / "regression", scenario_files(),
                          scenario_files(abort_details=True))
    assert p.returncode == 1, p.stdout + p.stderr
    assert_composes(md, ["### meshsim check: :x:", "### meshsim compare: :x:"])
