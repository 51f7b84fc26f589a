// Replications and check verdicts; see check.h (compare.cc holds the paired comparisons).
#include "analysis/check.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>
#include <utility>

#include <xxhash.h>

#include "analysis/mesh_metrics.h"

namespace meshsim::analysis {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// The values a metric can take.
std::pair<double, double> metric_range(models::ExpectationConfig::Metric m) {
  using M = models::ExpectationConfig::Metric;
  constexpr double inf = std::numeric_limits<double>::infinity();
  switch (m) {
    case M::kSuccessRate:
    case M::kFlagShare: return {0.0, 1.0};
    case M::kRetryAmplification: return {1.0, inf};
    case M::kLatency:
    case M::kAttemptsPerRoot:
    case M::kThroughput: return {0.0, inf};
  }
  return {-inf, inf};
}

bool satisfies(const models::ExpectationConfig& e, double v) {
  return e.bound == models::ExpectationConfig::Bound::kAtLeast ? v >= e.threshold
                                                               : v <= e.threshold;
}

}  // namespace

Replication replication_of(const RunOutput& run) {
  assert(!run.stopped && run.metrics);
  Replication out;
  out.seed = run.seed;
  out.fingerprint = run.fingerprint;
  out.events = run.events;
  out.wall_s = run.wall_s;
  out.expectation_values = run.expectation_values;
  out.expectation_requests = run.expectation_requests;
  const MeshMetrics& metrics = *run.metrics;
  for (const TrafficStats& t : metrics.services()) {
    ServiceSample s;
    s.name = std::string(metrics.service_name(t.destination_service));
    s.namespace_ = std::string(metrics.service_namespace(t.destination_service));
    s.requests = t.requests;
    s.successes = t.successes;
    s.attempts = t.requests + t.retries;
    s.latency = t.latency;
    out.services.push_back(std::move(s));
  }
  return out;
}

std::optional<std::vector<Replication>> run_replications(std::span<const RunJob> jobs,
                                                         size_t threads,
                                                         const std::atomic<bool>* stop) {
  RunOptions options;
  options.expectations = true;
  options.stop = stop;
  std::vector<Replication> results(jobs.size());
  std::atomic<bool> stopped{false};
  run_all(jobs, threads, options, [&](size_t i, RunOutput&& run) {
    if (run.stopped) {
      stopped = true;
    } else {
      results[i] = replication_of(run);
    }
  });
  if (stopped) return std::nullopt;
  return results;
}

std::vector<uint64_t> replication_seeds(const models::ExperimentConfig& experiment, uint32_t n) {
  std::vector<uint64_t> seeds;
  for (uint32_t r = 0; r < n; ++r) seeds.push_back(experiment.seed + r);
  return seeds;
}

uint64_t combined_fingerprint(std::span<const Replication> replications) {
  std::vector<uint64_t> fps;
  for (const Replication& r : replications) fps.push_back(r.fingerprint);
  return XXH3_64bits(fps.data(), fps.size() * sizeof(uint64_t));
}

const char* to_string(Verdict v) {
  switch (v) {
    case Verdict::kPass: return "pass";
    case Verdict::kMarginal: return "marginal";
    case Verdict::kFail: return "fail";
    case Verdict::kNoData: return "no data";
  }
  return "?";
}

const char* to_string(Change c) {
  switch (c) {
    case Change::kNone: return "no significant change";
    case Change::kImprovement: return "improvement";
    case Change::kWorse: return "worse";
    case Change::kRegression: return "regression";
  }
  return "?";
}

bool CheckResult::failed(bool strict) const {
  return std::any_of(expectations.begin(), expectations.end(),
                     [&](const ExpectationResult& e) { return e.failed(strict); });
}

CheckResult evaluate_check(const models::ExperimentConfig& experiment,
                           std::span<const Replication> replications) {
  assert(!replications.empty());
  CheckResult out;
  out.confidence = experiment.check.confidence;
  for (const Replication& r : replications) {
    out.seeds.push_back(r.seed);
    out.fingerprints.push_back(r.fingerprint);
    out.events += r.events;
    out.wall_s += r.wall_s;
  }
  out.fingerprint = combined_fingerprint(replications);
  for (size_t i = 0; i < experiment.expectations.size(); ++i) {
    ExpectationResult res;
    res.expectation = experiment.expectations[i];
    Accumulator acc;
    bool missing = false;
    for (const Replication& r : replications) {
      const double v = r.expectation_values.at(i);
      res.values.push_back(v);
      res.requests += r.expectation_requests.at(i);
      if (std::isnan(v)) {
        missing = true;
      } else {
        acc.add(v);
      }
    }
    res.interval = t_interval(acc, experiment.check.confidence);
    const auto [lo, hi] = metric_range(res.expectation.metric);
    res.lower = std::clamp(res.interval.lower(), lo, hi);  // NaN stays NaN
    res.upper = std::clamp(res.interval.upper(), lo, hi);
    if (std::isnan(res.interval.half_width)) res.lower = res.upper = kNaN;
    if (missing) {
      res.verdict = Verdict::kNoData;
    } else if (!satisfies(res.expectation, res.interval.estimate)) {
      res.verdict = Verdict::kFail;
    } else {
      const double far = res.expectation.bound == models::ExpectationConfig::Bound::kAtLeast
                             ? res.lower
                             : res.upper;
      // One replication has no interval: its estimate alone decides, but it is never sure.
      res.verdict = (!std::isnan(far) && satisfies(res.expectation, far)) ? Verdict::kPass
                                                                          : Verdict::kMarginal;
    }
    out.expectations.push_back(std::move(res));
  }
  return out;
}

}  // namespace meshsim::analysis
