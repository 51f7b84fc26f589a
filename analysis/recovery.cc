// The recovery verdict of a run; see recovery.h.
#include "analysis/recovery.h"

#include "policies/response_flags.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <utility>

#include <fmt/format.h>

namespace meshsim::analysis {
namespace {

using simcore::Time;
using Verdict = RecoveryAssessment::Verdict;

// The root requests (reporter client) that ended in one interval.
struct Cut {
  uint64_t requests = 0, successes = 0;
  Histogram latency;
  double success_pct() const {
    return requests ? 100.0 * double(successes) / double(requests)
                    : std::numeric_limits<double>::quiet_NaN();
  }
  double p99_ms() const { return double(latency.value_at_percentile(99)) / 1e6; }
};

}  // namespace

const char* to_string(Verdict v) {
  switch (v) {
    case Verdict::kNoTrigger: return "no trigger";
    case Verdict::kNoBaseline: return "no baseline";
    case Verdict::kUnaffected: return "unaffected";
    case Verdict::kRecovered: return "recovered";
    case Verdict::kDidNotRecover: return "did not recover";
    case Verdict::kTooShort: return "too short to tell";
  }
  return "?";
}

RecoveryAssessment assess_recovery(const MeshMetrics& m, const RecoveryCriteria& c) {
  RecoveryAssessment a;
  const auto& records = m.timeline_records();
  if (records.empty()) return a;
  a.trigger_start = a.trigger_end = records.front().at;
  for (const auto& r : records) {
    a.trigger_start = std::min(a.trigger_start, r.at);
    a.trigger_end = std::max(a.trigger_end, r.at);
  }
  const Time step = m.interval();
  const int64_t whole = m.end() / step;  // intervals [0, whole) end by the run's end
  std::vector<Cut> cuts(static_cast<size_t>(std::max<int64_t>(whole, 0)));
  const int64_t trigger_first = a.trigger_start / step;
  std::map<std::pair<uint32_t, uint32_t>, RecoveryAssessment::Edge> edges;
  std::map<uint32_t, RecoveryAssessment::Waste> waste;
  m.for_each_interval_series([&](int64_t k, const SeriesKey& key, const SeriesStats& s) {
    if (key.reporter == models::Reporter::kDestination && k >= trigger_first) {
      auto& w = waste[key.destination_service];
      w.destination_service = key.destination_service;
      w.requests += s.count;
      w.time_ns += s.latency.sum();
      if ((key.response_flags & policies::ResponseFlag::kDownstreamConnectionTermination) != 0) {
        w.abandoned += s.count;
        w.abandoned_ns += s.latency.sum();
      }
    }
    if (key.reporter == models::Reporter::kSource && k >= trigger_first &&
        key.source_workload != models::kNoWorkload) {
      auto& e = edges[{key.source_workload, key.destination_service}];
      e.source_workload = key.source_workload;
      e.destination_service = key.destination_service;
      e.requests += s.count;
      e.attempts += s.attempts;
    }
    if (key.reporter != models::Reporter::kClient || k >= whole) return;
    Cut& cut = cuts[static_cast<size_t>(k)];
    cut.requests += s.count;
    if (is_success(key.response_code, key.grpc_response_status)) cut.successes += s.count;
    cut.latency.merge(s.latency);
  });
  for (const auto& [_, e] : edges) a.edges.push_back(e);
  for (const auto& [_, w] : waste)
    if (w.abandoned > 0) a.wasted.push_back(w);
  std::stable_sort(a.wasted.begin(), a.wasted.end(), [](const auto& x, const auto& y) { return x.share() > y.share(); });
  std::stable_sort(a.edges.begin(), a.edges.end(),
                   [](const auto& x, const auto& y) { return x.amplification() > y.amplification(); });

  // Baseline: the whole intervals between the warm-up and the trigger.
  Cut base;
  for (int64_t k = 0; k < whole; ++k) {
    if (step * k < m.warmup() || step * (k + 1) > a.trigger_start) continue;
    base.requests += cuts[k].requests;
    base.successes += cuts[k].successes;
    base.latency.merge(cuts[k].latency);
  }
  if (base.requests == 0) {
    a.verdict = Verdict::kNoBaseline;
    return a;
  }
  a.baseline_success_pct = base.success_pct();
  a.baseline_p99_ms = base.p99_ms();
  const double p99_limit = std::max(c.p99_factor * a.baseline_p99_ms, a.baseline_p99_ms + 1.0);
  auto healthy = [&](const Cut& cut) {
    return cut.requests > 0 && cut.success_pct() >= a.baseline_success_pct - c.max_success_drop_pp &&
           cut.p99_ms() <= p99_limit;
  };

  a.worst_success_pct = std::numeric_limits<double>::infinity();
  bool all_healthy = true;
  for (int64_t k = trigger_first; k < whole; ++k) {
    all_healthy = all_healthy && healthy(cuts[k]);
    const double s = cuts[k].requests ? cuts[k].success_pct() : 0.0;
    if (s < a.worst_success_pct) {
      a.worst_success_pct = s;
      a.worst_at = step * k;
    }
  }
  if (m.end() - a.trigger_end < c.min_healthy_tail) {
    a.verdict = all_healthy ? Verdict::kUnaffected : Verdict::kTooShort;
    return a;
  }
  if (all_healthy) {
    a.verdict = Verdict::kUnaffected;
    return a;
  }
  a.last_success_pct = cuts[whole - 1].success_pct();
  a.last_p99_ms = cuts[whole - 1].requests ? cuts[whole - 1].p99_ms() : 0.0;
  // The healthy tail: walk back from the end while intervals are healthy.
  int64_t first = whole;
  while (first > a.trigger_end / step && healthy(cuts[first - 1])) --first;
  if (first == whole) {
    a.verdict = Verdict::kDidNotRecover;  // unhealthy to the end
    return a;
  }
  a.recovered_at = std::max(step * first, a.trigger_end);
  a.recovery_s = (a.recovered_at - a.trigger_end).to_seconds();
  // Healthy again, but for too short a time before the end to call it recovered.
  a.verdict = m.end() - a.recovered_at < c.min_healthy_tail ? Verdict::kTooShort : Verdict::kRecovered;
  return a;
}

std::string format_recovery(const RecoveryAssessment& a, const MeshMetrics& m) {
  if (a.verdict == Verdict::kNoTrigger) return "";
  std::string out = fmt::format(
      "Recovery (root requests as the load generators saw them; trigger {:.1f}-{:.1f} s)\n",
      a.trigger_start.to_seconds(), a.trigger_end.to_seconds());
  if (a.verdict == Verdict::kNoBaseline) {
    return out + "  no baseline: no whole interval between the warm-up and the trigger\n";
  }
  out += fmt::format("  baseline {:.2f}% success, p99 {:.2f} ms\n", a.baseline_success_pct,
                     a.baseline_p99_ms);
  switch (a.verdict) {
    case Verdict::kUnaffected: out += "  unaffected: every interval stayed healthy\n"; break;
    case Verdict::kRecovered:
      out += fmt::format("  recovered {:.1f} s after the trigger ended (healthy from {:.1f} s)\n",
                         a.recovery_s, a.recovered_at.to_seconds());
      break;
    case Verdict::kDidNotRecover:
      out += fmt::format("  DID NOT RECOVER: still unhealthy in the last interval, {:.1f} s after the "
                         "trigger ended ({:.2f}% success, p99 {:.2f} ms)\n",
                         (m.end() - a.trigger_end).to_seconds(), a.last_success_pct, a.last_p99_ms);
      break;
    case Verdict::kTooShort:
      out += a.recovered_at > Time::zero()
                 ? fmt::format("  too short to tell: healthy from {:.1f} s, less than 10 s before "
                               "the end\n", a.recovered_at.to_seconds())
                 : std::string("  too short to tell: the run ends less than 10 s after the trigger\n");
      break;
    default: break;
  }
  out += fmt::format("  worst interval: {:.2f}% success at {:.1f} s\n", a.worst_success_pct,
                     a.worst_at.to_seconds());
  std::string amp;
  for (size_t i = 0; i < std::min<size_t>(a.edges.size(), 3); ++i) {
    const auto& e = a.edges[i];
    amp += fmt::format("{}{} -> {} {:.2f}x", i ? ", " : "", m.workload_name(e.source_workload),
                       m.service_name(e.destination_service), e.amplification());
  }
  if (!amp.empty()) out += "  retry amplification since the trigger (attempts per request): " + amp + "\n";
  std::string waste;
  for (size_t i = 0; i < std::min<size_t>(a.wasted.size(), 3); ++i) {
    const auto& w = a.wasted[i];
    waste += fmt::format("{}{} {:.1f}% ({} of {} requests)", i ? ", " : "", m.service_name(w.destination_service),
                         100.0 * w.share(), w.abandoned, w.requests);
  }
  if (!waste.empty())
    out += "  wasted work since the trigger (time in the service spent on requests their callers had given up): " +
           waste + "\n";
  return out;
}

}  // namespace meshsim::analysis
