// Paired comparisons of two variants of a scenario (`meshsim compare`); see check.h for the
// contract, paired_statistics.h for the methods and multiple_testing.h for the adjustment.
#include <algorithm>
#include <cassert>
#include <cmath>
#include <functional>
#include <limits>
#include <tuple>
#include <utility>

#include "analysis/check.h"
#include "analysis/paired_statistics.h"

namespace meshsim::analysis {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();
// Half of the seed space away: no candidate seed meets a base seed of any nearby range.
constexpr uint64_t kIndependentSeedOffset = uint64_t{1} << 63;

std::string service_label(const ServiceSample& s) {
  return s.namespace_ == "default" ? s.name : s.name + "." + s.namespace_;
}

// x / base, with 0 / 0 = 0 (no change from nothing) and x / 0 = +-inf.
double relative_to(double x, double base) {
  if (base == 0) return x == 0 ? 0.0 : (x > 0 ? kInf : -kInf);
  return x / base;
}

void set_relative(MetricComparison& m) {
  m.relative = relative_to(m.difference, m.base);
  m.relative_lower = relative_to(m.lower, m.base);
  m.relative_upper = relative_to(m.upper, m.base);
  if (m.base < 0) std::swap(m.relative_lower, m.relative_upper);
}

// Fills difference, interval and p-value from `ci`, a t interval with `df` degrees of
// freedom, in `scale` units per metric unit (1e9 for ns -> s).
void set_test(MetricComparison& m, const ConfidenceInterval& ci, double df, double scale = 1) {
  m.difference = ci.estimate / scale;
  m.lower = std::isnan(ci.half_width) ? kNaN : ci.lower() / scale;
  m.upper = std::isnan(ci.half_width) ? kNaN : ci.upper() / scale;
  if (ci.half_width == 0) m.lower = m.upper = m.difference;
  m.p_value = t_p_value(ci, 0.0, df);
  set_relative(m);
}

// A row's change once its adjusted p-value is known; `worse_sign` +1 when larger is worse,
// `beyond` whether the estimate passes the threshold.
Change classify(const MetricComparison& m, double alpha, int worse_sign, bool beyond) {
  if (std::isnan(m.adjusted_p_value) || m.adjusted_p_value > alpha || m.difference == 0)
    return Change::kNone;
  const bool worse = worse_sign > 0 ? m.difference > 0 : m.difference < 0;
  if (!worse) return Change::kImprovement;
  return beyond ? Change::kRegression : Change::kWorse;
}

}  // namespace

bool CompareResult::regressed() const {
  return std::any_of(metrics.begin(), metrics.end(),
                     [](const MetricComparison& m) { return m.change == Change::kRegression; });
}

std::vector<uint64_t> candidate_seeds(std::span<const uint64_t> base_seeds,
                                      bool independent_streams) {
  std::vector<uint64_t> out(base_seeds.begin(), base_seeds.end());
  if (independent_streams) {
    for (uint64_t& s : out) s += kIndependentSeedOffset;  // wraps modulo 2^64
  }
  return out;
}

