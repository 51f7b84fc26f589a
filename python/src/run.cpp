// Binding: running a scenario, as `meshsim run` does (cli/meshsim_main.cpp): the Experiment's
// seed, duration and warm-up unless overridden, the same checks, the mesh run to its end into
// MeshMetrics, then the results tables and the summary text.  The GIL is released for the
// whole run; run_many runs independent replications on C++ threads.
//
// Determinism: a run depends only on the scenario, the seed, the duration and the warm-up.
// Each replication has its own copy of the configuration, its own Mesh and MeshMetrics, and
// every random stream is keyed by (seed, entity, purpose), so results do not depend on the
// number of threads or on which thread ran which seed.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "analysis/mesh_metrics.h"
#include "analysis/parallel.h"
#include "analysis/result_tables.h"
#include "analysis/summary.h"
#include "models/mesh.h"
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

// One run, start to finish; no Python object is touched (the GIL is not held).
std::shared_ptr<RunResult> run_one(const scenarios::Scenario& s,
                                   const models::ExperimentConfig& exp) {
  models::MeshConfig config = s.mesh;
  config.experiment = exp;
  const auto wall_start = std::chrono::steady_clock::now();
  models::Mesh mesh(config);
  analysis::MeshMetrics metrics(exp.warmup);
  mesh.run(metrics);
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();

  analysis::RunMetadata meta;
  meta.meshsim_version = MESHSIM_VERSION;
  meta.seed = exp.seed;
  for (const auto& f : s.sources) meta.sources.emplace_back(f.path, f.text);
  meta.wall_time_s = wall;
  auto out = std::make_shared<RunResult>();
  out->summary = analysis::format_summary(metrics);
  out->tables = analysis::build_result_tables(metrics, meta);
  return out;
}

std::shared_ptr<RunResult> run(const scenarios::Scenario& s, const RunOptions& o) {
  const models::ExperimentConfig exp = experiment(s, o);
  py::gil_scoped_release release;
  return run_one(s, exp);
}

std::vector<std::shared_ptr<RunResult>> run_many(const scenarios::Scenario& s,
                                                 const std::vector<uint64_t>& seeds,
                                                 std::optional<int> threads, const RunOptions& o) {
  if (threads && *threads < 1) throw std::invalid_argument("threads must be at least 1");
  std::vector<models::ExperimentConfig> experiments;
  for (uint64_t seed : seeds) {
    RunOptions with_seed = o;
    with_seed.seed = seed;
    experiments.push_back(experiment(s, with_seed));
  }
  const size_t n = experiments.size();
  std::vector<std::shared_ptr<RunResult>> results(n);
  {
    py::gil_scoped_release release;
    // The first failed seed's error, in seed order, is rethrown.
    analysis::parallel_for(n, threads ? static_cast<size_t>(*threads) : 0,
                           [&](size_t i) { results[i] = run_one(s, experiments[i]); });
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
