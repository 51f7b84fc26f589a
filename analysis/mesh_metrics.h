// MeshMetrics: a run's observations aggregated the way Istio's standard metrics aggregate them,
// plus the per-service and per-edge figures that `meshsim run` prints.
//
// What is kept:
//   * istio_requests_total / istio_request_duration_milliseconds per series and per interval:
//     a count, a log-linear Histogram (percentiles) and exact Istio bucket counts.
//     A series is one combination of the labels in SeriesKey (reporter, source workload,
//     destination service, destination workload, response_code, response_flags, meshsim's
//     `load`, request_protocol and grpc_response_status).  Interval k covers [k * interval, (k + 1) * interval) of simulated time (anchored
//     at 0, not at the warm-up, so intervals line up across runs); a record is filed under the
//     interval holding its `end`, which is when Prometheus would have seen the counter move.
//   * The same series totalled over the measured window [warmup, end of run].
//   * Every CallRecord whose `end` is before the warm-up is dropped (counted in dropped()).
//   * TCP connection records (models::TcpRecord) as Istio's four TCP metrics, per interval and
//     in total, with the same intervals and warm-up (filed by the record's `at`): tcp_metrics.h.
//   * Spans and timeline records, in arrival order, all of them (warm-up included: they are
//     examples to look at and a log of what happened, not statistics).
//
// Service and edge figures (services(), edges()) count each request once, where its caller saw
// it: records with reporter=source (the caller's sidecar: final outcome after retries, flags
// such as URX) from pods, and reporter=client (meshsim's load generator) for the load's own
// requests -- also when the generator runs in the mesh with a sidecar, whose reporter=source
// records (source workload unknown) are then left out so nothing counts twice.
// reporter=destination records are not used there (an attempt retried three times would
// count three times), so calls from a caller without a sidecar are missing from these figures
// (they remain in the series).  Definitions:
//   success   response_code != 0 (a reset) and response_code < 500; 4xx is a success, as in
//             Istio's dashboards' success rate.  A gRPC request also needs grpc_response_status
//             0 (OK): its response_code is 200 for nearly every failure (Kiali counts gRPC
//             errors by grpc_response_status the same way)
//   retries   sum over requests of (attempts - 1); for an in-mesh load generator, also the
//             retries its sidecar made (from the sidecar's own records, which count nothing
//             else)
//   timeouts  requests whose response_flags hold UT, or whose response_code is 504
//   rps       requests / length of the measured window in seconds
//   latency   end - start of the reporter's record; percentiles from the merged histogram
//
// Cost: per record two hash look-ups on integer keys and two O(1) histogram records; no string
// work and no allocation once a series exists.  A series' per-interval histogram is stored dense
// while its interval is recent and as its non-empty buckets once the mesh has moved two intervals
// on (exactly, see Histogram::from_parts), so long runs do not hold one dense histogram per
// series and interval.  Records may arrive in any order; a late record reopens its cell.
// Thread safety: none; the mesh feeds it from its one thread.  Reads after finish().
#pragma once

#include <compare>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "analysis/histogram.h"
#include "analysis/istio_metrics.h"
#include "analysis/tcp_metrics.h"
#include "models/observation.h"
#include "simcore/time.h"

namespace meshsim::analysis {

inline constexpr uint32_t kNoLoad = UINT32_MAX;  // CallRecord::load of a record from no Load

// The labels of one time series, as catalog indices.  Members are declared in the rows' sort
// order, so the defaulted comparison is the order of every output.
struct SeriesKey {
  models::Reporter reporter = models::Reporter::kSource;
  uint32_t source_workload = models::kNoWorkload;  // kNoWorkload: "unknown"
  uint32_t destination_service = 0;
  uint32_t destination_workload = models::kNoWorkload;  // kNoWorkload: no pod was reached
  uint16_t response_code = 0;
  uint32_t response_flags = 0;  // policies::ResponseFlag bits
  uint32_t load = kNoLoad;
  bool grpc = false;  // request_protocol: "grpc", else "http"
  // grpc_response_status (models::CallRecord); kNoGrpcResponseStatus: the empty label.
  uint8_t grpc_response_status = models::kNoGrpcResponseStatus;
  // models::CallRecord::generator: a load generator's sidecar record.  Not an Istio label: it
  // only keeps those records apart (its request is counted at reporter=client), so a workload
  // that both runs a Load (`from`) and calls the same service from its handlers has two series
  // with the same labels.
  bool generator = false;

  auto operator<=>(const SeriesKey&) const = default;
  bool operator==(const SeriesKey&) const = default;
};

struct SeriesKeyHash {
  size_t operator()(const SeriesKey& k) const noexcept;
};

// What one series accumulated (in one interval, or over the measured window).
struct SeriesStats {
  uint64_t count = 0;     // istio_requests_total
  uint64_t attempts = 0;  // sum of CallRecord::attempts (a record's 0 counts as 1)
  Histogram latency;      // end - start, ns, to 1/256: percentiles, mean, exact count/sum/min/max
  IstioDurationCounts istio_buckets;  // the same samples in Istio's duration buckets, exactly

