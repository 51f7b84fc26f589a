// Aggregation of a run's observations into Istio-style series; see mesh_metrics.h.
#include "analysis/mesh_metrics.h"

#include <algorithm>
#include <cassert>
#include <limits>
#include <map>

#include "analysis/istio_metrics.h"
#include "policies/response_flags.h"

namespace meshsim::analysis {
namespace {

// MurmurHash3's 64-bit finaliser: every input bit affects every output bit.
uint64_t fmix64(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return x;
}

bool is_grpc_error(uint8_t grpc_status) {
  return grpc_status != models::kNoGrpcResponseStatus && grpc_status != 0;
}
bool is_error_code(uint16_t code) { return code < 100 || code >= 400; }
bool is_timeout(uint16_t code, uint32_t flags) {
  return (flags & policies::kUpstreamRequestTimeout) != 0 || code == 504;
}

// Service and edge figures count each request once, where its caller saw it (see the header):
// a pod's call at its sidecar (source), a load generator's request at the generator (client).
// An in-mesh load generator also has a sidecar, whose source record would count it twice.
// The sidecar of an in-mesh load generator (its own, with no source workload, or its pod's for
// a Load `from` a workload, marked `generator`): its requests are counted by the generator's
// client records, but the retries Envoy made for them are only here.
bool generator_sidecar(const SeriesKey& key) {
  return key.reporter == models::Reporter::kSource &&
         (key.generator || key.source_workload == models::kNoWorkload);
}

bool counts_for_traffic(const SeriesKey& key) {
  if (key.reporter == models::Reporter::kClient) return true;
  return key.reporter == models::Reporter::kSource && !generator_sidecar(key);
}

struct TrafficAccumulator {
  TrafficStats stats;
  std::map<uint16_t, uint64_t> codes;
  std::map<uint8_t, uint64_t> grpc_codes;
  std::map<uint32_t, uint64_t> flags;

  void add(const SeriesKey& key, const SeriesStats& s) {
    stats.requests += s.count;
    stats.retries += s.retries();
    if (is_success(key.response_code, key.grpc_response_status)) stats.successes += s.count;
    if (is_grpc_error(key.grpc_response_status)) grpc_codes[key.grpc_response_status] += s.count;
    if (is_timeout(key.response_code, key.response_flags)) stats.timeouts += s.count;
    if (is_error_code(key.response_code)) codes[key.response_code] += s.count;
    // Only failed requests' flags: the summary's "errors" column lists errors, so a delay
    // injected into a request that then succeeded (DI) is not one (issue #15 item 4).
    if (key.response_flags != 0 && !is_success(key.response_code, key.grpc_response_status))
      flags[key.response_flags] += s.count;
    stats.latency.merge(s.latency);
  }

