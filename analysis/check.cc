// Replications, check verdicts and paired comparisons; see check.h.
#include "analysis/check.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <functional>
#include <limits>
#include <tuple>
#include <utility>

#include <xxhash.h>

#include "analysis/mesh_metrics.h"
#include "analysis/paired_statistics.h"

namespace meshsim::analysis {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::string service_label(const ServiceSample& s) {
  return s.namespace_ == "default" ? s.name : s.name + "." + s.namespace_;
}

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

// The change a difference with interval [lower, upper] makes; `worse_sign` +1 when larger is
// worse; `null` the value of no change; `beyond` whether the estimate passes the threshold.
Change classify(double lower, double upper, double null, int worse_sign, bool beyond) {
  if (std::isnan(lower) || std::isnan(upper)) return Change::kNone;
  const bool above = lower > null, below = upper < null;
  if (!above && !below) return Change::kNone;
  const bool worse = worse_sign > 0 ? above : below;
  if (!worse) return Change::kImprovement;
  return beyond ? Change::kRegression : Change::kWorse;
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

bool CompareResult::regressed() const {
  return std::any_of(metrics.begin(), metrics.end(),
                     [](const MetricComparison& m) { return m.change == Change::kRegression; });
}

CompareResult compare_runs(std::span<const Replication> base,
                           std::span<const Replication> candidate,
                           const models::CheckConfig& settings) {
  assert(base.size() == candidate.size() && !base.empty());
  CompareResult out;
  out.confidence = settings.confidence;
  out.replications = base.size();
  out.base_fingerprint = combined_fingerprint(base);
  out.candidate_fingerprint = combined_fingerprint(candidate);
  const size_t n = base.size();
  const double level = settings.confidence;

  auto find = [](const Replication& r, const ServiceSample& like) -> const ServiceSample* {
    for (const ServiceSample& s : r.services) {
      if (s.name == like.name && s.namespace_ == like.namespace_) return &s;
    }
    return nullptr;
  };
  auto total_requests = [&](std::span<const Replication> side, const ServiceSample& like) {
    uint64_t t = 0;
    for (const Replication& r : side) {
      if (const ServiceSample* s = find(r, like)) t += s->requests;
    }
    return t;
  };
  for (const ServiceSample& s : base.front().services) {
    const bool in_base = total_requests(base, s) > 0;
    const bool in_candidate = total_requests(candidate, s) > 0;
    if (in_base && !in_candidate) out.only_in_base.push_back(service_label(s));
    if (!in_base || !in_candidate) continue;

    // Per-replication samples, paired by index; a side that is missing the service in one
    // replication contributes an empty sample there.
    std::vector<const ServiceSample*> b(n), c(n);
    for (size_t r = 0; r < n; ++r) {
      b[r] = find(base[r], s);
      c[r] = find(candidate[r], s);
    }
    auto ratio = [](const ServiceSample* x, uint64_t ServiceSample::*num) {
      return x && x->requests ? static_cast<double>(x->*num) / static_cast<double>(x->requests)
                              : kNaN;
    };
    auto pooled_ratio = [&](const std::vector<const ServiceSample*>& side,
                            uint64_t ServiceSample::*num) {
      uint64_t a = 0, d = 0;
      for (const auto* x : side) {
        if (x) a += x->*num, d += x->requests;
      }
      return d ? static_cast<double>(a) / static_cast<double>(d) : kNaN;
    };
    const std::string label = service_label(s);

    // Success rate and retry amplification: paired t over per-replication ratios.
    for (const auto& [metric, member, worse_sign, threshold, unit] :
         {std::tuple{"success rate", &ServiceSample::successes, -1, settings.max_success_drop, "%"},
          std::tuple{"retry amplification", &ServiceSample::attempts, +1,
                     settings.max_amplification_increase, "x"}}) {
      std::vector<double> bv, cv;
      for (size_t r = 0; r < n; ++r) {
        const double x = ratio(b[r], member), y = ratio(c[r], member);
        if (std::isnan(x) || std::isnan(y)) continue;
        bv.push_back(x);
        cv.push_back(y);
      }
      MetricComparison m;
      m.service = label;
      m.metric = metric;
      m.method = "paired t";
      m.unit = unit;
      m.base = pooled_ratio(b, member);
      m.candidate = pooled_ratio(c, member);
      m.threshold = threshold;
      if (bv.empty()) {
        m.difference = m.candidate - m.base;
        m.lower = m.upper = kNaN;
      } else {
        const ConfidenceInterval ci = paired_t_interval(bv, cv, level);
        m.difference = ci.estimate;
        m.lower = ci.lower();
        m.upper = ci.upper();
        if (ci.half_width == 0) m.lower = m.upper = ci.estimate;
      }
      const bool beyond = worse_sign > 0 ? m.difference > threshold : -m.difference > threshold;
      m.change = classify(m.lower, m.upper, 0.0, worse_sign, beyond);
      out.metrics.push_back(std::move(m));
    }

    // Latency: relative differences of the pooled distributions, paired jackknife.
    std::vector<Histogram> bh(n), ch(n);
    for (size_t r = 0; r < n; ++r) {
      if (b[r]) bh[r] = b[r]->latency;
      if (c[r]) ch[r] = c[r]->latency;
    }
    const WeightedHistograms bw(bh), cw(ch);
    // The interval of a jackknifed statistic; an infinite estimate (a latency up from exactly
    // zero) is its own interval, so that it counts as a change beyond any threshold.
    auto set_interval = [&](MetricComparison& m,
                            const std::function<double(std::span<const uint32_t>)>& stat) {
      const ConfidenceInterval ci = paired_jackknife(n, stat, level);
      m.difference = ci.estimate;
      m.lower = std::isinf(ci.estimate) ? ci.estimate : ci.lower();
      m.upper = std::isinf(ci.estimate) ? ci.estimate : ci.upper();
    };
    for (const double p : {0.0, 50.0, 90.0, 99.0}) {
      auto stat_of = [p](const WeightedHistograms& h, std::span<const uint32_t> w) {
        return p == 0 ? h.mean(w) : h.percentile(w, p);
      };
      MetricComparison m;
      m.service = label;
      m.metric = p == 0 ? "mean" : "p";  // (built in steps: GCC 12's -Wrestrict misfires)
      if (p != 0) m.metric += std::to_string(static_cast<int>(p));
      m.metric += " latency";
      m.method = "paired jackknife";
      m.unit = "s";
      const std::vector<uint32_t> ones(n, 1);
      m.base = stat_of(bw, ones) / 1e9;
      m.candidate = stat_of(cw, ones) / 1e9;
      set_interval(m, [&](std::span<const uint32_t> w) {
        const double x = stat_of(bw, w), y = stat_of(cw, w);
        if (x == 0) return y == 0 ? 0.0 : std::numeric_limits<double>::infinity();
        return (y - x) / x;  // NaN when a side is empty
      });
      m.threshold = settings.max_latency_increase;
      m.change = classify(m.lower, m.upper, 0.0, +1, m.difference > m.threshold);
      out.metrics.push_back(std::move(m));
    }

    // The whole latency distribution: P(candidate request slower than base request).
    MetricComparison m;
    m.service = label;
    m.metric = "P(slower)";
    m.method = "Mann-Whitney, paired jackknife";
    m.unit = "";
    m.base = 0.5;
    set_interval(m, [&](std::span<const uint32_t> w) { return cw.probability_greater(w, bw, w); });
    m.candidate = m.difference;
    m.threshold = settings.max_slower_probability;
    m.change = classify(m.lower, m.upper, 0.5, +1, m.difference > m.threshold);
    out.metrics.push_back(std::move(m));
  }
  // A service that carried traffic in the base and none in the candidate: listed, and a row
  // (worse, not a regression: removing a service may be the point of the change).
  for (const std::string& gone : out.only_in_base) {
    MetricComparison m;
    m.service = gone;
    m.metric = "requests";
    m.method = "traffic stopped";
    m.unit = "";
    for (const ServiceSample& s : base.front().services) {
      if (service_label(s) == gone) m.base = static_cast<double>(total_requests(base, s));
    }
    m.candidate = 0;
    m.difference = -m.base;
    m.lower = m.upper = m.difference;
    m.change = Change::kWorse;
    out.metrics.push_back(std::move(m));
  }
  for (const ServiceSample& s : candidate.front().services) {
    if (total_requests(candidate, s) > 0 && total_requests(base, s) == 0)
      out.only_in_candidate.push_back(service_label(s));
  }
  return out;
}

}  // namespace meshsim::analysis
