// A run's fingerprint: one 64-bit hash of everything the run observed, so that any behavioural
// change shows up in CI even where no expectation names it (OMNeT++'s habit).
//
// It is XXH3-64 over the result tables a run produces -- series, totals, histograms, the TCP
// tables when they have rows (an empty pair is left out, so a run without TCP keeps the
// fingerprint it had before they existed), timeline and traces, column names and values in
// their stored (sorted) order -- and over nothing that says
// how or when the run was made (no wall time, version, or scenario text).  Equal fingerprints mean
// equal observations.  Like OMNeT++'s, it is meant for regression checks on one platform and
// toolchain: another libm may round a sampled latency differently.
// Thread safety: pure function.
#pragma once

#include <cstdint>
#include <string>

#include "analysis/result_tables.h"

namespace meshsim::analysis {

uint64_t results_fingerprint(const ResultTables& tables);
// 16 lower-case hex digits.
std::string fingerprint_hex(uint64_t fingerprint);

}  // namespace meshsim::analysis