  TrafficStats finish(double measured_s) && {
    stats.rps = measured_s > 0 ? static_cast<double>(stats.requests) / measured_s : 0.0;
    stats.error_codes.assign(codes.begin(), codes.end());
    std::stable_sort(stats.error_codes.begin(), stats.error_codes.end(),
                     [](const auto& a, const auto& b) { return a.second > b.second; });
    stats.grpc_errors.assign(grpc_codes.begin(), grpc_codes.end());
    std::stable_sort(stats.grpc_errors.begin(), stats.grpc_errors.end(),
                     [](const auto& a, const auto& b) { return a.second > b.second; });
    for (const auto& [bits, n] : flags) {
      stats.flags.emplace_back(policies::response_flags_string(bits), n);
    }
    std::sort(stats.flags.begin(), stats.flags.end(), [](const auto& a, const auto& b) {
      return a.second != b.second ? a.second > b.second : a.first < b.first;
    });
    return std::move(stats);
  }
};

}  // namespace

bool is_success(uint16_t code, uint8_t grpc_status) {
  return code != 0 && code < 500 &&
         (grpc_status == models::kNoGrpcResponseStatus || grpc_status == 0);
}

size_t SeriesKeyHash::operator()(const SeriesKey& k) const noexcept {
  const uint64_t a = k.source_workload | (uint64_t{k.destination_workload} << 32);
  const uint64_t b = k.destination_service | (uint64_t{k.load} << 32);
  const uint64_t c = k.response_flags | (uint64_t{k.response_code} << 32) |
                     (uint64_t{static_cast<uint8_t>(k.reporter)} << 48) |
                     (uint64_t{k.grpc_response_status} << 50) | (uint64_t{k.grpc} << 58) |
                     (uint64_t{k.generator} << 59);
  return static_cast<size_t>(fmix64(a ^ fmix64(b ^ fmix64(c))));
}

double TrafficStats::success_percent() const {
  if (requests == 0) return std::numeric_limits<double>::quiet_NaN();
  return 100.0 * static_cast<double>(successes) / static_cast<double>(requests);
}

double TrafficStats::percentile_ms(double p) const {
  return static_cast<double>(latency.value_at_percentile(p)) / 1e6;
}

MeshMetrics::MeshMetrics(simcore::Time warmup) : warmup_(warmup) {
  assert(warmup >= simcore::Time::zero() && "MeshMetrics: negative warm-up");
}

void MeshMetrics::begin(const models::MeshCatalog& catalog, simcore::Time interval) {
  assert(!begun_ && "MeshMetrics::begin called twice");
  assert(interval > simcore::Time::zero() && "MeshMetrics: interval must be > 0");
  begun_ = true;
  catalog_ = catalog;
  interval_ = interval;
  tcp_ = TcpMetrics(warmup_, interval_);
  fqdns_.clear();
  fqdns_.reserve(catalog_.services.size());
  for (const auto& s : catalog_.services) fqdns_.push_back(s.fqdn());
}

void MeshMetrics::calls(std::span<const models::CallRecord> records) {
  assert(begun_ && !finished_ && "MeshMetrics::calls outside begin()..finish()");
  for (const models::CallRecord& r : records) {
    if (r.end < warmup_) {
      ++dropped_;
      continue;
    }
    assert(r.end >= r.start && "CallRecord ends before it starts");
    const SeriesKey key{r.reporter,
                        r.source_workload,
                        r.destination_service,
                        r.destination_workload,
                        r.response_code,
                        r.response_flags,
                        r.load,
                        r.grpc,
                        r.grpc_response_status,
                        r.generator};
    const int64_t latency = (r.end - r.start).ns();
    const uint64_t attempts = r.attempts == 0 ? 1 : r.attempts;

    const int64_t k = r.end / interval_;
    const size_t slot = static_cast<size_t>(k);
    if (slot >= intervals_.size()) intervals_.resize(slot + 1);
    Cell& cell = intervals_[slot][key];
    if (cell.is_packed) unpack(cell);  // a late record for a closed interval (rare)
    cell.stats.count += 1;
    cell.stats.attempts += attempts;
    cell.stats.latency.record(latency);
    cell.stats.istio_buckets.record(latency);
    if (slot < packed_below_) pack(cell);
    newest_interval_ = std::max(newest_interval_, k);

    SeriesStats& total = totals_[key];
    total.count += 1;
    total.attempts += attempts;
    total.latency.record(latency);
    total.istio_buckets.record(latency);
    ++recorded_;
  }
  pack_closed_intervals();
}

void MeshMetrics::spans(std::span<const models::SpanRecord> records) {
  spans_.insert(spans_.end(), records.begin(), records.end());
}

void MeshMetrics::tcp(std::span<const models::TcpRecord> records) {
  assert(begun_ && !finished_ && "MeshMetrics::tcp outside begin()..finish()");
  tcp_.record(records);
}

void MeshMetrics::timeline(const models::TimelineRecord& record) { timeline_.push_back(record); }

void MeshMetrics::finish(simcore::Time end, uint64_t events) {
  assert(begun_ && !finished_ && "MeshMetrics::finish without begin() or twice");
  finished_ = true;
  end_ = end;
  events_ = events;
}

simcore::Time MeshMetrics::measured() const {
  return end_ > warmup_ ? end_ - warmup_ : simcore::Time::zero();
}

void MeshMetrics::pack(Cell& cell) {
  cell.packed = cell.stats.latency.buckets();
  cell.min = cell.stats.latency.min();
  cell.max = cell.stats.latency.max();
  cell.sum = cell.stats.latency.sum();
  cell.stats.latency = Histogram();  // releases the dense storage
  cell.is_packed = true;
}

void MeshMetrics::unpack(Cell& cell) {
  cell.stats.latency = Histogram::from_parts(cell.packed, cell.min, cell.max, cell.sum);
  cell.packed = {};
  cell.is_packed = false;
}

void MeshMetrics::pack_closed_intervals() {
  // Intervals older than the one before the newest are closed when records arrive in end order,
  // which is how the mesh emits them.
  while (static_cast<int64_t>(packed_below_) + 1 < newest_interval_) {
    for (auto& [key, cell] : intervals_[packed_below_]) {
      if (!cell.is_packed) pack(cell);
    }
    ++packed_below_;
  }
}

void MeshMetrics::for_each_interval_series(
    const std::function<void(int64_t, const SeriesKey&, const SeriesStats&)>& f) const {
  std::vector<const IntervalCells::value_type*> order;
  for (size_t k = 0; k < intervals_.size(); ++k) {
    order.clear();
    for (const auto& entry : intervals_[k]) order.push_back(&entry);
    std::sort(order.begin(), order.end(),
              [](const auto* a, const auto* b) { return a->first < b->first; });
    for (const auto* entry : order) {
      const Cell& cell = entry->second;
      if (!cell.is_packed) {
        f(static_cast<int64_t>(k), entry->first, cell.stats);
      } else {
        const SeriesStats unpacked{cell.stats.count, cell.stats.attempts,
                                   Histogram::from_parts(cell.packed, cell.min, cell.max, cell.sum),
                                   cell.stats.istio_buckets};
        f(static_cast<int64_t>(k), entry->first, unpacked);
      }
    }
  }
}

void MeshMetrics::for_each_total(
    const std::function<void(const SeriesKey&, const SeriesStats&)>& f) const {
  std::vector<const decltype(totals_)::value_type*> order;
  order.reserve(totals_.size());
  for (const auto& entry : totals_) order.push_back(&entry);
  std::sort(order.begin(), order.end(),
            [](const auto* a, const auto* b) { return a->first < b->first; });
  for (const auto* entry : order) f(entry->first, entry->second);
}

std::vector<TrafficStats> MeshMetrics::services() const {
  std::vector<TrafficAccumulator> acc(catalog_.services.size());
  for (size_t i = 0; i < acc.size(); ++i)
    acc[i].stats.destination_service = static_cast<uint32_t>(i);
  for (const auto& [key, stats] : totals_) {
    if (key.destination_service >= acc.size()) continue;
    if (counts_for_traffic(key)) {
      acc[key.destination_service].add(key, stats);
    } else if (generator_sidecar(key)) {
      acc[key.destination_service].stats.retries += stats.retries();
    }
  }
  const double measured_s = static_cast<double>(measured().ns()) / 1e9;
  std::vector<TrafficStats> out;
  out.reserve(acc.size());
  for (auto& a : acc) out.push_back(std::move(a).finish(measured_s));
  return out;
}

std::vector<TrafficStats> MeshMetrics::edges() const {
  // Ordered by (caller, destination) with the edge client (-1) first.
  std::map<std::pair<int64_t, uint32_t>, TrafficAccumulator> acc;
  for (const auto& [key, stats] : totals_) {
    if (generator_sidecar(key)) {  // the generator's Envoy retries (see services())
      const int64_t caller = key.source_workload == models::kNoWorkload ? -1 : int64_t{key.source_workload};
      TrafficAccumulator& a = acc[{caller, key.destination_service}];
      a.stats.source_workload = key.source_workload;
      a.stats.destination_service = key.destination_service;
      a.stats.retries += stats.retries();
      continue;
    }
    if (!counts_for_traffic(key)) continue;
    const int64_t caller =
        key.source_workload == models::kNoWorkload ? -1 : int64_t{key.source_workload};
    TrafficAccumulator& a = acc[{caller, key.destination_service}];
    a.stats.source_workload = key.source_workload;
    a.stats.destination_service = key.destination_service;
    a.add(key, stats);
  }
  const double measured_s = static_cast<double>(measured().ns()) / 1e9;
  std::vector<TrafficStats> out;
  out.reserve(acc.size());
  for (auto& [edge, a] : acc) out.push_back(std::move(a).finish(measured_s));
  return out;
}

std::string_view MeshMetrics::workload_name(uint32_t w) const {
  return w < catalog_.workloads.size() ? std::string_view(catalog_.workloads[w].name) : kUnknown;
}

std::string_view MeshMetrics::workload_version(uint32_t w) const {
  if (w >= catalog_.workloads.size() || catalog_.workloads[w].version.empty()) return kUnknown;
  return catalog_.workloads[w].version;
}

std::string_view MeshMetrics::service_name(uint32_t s) const {
  return s < catalog_.services.size() ? std::string_view(catalog_.services[s].name) : kUnknown;
}

std::string_view MeshMetrics::service_namespace(uint32_t s) const {
  return s < catalog_.services.size() ? std::string_view(catalog_.services[s].namespace_)
                                      : kUnknown;
}

std::string_view MeshMetrics::service_fqdn(uint32_t s) const {
  return s < fqdns_.size() ? std::string_view(fqdns_[s]) : kUnknown;
}

std::string_view MeshMetrics::load_name(uint32_t l) const {
  return l < catalog_.loads.size() ? std::string_view(catalog_.loads[l]) : kUnknown;
}

std::string_view MeshMetrics::edge_source_name(uint32_t w) const {
  return w == models::kNoWorkload ? std::string_view("client") : workload_name(w);
}

}  // namespace meshsim::analysis