  uint64_t retries() const { return attempts - count; }
};

// Whether a request succeeded, by the summary's rule: a response (code not 0) below 500, and for
// gRPC a grpc_response_status of OK.
bool is_success(uint16_t code, uint8_t grpc_status);

// A destination service's (edges(): one caller's) figures over the measured window.
struct TrafficStats {
  uint32_t source_workload = models::kNoWorkload;  // edges() only; kNoWorkload: the edge client
  uint32_t destination_service = 0;
  uint64_t requests = 0;
  uint64_t successes = 0;
  uint64_t retries = 0;
  uint64_t timeouts = 0;
  double rps = 0;
  Histogram latency;  // ns
  // Responses that were not 1xx-3xx (code 0 = reset included), most frequent first (ties: by
  // code).  4xx appear here although they count as successes.
  std::vector<std::pair<uint16_t, uint64_t>> error_codes;
  // gRPC requests whose grpc_response_status was not OK, by status, most frequent first.
  std::vector<std::pair<uint8_t, uint64_t>> grpc_errors;
  // Failed requests with any response flag, by the flags' Envoy string ("UO", "UF,URX", "DI,UT"),
  // most frequent first (ties: by string).  A successful request's flags (DI: a delay injected
  // into a request that then succeeded) are not errors and are not listed.
  std::vector<std::pair<std::string, uint64_t>> flags;

  // NaN when there were no requests.
  double success_percent() const;
  double percentile_ms(double p) const;  // 0 when there were no requests
};

class MeshMetrics final : public models::ObservationSink {
 public:
  // Records ending before `warmup` are dropped.
  explicit MeshMetrics(simcore::Time warmup = simcore::Time::zero());

  // ---- models::ObservationSink ----
  // Copies the catalog; `interval` > 0 (asserted).  Call once, before anything else.
  void begin(const models::MeshCatalog& catalog, simcore::Time interval) override;
  void calls(std::span<const models::CallRecord> records) override;
  void spans(std::span<const models::SpanRecord> records) override;
  void tcp(std::span<const models::TcpRecord> records) override;
  void timeline(const models::TimelineRecord& record) override;
  void finish(simcore::Time end, uint64_t events) override;

  // ---- the run ----
  const models::MeshCatalog& catalog() const { return catalog_; }
  simcore::Time warmup() const { return warmup_; }
  simcore::Time interval() const { return interval_; }
  simcore::Time end() const { return end_; }  // zero until finish()
  uint64_t events() const { return events_; }
  bool finished() const { return finished_; }
  simcore::Time measured() const;                  // end - warmup, at least zero
  uint64_t dropped() const { return dropped_; }    // CallRecords ended before the warm-up
  uint64_t recorded() const { return recorded_; }  // CallRecords kept

  // ---- series, in SeriesKey order ----
  // Calls f(interval index, key, stats) for every non-empty (interval, series), intervals in
  // increasing order, keys in SeriesKey order within each.  `stats` lives for the call only.
  void for_each_interval_series(
      const std::function<void(int64_t, const SeriesKey&, const SeriesStats&)>& f) const;
  // Calls f(key, stats) for every series over the measured window, in SeriesKey order.
  void for_each_total(const std::function<void(const SeriesKey&, const SeriesStats&)>& f) const;
  size_t total_series() const { return totals_.size(); }

  // ---- CLI figures (see the definitions above) ----
  // One entry per catalog service, in catalog order, including services nobody called.
  std::vector<TrafficStats> services() const;
  // One entry per (caller, destination service) that carried a request; the edge client first,
  // then callers in catalog order, destinations in catalog order.
  std::vector<TrafficStats> edges() const;

  // ---- TCP connections (Istio's TCP metrics; empty when the mesh proxied no TCP) ----
  const TcpMetrics& tcp_metrics() const { return tcp_; }

  const std::vector<models::SpanRecord>& span_records() const { return spans_; }
  const std::vector<models::TimelineRecord>& timeline_records() const { return timeline_; }

  // ---- label values (Istio's "unknown" for an index that names nothing) ----
  std::string_view workload_name(uint32_t workload) const;
  std::string_view workload_version(uint32_t workload) const;
  std::string_view service_name(uint32_t service) const;
  std::string_view service_namespace(uint32_t service) const;
  std::string_view service_fqdn(uint32_t service) const;
  std::string_view load_name(uint32_t load) const;
  // "client" for kNoWorkload (the edge load generator), else the workload's name.
  std::string_view edge_source_name(uint32_t workload) const;

 private:
  // A (series, interval) cell: dense histogram while recent, packed buckets once closed.
  struct Cell {
    SeriesStats stats;           // stats.latency is empty while packed
    std::vector<Bucket> packed;  // the buckets while packed
    int64_t min = 0, max = 0;    // exact statistics while packed
    long double sum = 0;
    bool is_packed = false;
  };
  using IntervalCells = std::unordered_map<SeriesKey, Cell, SeriesKeyHash>;

  static void pack(Cell& cell);
  static void unpack(Cell& cell);
  void pack_closed_intervals();

  simcore::Time warmup_;
  simcore::Time interval_ = simcore::Time::zero();
  simcore::Time end_ = simcore::Time::zero();
  uint64_t events_ = 0;
  bool begun_ = false;
  bool finished_ = false;
  uint64_t dropped_ = 0;
  uint64_t recorded_ = 0;

  models::MeshCatalog catalog_;
  std::vector<std::string> fqdns_;  // per service, built once in begin()

  std::vector<IntervalCells> intervals_;  // index = interval number
  int64_t newest_interval_ = -1;
  size_t packed_below_ = 0;  // every cell of intervals [0, packed_below_) is packed
  std::unordered_map<SeriesKey, SeriesStats, SeriesKeyHash> totals_;
  TcpMetrics tcp_;  // made in begin(), when the interval is known

  std::vector<models::SpanRecord> spans_;
  std::vector<models::TimelineRecord> timeline_;
};

}  // namespace meshsim::analysis
