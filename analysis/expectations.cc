// ExpectationProbe; see expectations.h.
#include "analysis/expectations.h"

#include <algorithm>
#include <limits>
#include <utility>

#include "policies/response_flags.h"

namespace meshsim::analysis {
namespace {

using models::ExpectationConfig;
using Metric = ExpectationConfig::Metric;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

uint32_t find_service(const models::MeshCatalog& c, const std::string& name,
                      const std::string& ns) {
  for (size_t i = 0; i < c.services.size(); ++i) {
    if (c.services[i].name == name && c.services[i].namespace_ == ns)
      return static_cast<uint32_t>(i);
  }
  return UINT32_MAX;
}

uint32_t find_load(const models::MeshCatalog& c, const std::string& name) {
  for (size_t i = 0; i < c.loads.size(); ++i) {
    if (c.loads[i] == name) return static_cast<uint32_t>(i);
  }
  return UINT32_MAX;
}

}  // namespace

ExpectationProbe::ExpectationProbe(std::vector<models::ExpectationConfig> expectations,
                                   simcore::Time warmup)
    : expectations_(std::move(expectations)), warmup_(warmup) {}

void ExpectationProbe::begin(const models::MeshCatalog& catalog, simcore::Time) {
  targets_.assign(expectations_.size(), Target{});
  tallies_.assign(expectations_.size(), Tally{});
  for (size_t i = 0; i < expectations_.size(); ++i) {
    const ExpectationConfig& e = expectations_[i];
    Target& t = targets_[i];
    t.service = find_service(catalog, e.service, e.namespace_);
    if (!e.workload.empty() || !e.version.empty()) {
      t.workloads.assign(catalog.workloads.size(), false);
      for (size_t w = 0; w < catalog.workloads.size(); ++w) {
        const auto& wl = catalog.workloads[w];
        t.workloads[w] = e.workload.empty() ? wl.version == e.version : wl.name == e.workload;
      }
    }
    if (!e.from.empty()) {
      t.has_from = true;
      t.from = UINT32_MAX - 1;  // matches no record unless found
      for (size_t w = 0; w < catalog.workloads.size(); ++w) {
        if (catalog.workloads[w].name == e.from) t.from = static_cast<uint32_t>(w);
      }
    }
    if (!e.from_load.empty()) {
      t.has_from_load = true;
      t.from_load = find_load(catalog, e.from_load);
    }
    if (!e.load.empty()) {
      t.has_load = true;
      t.load = find_load(catalog, e.load);
    }
    if (e.metric == Metric::kFlagShare) t.flag = policies::response_flag_from_string(e.flag);
    t.from_time = std::max(warmup_, e.window_from);
    t.to_time = e.window_to;
  }
}

void ExpectationProbe::calls(std::span<const models::CallRecord> records) {
  for (const models::CallRecord& r : records) {
    const bool client = r.reporter == models::Reporter::kClient;
    // Each request once, at its caller (see the header): never the destination's record.  The
    // sidecar record of an in-mesh load generator (reporter=source, CallRecord::generator) counts
    // only the retries Envoy made there; its request is counted by the client record.
    if (r.reporter == models::Reporter::kDestination) continue;
    const bool generator_sidecar = !client && (r.generator || r.source_workload == models::kNoWorkload);
    const bool as_client = client || generator_sidecar;
    const uint64_t attempts = r.attempts == 0 ? 1 : r.attempts;
    for (size_t i = 0; i < targets_.size(); ++i) {
      const Target& t = targets_[i];
      if (r.end < t.from_time || r.end >= t.to_time) continue;
      Tally& tally = tallies_[i];
      if (client && (!t.has_load || r.load == t.load)) ++tally.roots;
      if (r.destination_service != t.service) continue;
      if (!t.workloads.empty() && (r.destination_workload >= t.workloads.size() ||
                                   !t.workloads[r.destination_workload]))
        continue;
      // A pod's calls: its handlers' at its sidecar, a Load's run in it (`from`) at the generator.
      if (t.has_from && r.source_workload != t.from) continue;
      if (t.has_from_load && (!as_client || r.load != t.from_load)) continue;
      if (t.has_load && r.load != t.load) continue;
      if (generator_sidecar) {
        tally.attempts += attempts - 1;
        continue;
      }
      ++tally.requests;
      tally.attempts += attempts;
      // A gRPC request fails on a non-OK grpc_response_status whatever its response_code.
      if (r.response_code != 0 && r.response_code < 500 &&
          (r.grpc_response_status == models::kNoGrpcResponseStatus || r.grpc_response_status == 0))
        ++tally.successes;
      if ((r.response_flags & t.flag) != 0) ++tally.flagged;
      tally.latency.record(r.end - r.start);
    }
  }
}

void ExpectationProbe::finish(simcore::Time end, uint64_t) { end_ = end; }

std::vector<uint64_t> ExpectationProbe::requests() const {
  std::vector<uint64_t> out;
  for (const Tally& t : tallies_) out.push_back(t.requests);
  return out;
}

std::vector<double> ExpectationProbe::values() const {
  std::vector<double> out;
  out.reserve(expectations_.size());
  for (size_t i = 0; i < expectations_.size(); ++i) {
    const ExpectationConfig& e = expectations_[i];
    const Tally& t = tallies_[i];
    const double n = static_cast<double>(t.requests);
    double v = kNaN;
    switch (e.metric) {
      case Metric::kSuccessRate:
        if (t.requests) v = static_cast<double>(t.successes) / n;
        break;
      case Metric::kLatency:
        if (t.requests) {
          v = e.percentile == 0 ? t.latency.mean() / 1e9
                                : static_cast<double>(t.latency.value_at_percentile(e.percentile)) /
                                      1e9;
        }
        break;
      case Metric::kRetryAmplification:
        if (t.requests) v = static_cast<double>(t.attempts) / n;
        break;
      case Metric::kAttemptsPerRoot:
        if (t.roots) v = static_cast<double>(t.attempts) / static_cast<double>(t.roots);
        break;
      case Metric::kFlagShare:
        if (t.requests) v = static_cast<double>(t.flagged) / n;
        break;
      case Metric::kThroughput: {
        const simcore::Time from = targets_[i].from_time;
        const simcore::Time to = std::min(targets_[i].to_time, end_);
        if (to > from) v = n / (to - from).to_seconds();
        break;
      }
    }
    out.push_back(v);
  }
  return out;
}

}  // namespace meshsim::analysis
