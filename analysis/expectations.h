// ExpectationProbe: measures, in one run, the value each expectation of the scenario talks about
// (`meshsim check`; the language is in scenarios/README.md, "Expectations").
//
// Which requests an expectation counts.  Each request once, where its caller saw it -- the same
// rule as MeshMetrics::services() (mesh_metrics.h): reporter=source records of pods' sidecars
// (the final outcome after Envoy's retries, with its response flags and attempt count) and
// reporter=client records of the load generators; reporter=destination records never (a retried
// request would count once per attempt).  Of those, the ones
//   * to the expectation's service;
//   * with `workload` / `version`: answered by that workload, or by a pod whose `version` label
//     is that (Istio's destination_workload / destination_version labels; a request that reached
//     no pod -- UH, NR, UO at the pool -- has neither, and is left out, as a PromQL query on
//     those labels would leave it out);
//   * with `from`: made by that caller workload; with `from_load`: the load generator's own;
//   * with `load`: part of a root request of that Load, at any depth;
//   * ending in [max(warm-up, window_from), min(window_to, end of run)) -- by their end, as
//     Prometheus sees a counter move when the response is done.
// Metrics (values per run; NaN when no request matched, except throughput):
//   success rate          requests with 0 < code < 500, over requests (4xx count as success,
//                         as in Istio's dashboards; 0 is a reset)
//   latency               the percentile of end - start in seconds (percentile 0: the mean),
//                         from a Histogram (relative error <= 1/256)
//   retry amplification   upstream attempts (1 + Envoy retries, or the generator's own
//                         attempts) per request: attempts / requests.  An in-mesh generator's
//                         sidecar retries are added from that sidecar's records (which count
//                         nothing else)
//   attempts per request  attempts to the service per root request of the loads (of `load`, if
//                         given) ending in the same window: how a retry storm multiplies down a
//                         chain (a request retried 3 times at each of 3 hops is 27 here)
//   flag share            requests whose response flags include the flag, over requests
//   throughput            requests per second of the window
// Cost: per record one check of each expectation's filters (a handful of integer compares).
// Thread safety: none; one probe per run.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "analysis/histogram.h"
#include "models/config.h"
#include "models/observation.h"
#include "simcore/time.h"

namespace meshsim::analysis {

class ExpectationProbe final : public models::ObservationSink {
 public:
  ExpectationProbe(std::vector<models::ExpectationConfig> expectations, simcore::Time warmup);

  // ---- models::ObservationSink ----
  // Resolves names against the catalog.  A name the catalog lacks (the scenario loader rejects
  // those) makes that expectation match nothing.
  void begin(const models::MeshCatalog& catalog, simcore::Time interval) override;
  void calls(std::span<const models::CallRecord> records) override;
  void spans(std::span<const models::SpanRecord>) override {}
  void timeline(const models::TimelineRecord&) override {}
  void finish(simcore::Time end, uint64_t events) override;

  // One value per expectation, in order (see the header comment).  After finish().
  std::vector<double> values() const;
  // How many requests each expectation counted.
  std::vector<uint64_t> requests() const;

 private:
  struct Target {
    uint32_t service = UINT32_MAX;       // UINT32_MAX: matches nothing
    std::vector<bool> workloads;         // empty: any (else indexed by workload)
    uint32_t from = models::kNoWorkload;  // with has_from
    bool has_from = false;
    uint32_t from_load = UINT32_MAX;     // with has_from_load
    bool has_from_load = false;
    uint32_t load = UINT32_MAX;          // with has_load
    bool has_load = false;
    uint32_t flag = 0;
    simcore::Time from_time, to_time;
  };
  struct Tally {
    uint64_t requests = 0, successes = 0, attempts = 0, flagged = 0, roots = 0;
    Histogram latency;
  };

  std::vector<models::ExpectationConfig> expectations_;
  simcore::Time warmup_;
  simcore::Time end_ = simcore::Time::zero();
  std::vector<Target> targets_;
  std::vector<Tally> tallies_;
};

}  // namespace meshsim::analysis
