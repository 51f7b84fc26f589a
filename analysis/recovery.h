// Did the mesh recover once the chaos stopped?  The metastability verdict of a run (issue #16):
// a trigger (the timeline's actions) may push the mesh into a bad state that a sustaining
// effect (retries, a backlog) keeps after the trigger is gone (Bronson et al., HotOS 2021;
// ../shared/reference/chaos-and-overload.md section 2).
//
// Measured where users see it: the root requests as their load generators saw them (reporter
// `client`), per interval of the time series, by the summary's success rule and exact merged
// latency histograms.  Definitions:
//   - trigger: from the first timeline record to the last (an action's undo included); a kill
//     without a duration ends at the kill, so a restart's time counts as recovery time;
//   - baseline: the intervals wholly inside [warm-up, trigger start): success rate and p99;
//   - a healthy interval: it has requests, success rate >= baseline - max_success_drop_pp, and
//     p99 <= max(p99_factor x baseline p99, baseline p99 + 1 ms);
//   - recovered at: the start of the first interval at or after the trigger's end from which
//     every interval to the end of the run is healthy; recovery time = recovered at - trigger
//     end (0: at once).
// Verdicts: no trigger (no timeline), no baseline (the trigger starts before a whole interval
// after the warm-up), unaffected (every interval from the trigger on healthy), recovered (healthy
// for at least min_healthy_tail before the end), did not recover (the last interval is
// unhealthy), too short to tell (healthy again for less than min_healthy_tail, or the run ends
// less than min_healthy_tail after the trigger).
// Thread safety: a pure function of a finished MeshMetrics.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "analysis/mesh_metrics.h"
#include "simcore/time.h"

namespace meshsim::analysis {

struct RecoveryCriteria {
  double max_success_drop_pp = 1.0;
  double p99_factor = 2.0;
  simcore::Time min_healthy_tail = simcore::Time::from_s(10);
};

struct RecoveryAssessment {
  enum class Verdict { kNoTrigger, kNoBaseline, kUnaffected, kRecovered, kDidNotRecover, kTooShort };
  Verdict verdict = Verdict::kNoTrigger;
  simcore::Time trigger_start, trigger_end;
  double baseline_success_pct = 0, baseline_p99_ms = 0;
  // kRecovered (and kTooShort when healthy again near the end): the healthy tail's start, and
  // recovered_at - trigger_end (at least 0).
  simcore::Time recovered_at;
  double recovery_s = 0;
  double last_success_pct = 0, last_p99_ms = 0;  // the run's last whole interval
  // The worst interval at or after the trigger's start (lowest success; NaN without requests).
  double worst_success_pct = 0;
  simcore::Time worst_at;
  // Retry amplification per edge from the trigger's start to the end (callers' sidecars,
  // reporter source): attempts per request, worst first.
  struct Edge {
    uint32_t source_workload = 0, destination_service = 0;
    uint64_t requests = 0, attempts = 0;
    double amplification() const { return requests ? double(attempts) / double(requests) : 0; }
  };
  std::vector<Edge> edges;
  // Wasted work per destination service from the trigger's start to the end (its sidecars,
  // reporter destination): the share of the time requests spent in the service (arrival at its
  // sidecar to the answer leaving it) that went to requests their caller had given up on before
  // the answer (flag DC: a per-try timeout, an application's timeout), worst first; services
  // with no such request are left out.  The work a retry storm feeds on (reference section 2.4:
  // the server does not learn that the client gave up).
  struct Waste {
    uint32_t destination_service = 0;
    uint64_t requests = 0, abandoned = 0;
    long double time_ns = 0, abandoned_ns = 0;
    double share() const { return time_ns > 0 ? static_cast<double>(abandoned_ns / time_ns) : 0; }
  };
  std::vector<Waste> wasted;
};

const char* to_string(RecoveryAssessment::Verdict v);  // "recovered", "did not recover", ...

RecoveryAssessment assess_recovery(const MeshMetrics& metrics, const RecoveryCriteria& c = {});

// "recovered 12.0 s after the trigger ended (at 132.0 s)" and the lines below it, for the CLI.
std::string format_recovery(const RecoveryAssessment& a, const MeshMetrics& metrics);

}  // namespace meshsim::analysis
