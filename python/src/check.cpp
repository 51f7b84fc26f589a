// Binding: `meshsim check` and `meshsim compare` from Python (analysis/check.h), for notebooks.
// Both run their replications on C++ threads with the GIL released and hand back plain rows
// (lists of dicts) that the Python layer turns into DataFrames (python/meshsim/ci.py).
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "analysis/check.h"
#include "analysis/fingerprint.h"
#include "python/src/core.h"
#include "scenarios/scenario.h"

namespace py = pybind11;

namespace meshsim::python {
namespace {

const char* metric_name(models::ExpectationConfig::Metric m) {
  using M = models::ExpectationConfig::Metric;
  switch (m) {
    case M::kSuccessRate: return "success_rate";
    case M::kLatency: return "latency";
    case M::kRetryAmplification: return "retry_amplification";
    case M::kAttemptsPerRoot: return "attempts_per_request";
    case M::kFlagShare: return "flag_share";
    case M::kThroughput: return "throughput";
  }
  return "?";
}

uint32_t replications_of(const scenarios::Scenario& s, std::optional<uint32_t> replications) {
  const uint32_t n = replications.value_or(s.mesh.experiment.check.replications);
  if (n < 2) throw std::invalid_argument("replications must be at least 2");
  return n;
}

size_t threads_of(std::optional<int> threads) {
  if (threads && *threads < 1) throw std::invalid_argument("threads must be at least 1");
  return threads ? static_cast<size_t>(*threads) : 0;
}

py::dict check(const scenarios::Scenario& s, std::optional<uint32_t> replications,
               std::optional<int> threads) {
  const uint32_t n = replications_of(s, replications);
  const size_t t = threads_of(threads);
  std::vector<analysis::RunJob> jobs;
  for (uint64_t seed : analysis::replication_seeds(s.mesh.experiment, n))
    jobs.push_back({&s.mesh, seed});
  analysis::CheckResult result;
  {
    py::gil_scoped_release release;
    const auto reps = analysis::run_replications(jobs, t).value();  // no stop flag
    result = analysis::evaluate_check(s.mesh.experiment, reps);
  }
  py::list rows;
  for (const auto& e : result.expectations) {
    const auto& x = e.expectation;
    py::dict row;
    row["name"] = x.name;
    row["service"] = x.service;
    row["metric"] = metric_name(x.metric);
    row["percentile"] = x.metric == models::ExpectationConfig::Metric::kLatency
                            ? py::object(py::float_(x.percentile))
                            : py::object(py::none());
    row["flag"] = x.flag.empty() ? py::object(py::none()) : py::object(py::str(x.flag));
    row["bound"] = x.bound == models::ExpectationConfig::Bound::kAtLeast ? ">=" : "<=";
    row["threshold"] = x.threshold;
    row["estimate"] = e.interval.estimate;
    row["lower"] = e.lower;
    row["upper"] = e.upper;
    row["verdict"] = analysis::to_string(e.verdict);
    row["requests"] = e.requests;
    row["values"] = e.values;
    row["where"] = x.where;
    rows.append(row);
  }
  py::dict out;
  out["rows"] = rows;
  out["seeds"] = result.seeds;
  out["confidence"] = result.confidence;
  out["fingerprint"] = analysis::fingerprint_hex(result.fingerprint);
  std::vector<std::string> fps;
  for (uint64_t f : result.fingerprints) fps.push_back(analysis::fingerprint_hex(f));
  out["fingerprints"] = fps;
  return out;
}

py::dict compare(const scenarios::Scenario& base, const scenarios::Scenario& candidate,
                 std::optional<uint32_t> replications, std::optional<int> threads,
                 const std::optional<std::string>& multiple_testing, bool independent_streams) {
  const uint32_t n = replications_of(base, replications);
  const size_t t = threads_of(threads);
  analysis::CompareOptions options;
  options.independent_streams = independent_streams;
  if (!multiple_testing) {
    // the base's spec.check.multipleTesting decides
  } else if (const auto m = analysis::parse_multiple_testing(*multiple_testing)) {
    options.multiple_testing = *m;
  } else {
    throw std::invalid_argument("multiple_testing must be 'holm' or 'bh', got '" +
                                *multiple_testing + "'");
  }
  std::vector<analysis::RunJob> jobs;
  const auto seeds = analysis::replication_seeds(base.mesh.experiment, n);
  const auto cand_seeds = analysis::candidate_seeds(seeds, independent_streams);
  for (uint64_t seed : seeds) jobs.push_back({&base.mesh, seed});
  for (uint64_t seed : cand_seeds) jobs.push_back({&candidate.mesh, seed});
  analysis::CompareResult result;
  {
    py::gil_scoped_release release;
    const auto reps = analysis::run_replications(jobs, t).value();  // no stop flag
    const std::span<const analysis::Replication> all(reps);
    result = analysis::compare_runs(all.first(n), all.subspan(n), base.mesh.experiment.check,
                                    options);
  }
  py::list rows;
  for (const auto& m : result.metrics) {
    py::dict row;
    row["service"] = m.service;
    row["metric"] = m.metric;
    row["method"] = m.method;
    row["unit"] = m.unit;
    row["base"] = m.base;
    row["candidate"] = m.candidate;
    row["difference"] = m.difference;
    row["lower"] = m.lower;
    row["upper"] = m.upper;
    row["relative"] = m.relative;
    row["relative_lower"] = m.relative_lower;
    row["relative_upper"] = m.relative_upper;
    row["p_value"] = m.p_value;
    row["adjusted_p_value"] = m.adjusted_p_value;
    row["threshold"] = m.threshold;
    row["change"] = analysis::to_string(m.change);
    rows.append(row);
  }
  py::dict out;
  out["rows"] = rows;
  out["seeds"] = seeds;
  out["candidate_seeds"] = cand_seeds;
  out["confidence"] = result.confidence;
  out["multiple_testing"] = analysis::to_string(result.multiple_testing);
  out["alpha"] = result.alpha;
  out["tests"] = result.tests;
  out["independent_streams"] = result.independent_streams;
  out["base_fingerprint"] = analysis::fingerprint_hex(result.base_fingerprint);
  out["candidate_fingerprint"] = analysis::fingerprint_hex(result.candidate_fingerprint);
  return out;
}

}  // namespace

void register_check(py::module_& m) {
  m.def("check", &check, py::arg("scenario"), py::arg("replications") = py::none(),
        py::arg("threads") = py::none(),
        "Runs the scenario's replications (seeds seed, seed+1, ...) and judges its "
        "expectations, as `meshsim check` does.  Returns {rows, seeds, confidence, "
        "fingerprint, fingerprints}; the GIL is released during the runs.");
  m.def("compare", &compare, py::arg("base"), py::arg("candidate"),
        py::arg("replications") = py::none(), py::arg("threads") = py::none(),
        py::arg("multiple_testing") = py::none(), py::arg("independent_streams") = false,
        "Runs both scenarios with the base's seeds (common random numbers; independent_streams: "
        "seeds of the candidate's own) and compares them per service, as `meshsim compare "
        "--all` does, with the base's thresholds and the rows' p-values adjusted by "
        "multiple_testing ('holm' or 'bh').  Returns {rows, seeds, candidate_seeds, confidence, "
        "multiple_testing, alpha, tests, independent_streams, base_fingerprint, "
        "candidate_fingerprint}.");
}

}  // namespace meshsim::python