CompareResult compare_runs(std::span<const Replication> base,
                           std::span<const Replication> candidate,
                           const models::CheckConfig& settings, const CompareOptions& options) {
  assert(base.size() == candidate.size() && !base.empty());
  CompareResult out;
  out.confidence = settings.confidence;
  out.alpha = 1 - settings.confidence;
  out.multiple_testing = options.multiple_testing.value_or(
      settings.false_discovery_rate ? MultipleTesting::kBenjaminiHochberg : MultipleTesting::kHolm);
  out.independent_streams = options.independent_streams;
  out.replications = base.size();
  out.base_fingerprint = combined_fingerprint(base);
  out.candidate_fingerprint = combined_fingerprint(candidate);
  const size_t n = base.size();
  const double level = settings.confidence;
  const double df = static_cast<double>(n) - 1;
  // How each row decides, once every row's p-value is known: (worse sign, beyond threshold).
  std::vector<std::pair<int, std::function<bool(const MetricComparison&)>>> rules;

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
    const std::string label = service_label(s);

    // Success rate and retry amplification: paired t over the replications whose ratio both
    // sides measured; base and candidate are those ratios' means, so that the difference is
    // exactly candidate - base.
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
      m.threshold = threshold;
      if (bv.empty()) {
        m.base = m.candidate = m.difference = m.lower = m.upper = m.p_value = kNaN;
        set_relative(m);
      } else {
        Accumulator ab, ac;
        for (size_t i = 0; i < bv.size(); ++i) ab.add(bv[i]), ac.add(cv[i]);
        m.base = ab.mean();
        m.candidate = ac.mean();
        set_test(m, paired_t_interval(bv, cv, level), static_cast<double>(bv.size()) - 1);
      }
      const double limit = threshold;
      const int sign = worse_sign;
      rules.emplace_back(sign, [limit, sign](const MetricComparison& x) {
        return sign > 0 ? x.difference > limit : -x.difference > limit;
      });
      out.metrics.push_back(std::move(m));
    }

    // Latency: differences of the pooled distributions' statistics, paired jackknife.
    std::vector<Histogram> bh(n), ch(n);
    for (size_t r = 0; r < n; ++r) {
      if (b[r]) bh[r] = b[r]->latency;
      if (c[r]) ch[r] = c[r]->latency;
    }
    const WeightedHistograms bw(bh), cw(ch);
    const std::vector<uint32_t> ones(n, 1);
    for (const double p : {0.0, 50.0, 90.0, 99.0}) {
      auto stat_of = [p](const WeightedHistograms& h, std::span<const uint32_t> w) {
        return p == 0 ? h.mean(w) : h.quantile(w, p).value;
      };
      MetricComparison m;
      m.service = label;
      m.metric = p == 0 ? "mean" : "p";  // (built in steps: GCC 12's -Wrestrict misfires)
      if (p != 0) m.metric += std::to_string(static_cast<int>(p));
      m.metric += " latency";
      m.method = "paired jackknife";
      m.unit = "s";
      m.base = stat_of(bw, ones) / 1e9;
      m.candidate = stat_of(cw, ones) / 1e9;
      ConfidenceInterval ci = paired_jackknife(
          n, [&](std::span<const uint32_t> w) { return stat_of(cw, w) - stat_of(bw, w); }, level);
      if (p != 0 && !std::isnan(ci.half_width)) {
        // Each percentile is known only to within its bucket: never claim more than half a
        // bucket on each side (histogram.h's 1/256), however still the jackknife is.
        const double resolution = (bw.quantile(ones, p).width + cw.quantile(ones, p).width) / 2;
        ci.half_width = std::max(ci.half_width, resolution);
      }
      set_test(m, ci, df, 1e9);
      m.threshold = settings.max_latency_increase;
      const double limit = m.threshold;
      rules.emplace_back(+1, [limit](const MetricComparison& x) { return x.relative > limit; });
      out.metrics.push_back(std::move(m));
    }

    // The whole latency distribution: P(candidate request slower than base request), tested
    // against 1/2 as the difference P - 1/2.
    MetricComparison m;
    m.service = label;
    m.metric = "P(slower)";
    m.method = "Mann-Whitney, paired jackknife";
    m.unit = "";
    m.base = 0.5;
    set_test(m, paired_jackknife(n, [&](std::span<const uint32_t> w) {
               return cw.probability_greater(w, bw, w) - 0.5;
             }, level), df);
    m.candidate = m.base + m.difference;
    m.threshold = settings.max_slower_probability;
    const double limit = m.threshold;
    rules.emplace_back(+1, [limit](const MetricComparison& x) { return x.candidate > limit; });
    out.metrics.push_back(std::move(m));
  }

  // One family: every row of this comparison that has a test.
  std::vector<double> p;
  for (const MetricComparison& m : out.metrics) p.push_back(m.p_value);
  const std::vector<double> adjusted = adjust_p_values(p, out.multiple_testing);
  for (size_t i = 0; i < out.metrics.size(); ++i) {
    MetricComparison& m = out.metrics[i];
    m.adjusted_p_value = adjusted[i];
    out.tests += std::isnan(m.p_value) ? 0 : 1;
    m.change = classify(m, out.alpha, rules[i].first, rules[i].second(m));
  }

  // A service that carried traffic in the base and none in the candidate: listed, and a row
  // (worse, not a regression: removing a service may be the point of the change).  It is seen
  // in every replication, not estimated, so it has no p-value and is no part of the family.
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
    m.p_value = m.adjusted_p_value = kNaN;
    set_relative(m);
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
