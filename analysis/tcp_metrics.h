// TcpMetrics: a run's TCP connection records (models::TcpRecord) aggregated into Istio's four
// TCP metrics, per time-series interval and over the measured window.  MeshMetrics owns one and
// feeds it (MeshMetrics::tcp()); the results tables, the summary and Python read it from there.
//
// What is kept, per series (one combination of the labels in TcpKey: reporter, source workload,
// destination service, destination workload, response_flags):
//   connections_opened   istio_tcp_connections_opened_total   kOpened records
//   connections_closed   istio_tcp_connections_closed_total   kClosed records
//   sent_bytes           istio_tcp_sent_bytes_total           towards the client (responses)
//   received_bytes       istio_tcp_received_bytes_total       from the client (requests)
// Every record adds its bytes, whatever its kind (the model puts bytes on kBytes records only),
// and is filed under the labels it carries: a connection whose close carries flags (UF,URX; UO)
// counts its open under "-" and its close under the flags, when the model sets them on the close
// only, as the record's contract says.
//
// Intervals are MeshMetrics': interval k covers [k * interval, (k + 1) * interval), anchored at
// 0; a record is filed under the interval holding its `at`.  A record whose `at` is before the
// warm-up is dropped (counted in dropped()), as calls are: the window's counters are the
// increases a Prometheus query over [warm-up, end] would see, so a connection opened during the
// warm-up and closed after it counts as closed and not as opened.
//
// Cost: one ordered-map look-up per record on a small integer key; TCP records are a few per
// connection, far fewer than call records.  Maps are ordered, so outputs come out sorted.
// Thread safety: none; fed from the mesh's one thread.  Reads after the run.
#pragma once

#include <compare>
#include <cstdint>
#include <functional>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "models/observation.h"
#include "simcore/time.h"

namespace meshsim::analysis {

inline constexpr std::string_view kTcpConnectionsOpened = "istio_tcp_connections_opened_total";
inline constexpr std::string_view kTcpConnectionsClosed = "istio_tcp_connections_closed_total";
inline constexpr std::string_view kTcpSentBytes = "istio_tcp_sent_bytes_total";
inline constexpr std::string_view kTcpReceivedBytes = "istio_tcp_received_bytes_total";

// The labels of one TCP series, as catalog indices.  Members are in the rows' sort order (the
// request series' order, SeriesKey, restricted to these labels).
struct TcpKey {
  models::Reporter reporter = models::Reporter::kSource;
  uint32_t source_workload = models::kNoWorkload;  // kNoWorkload: "unknown"
  uint32_t destination_service = 0;
  uint32_t destination_workload = models::kNoWorkload;  // kNoWorkload: no pod was reached
  uint32_t response_flags = 0;                          // policies::ResponseFlag bits

  auto operator<=>(const TcpKey&) const = default;
  bool operator==(const TcpKey&) const = default;
};

// What one TCP series accumulated (in one interval, or over the measured window).
struct TcpStats {
  uint64_t connections_opened = 0;
  uint64_t connections_closed = 0;
  uint64_t sent_bytes = 0;      // towards the client
  uint64_t received_bytes = 0;  // from the client

  void add(const TcpStats& other);
  bool operator==(const TcpStats&) const = default;
};

// One destination service's TCP figures over the measured window, from one reporter.
struct TcpServiceStats {
  uint32_t destination_service = 0;
  models::Reporter reporter = models::Reporter::kSource;
  TcpStats stats;
  // Connections closed with UF or UO among their flags, by the flags' Envoy string ("UF,URX"),
  // most frequent first (ties: by string).
  std::vector<std::pair<std::string, uint64_t>> failed;

  uint64_t failed_total() const;
};

class TcpMetrics {
 public:
  // Holds nothing and takes no records: MeshMetrics assigns the real one in begin().
  TcpMetrics() = default;
  // Records whose `at` is before `warmup` are dropped; `interval` > 0 (asserted).
  TcpMetrics(simcore::Time warmup, simcore::Time interval);

  void record(std::span<const models::TcpRecord> records);

  uint64_t recorded() const { return recorded_; }  // TcpRecords kept
  uint64_t dropped() const { return dropped_; }    // TcpRecords before the warm-up
  bool empty() const { return totals_.empty(); }   // no record was kept

  // Calls f(interval index, key, stats) for every non-empty (interval, series): intervals in
  // increasing order, keys in TcpKey order within each.
  void for_each_interval(
      const std::function<void(int64_t, const TcpKey&, const TcpStats&)>& f) const;
  // Calls f(key, stats) for every series over the measured window, in TcpKey order.
  void for_each_total(const std::function<void(const TcpKey&, const TcpStats&)>& f) const;

  // Per destination service with TCP series, in service-index order: its figures from
  // reporter=source (the client sidecar) if any record of it came from there, else from the
  // first of destination, client that has some.  Counting one reporter only keeps a connection
  // that crossed two sidecars from counting twice.
  std::vector<TcpServiceStats> services() const;

 private:
  simcore::Time warmup_ = simcore::Time::zero();
  simcore::Time interval_ = simcore::Time::zero();
  uint64_t recorded_ = 0;
  uint64_t dropped_ = 0;
  std::vector<std::map<TcpKey, TcpStats>> intervals_;  // index = interval number
  std::map<TcpKey, TcpStats> totals_;
};

}  // namespace meshsim::analysis
