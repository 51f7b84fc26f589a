// Binding: running a scenario, as `meshsim run` does (cli/meshsim_main.cpp): the Experiment's
// seed, duration and warm-up unless overridden, the same checks, then the one runner
// (analysis/runner.h), which hands back the results tables; the summary text is made here.  The
// GIL is released for the whole run; run_many runs independent replications on C++ threads.
//
// Determinism: a run depends only on the scenario, the seed, the duration and the warm-up
// (runner.h), so results do not depend on the number of threads or on which thread ran which
// seed.
#include <cstdint>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "analysis/runner.h"
#include "analysis/summary.h"
#include "python/src/core.h"
#include "scenarios/scenario.h"

namespace py = pybind11;
using meshsim::simcore::Time;

namespace meshsim::python {
namespace {

struct RunOptions {
  std::optional<uint64_t> seed;
  std::optional<int64_t> duration_ns;
  std::optional<int64_t> warmup_ns;
};

// The experiment a run uses: the scenario's, with the overrides applied and checked as the CLI
// checks --seed, --duration and --warmup.  Throws std::invalid_argument (ValueError).
models::ExperimentConfig experiment(const scenarios::Scenario& s, const RunOptions& o) {
  models::ExperimentConfig exp = s.mesh.experiment;
  if (o.seed) exp.seed = *o.seed;
  if (o.duration_ns) {
    if (*o.duration_ns <= 0) throw std::invalid_argument("duration must be positive");
    exp.duration = Time::from_ns(*o.duration_ns);
  }
  if (o.warmup_ns) {
    if (*o.warmup_ns < 0) throw std::invalid_argument("warmup must not be negative");
    exp.warmup = Time::from_ns(*o.warmup_ns);
  }
  if (exp.warmup >= exp.duration) {
    std::ostringstream msg;  // worded as the CLI words it
    msg << "the warm-up (" << exp.warmup.to_seconds() << " s) must be shorter than the duration ("
        << exp.duration.to_seconds() << " s)";
    throw std::invalid_argument(msg.str());
  }
  return exp;
}

// The runner's options for runs of `s`: the tables' metadata as `meshsim run` writes it.
analysis::RunOptions run_options(const scenarios::Scenario& s) {
  analysis::RunOptions o;
  o.metadata.meshsim_version = MESHSIM_VERSION;
  for (const auto& f : s.sources) o.metadata.sources.emplace_back(f.path, f.text);
  return o;
}

// What Python keeps of a run: its tables and summary text (the metrics are dropped).  Called on
// the thread that ran it; touches no Python object.
std::shared_ptr<RunResult> result_of(analysis::RunOutput&& run) {
  auto out = std::make_shared<RunResult>();
  out->summary = analysis::format_summary(*run.metrics);
  out->tables = std::move(run.tables);
  return out;
}

std::shared_ptr<RunResult> run(const scenarios::Scenario& s, const RunOptions& o) {
  models::MeshConfig config = s.mesh;
  config.experiment = experiment(s, o);
  const analysis::RunOptions options = run_options(s);
  py::gil_scoped_release release;
  return result_of(analysis::run_one({&config, config.experiment.seed}, options));
}

std::vector<std::shared_ptr<RunResult>> run_many(const scenarios::Scenario& s,
                                                 const std::vector<uint64_t>& seeds,
                                                 std::optional<int> threads, const RunOptions& o) {
  if (threads && *threads < 1) throw std::invalid_argument("threads must be at least 1");
  if (seeds.empty()) return {};  // as ever: no run, so the overrides go unchecked
  models::MeshConfig config = s.mesh;
  config.experiment = experiment(s, o);  // the seed aside, what every run uses
  std::vector<analysis::RunJob> jobs;
  for (uint64_t seed : seeds) jobs.push_back({&config, seed});
  const analysis::RunOptions options = run_options(s);
  std::vector<std::shared_ptr<RunResult>> results(jobs.size());
  {
    py::gil_scoped_release release;
    // The first failed seed's error, in seed order, is rethrown.
    analysis::run_all(jobs, threads ? static_cast<size_t>(*threads) : 0, options,
                      [&](size_t i, analysis::RunOutput&& run) {
                        results[i] = result_of(std::move(run));
                      });
  }
  return results;
}

}  // namespace

void register_run(py::module_& m) {
  m.def(
      "run",
      [](const scenarios::Scenario& s, std::optional<uint64_t> seed,
         std::optional<int64_t> duration_ns, std::optional<int64_t> warmup_ns) {
        return run(s, {seed, duration_ns, warmup_ns});
      },
      py::arg("scenario"), py::arg("seed") = py::none(), py::arg("duration_ns") = py::none(),
      py::arg("warmup_ns") = py::none(),
      "Runs the scenario once, as `meshsim run` does; None keeps the Experiment's seed, "
      "duration or warm-up.  The GIL is released during the run.  Returns a RunResult.  "
      "Raises ValueError if the warm-up is not shorter than the duration.");
  m.def(
      "run_many",
      [](const scenarios::Scenario& s, const std::vector<uint64_t>& seeds,
         std::optional<int> threads, std::optional<int64_t> duration_ns,
         std::optional<int64_t> warmup_ns) {
        return run_many(s, seeds, threads, {std::nullopt, duration_ns, warmup_ns});
      },
      py::arg("scenario"), py::arg("seeds"), py::arg("threads") = py::none(),
      py::arg("duration_ns") = py::none(), py::arg("warmup_ns") = py::none(),
      "Runs the scenario once per seed on `threads` C++ threads (None: one per hardware "
      "thread, at most one per seed), the GIL released.  Returns the RunResults in seed order; "
      "they do not depend on `threads`.  If runs fail, raises the first failed seed's error.");
}

}  // namespace meshsim::python
