// Aggregation of TCP connection records into Istio's TCP metrics; see tcp_metrics.h.
#include "analysis/tcp_metrics.h"

#include <algorithm>
#include <cassert>

#include "policies/response_flags.h"

namespace meshsim::analysis {
namespace {

// The flags that say a connection failed: its upstream connect failed (UF, with URX when
// retries ran out) or the cluster's maxConnections refused it (UO).
constexpr uint32_t kFailureFlags =
    policies::kUpstreamConnectionFailure | policies::kUpstreamOverflow;

}  // namespace

void TcpStats::add(const TcpStats& other) {
  connections_opened += other.connections_opened;
  connections_closed += other.connections_closed;
  sent_bytes += other.sent_bytes;
  received_bytes += other.received_bytes;
}

uint64_t TcpServiceStats::failed_total() const {
  uint64_t n = 0;
  for (const auto& [flags, count] : failed) n += count;
  return n;
}

TcpMetrics::TcpMetrics(simcore::Time warmup, simcore::Time interval)
    : warmup_(warmup), interval_(interval) {
  assert(interval > simcore::Time::zero() && "TcpMetrics: interval must be > 0");
}

void TcpMetrics::record(std::span<const models::TcpRecord> records) {
  assert((records.empty() || interval_ > simcore::Time::zero()) &&
         "TcpMetrics::record before MeshMetrics::begin");
  for (const models::TcpRecord& r : records) {
    if (r.at < warmup_) {
      ++dropped_;
      continue;
    }
    const TcpKey key{r.reporter, r.source_workload, r.destination_service, r.destination_workload,
                     r.response_flags};
    TcpStats add;
    add.connections_opened = r.kind == models::TcpRecord::kOpened ? 1 : 0;
    add.connections_closed = r.kind == models::TcpRecord::kClosed ? 1 : 0;
    add.sent_bytes = r.sent_bytes;
    add.received_bytes = r.received_bytes;

    const auto slot = static_cast<size_t>(r.at / interval_);
    if (slot >= intervals_.size()) intervals_.resize(slot + 1);
    intervals_[slot][key].add(add);
    totals_[key].add(add);
    ++recorded_;
  }
}

void TcpMetrics::for_each_interval(
    const std::function<void(int64_t, const TcpKey&, const TcpStats&)>& f) const {
  for (size_t k = 0; k < intervals_.size(); ++k) {
    for (const auto& [key, stats] : intervals_[k]) f(static_cast<int64_t>(k), key, stats);
  }
}

void TcpMetrics::for_each_total(
    const std::function<void(const TcpKey&, const TcpStats&)>& f) const {
  for (const auto& [key, stats] : totals_) f(key, stats);
}

std::vector<TcpServiceStats> TcpMetrics::services() const {
  // Per service, the first reporter in the order source, destination, client that has series
  // (Reporter's values are that order).
  std::map<uint32_t, models::Reporter> chosen;
  for (const auto& [key, stats] : totals_) {
    auto [it, inserted] = chosen.emplace(key.destination_service, key.reporter);
    if (!inserted) it->second = std::min(it->second, key.reporter);
  }
  struct Accumulator {
    TcpServiceStats service;
    std::map<uint32_t, uint64_t> failed;  // by flag bits
  };
  std::map<uint32_t, Accumulator> acc;
  for (const auto& [key, stats] : totals_) {
    const models::Reporter reporter = chosen.at(key.destination_service);
    if (key.reporter != reporter) continue;
    Accumulator& a = acc[key.destination_service];
    a.service.destination_service = key.destination_service;
    a.service.reporter = reporter;
    a.service.stats.add(stats);
    if ((key.response_flags & kFailureFlags) != 0 && stats.connections_closed > 0) {
      a.failed[key.response_flags] += stats.connections_closed;
    }
  }
  std::vector<TcpServiceStats> out;
  out.reserve(acc.size());
  for (auto& [service, a] : acc) {
    for (const auto& [bits, n] : a.failed) {
      a.service.failed.emplace_back(policies::response_flags_string(bits), n);
    }
    std::sort(a.service.failed.begin(), a.service.failed.end(), [](const auto& x, const auto& y) {
      return x.second != y.second ? x.second > y.second : x.first < y.first;
    });
    out.push_back(std::move(a.service));
  }
  return out;
}

}  // namespace meshsim::analysis
