// The text summary that `meshsim run` prints after a run: a per-service table, a per-edge table,
// the TCP connections per service (when there were any) and the chaos timeline, in a
// terminal-friendly layout.
//
// The figures are MeshMetrics::services() and edges() (see mesh_metrics.h for what each column
// means and which reporter they come from).  Output is deterministic: same metrics, same text,
// byte for byte (no wall-clock, no locale: numbers are printed in the "C" style).
// Thread safety: reads the metrics only.
#pragma once

#include <cstddef>
#include <string>

#include "analysis/mesh_metrics.h"

namespace meshsim::analysis {

struct SummaryOptions {
  size_t top_codes = 2;       // most frequent error codes per row ("503×12").  Default: 2.
  size_t top_flags = 2;       // most frequent response flags per row ("UO×12").  Default: 2.
  bool idle_services = true;  // list services that received no request.  Default: yes.
};

// Example (columns sized to their contents; names are short service names, or name.namespace
// when the mesh spans several namespaces; "errors" lists the top codes, then the top flags):
//
//   Run: 30.000 s simulated, warm-up 10.000 s, measured 20.000 s, interval 5.000 s, 123456 events
//
//   Services (as their callers saw them: reporter=source, or client for edge traffic)
//   service      requests   rps  success %  p50 ms  p90 ms  p99 ms  retries  timeouts  errors
//   -----------  --------  ----  ---------  ------  ------  ------  -------  --------  -----------
//   productpage        10  0.50     100.00    5.00    9.01    9.99        0         0  -
//   reviews             6  0.30      66.67    2.00   29.95   29.95        2         1  503×1 UO×1
//
//   Edges (caller -> destination service)
//   source          destination  requests   rps  success %  ...
//   client          productpage        10  0.50     100.00  ...
//
//   TCP connections (reporter=source if the service has any, else destination)
//   service  reporter  opened  closed  failed  sent bytes  received bytes  failures
//   -------  --------  ------  ------  ------  ----------  --------------  --------
//   mysql    source        12      12       2      480000           12000  UF,URX×1 UO×1
//
//   Timeline
//     12.000 s  inject 503 into ratings
//     22.000 s  end: inject 503 into ratings
//
// A service or edge without requests shows "-" in every figure column.  The TCP section is
// printed only when the run kept TCP connection records (TcpMetrics::services(): one reporter
// per service; "failed" counts connections closed with UF or UO among their flags, and
// "failures" lists the top_flags most frequent of those flag strings).
std::string format_summary(const MeshMetrics& metrics, const SummaryOptions& options = {});

}  // namespace meshsim::analysis
