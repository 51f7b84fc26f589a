// Hashing the result tables; see fingerprint.h.
#include "analysis/fingerprint.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <span>
#include <string_view>
#include <type_traits>
#include <variant>

#include <xxhash.h>

namespace meshsim::analysis {

namespace {

class Hasher {
 public:
  Hasher() : state_(XXH3_createState()) { XXH3_64bits_reset(state_); }
  ~Hasher() { XXH3_freeState(state_); }
  Hasher(const Hasher&) = delete;
  Hasher& operator=(const Hasher&) = delete;

  void bytes(const void* p, size_t n) { XXH3_64bits_update(state_, p, n); }
  void text(const std::string& s) {  // length-prefixed, so ("ab","c") != ("a","bc")
    const uint64_t n = s.size();
    bytes(&n, sizeof n);
    bytes(s.data(), s.size());
  }
  // Hashes `t`'s columns but those named in `skip` (see results_fingerprint).
  void table(const std::string& name, const Table& t,
             std::span<const std::string_view> skip = {}) {
    text(name);
    for (const Column& c : t.columns) {
      if (std::find(skip.begin(), skip.end(), c.name) != skip.end()) continue;
      text(c.name);
      std::visit(
          [this](const auto& v) {
            using T = typename std::decay_t<decltype(v)>::value_type;
            const uint64_t n = v.size();
            bytes(&n, sizeof n);
            if constexpr (std::is_same_v<T, std::string>) {
              for (const auto& s : v) text(s);
            } else {
              bytes(v.data(), v.size() * sizeof(T));
            }
          },
          c.values);
    }
  }
  void matrix(const std::string& name, const Matrix& m) {
    text(name);
    const uint64_t dims[2] = {m.rows, m.cols};
    bytes(dims, sizeof dims);
    bytes(m.values.data(), m.values.size() * sizeof(uint64_t));
  }
  uint64_t digest() const { return XXH3_64bits_digest(state_); }

 private:
  XXH3_state_t* state_;
};

constexpr std::array<std::string_view, 3> kSeriesExactLatencyColumns{
    "latency_min_ns", "latency_max_ns", "latency_sum_ns"};

}  // namespace

uint64_t results_fingerprint(const ResultTables& t) {
  Hasher h;
  // The series' exact latency columns and /series/histograms came after the
  // fingerprint did; they refine what the hashed per-interval figures and /totals/histograms
  // already pin, and are left out so that a fingerprint stays comparable across versions.
  h.table("series/requests", t.series_requests, kSeriesExactLatencyColumns);
  h.matrix("series/latency_buckets", t.series_latency_buckets);
  h.table("totals/requests", t.totals_requests);
  h.matrix("totals/latency_buckets", t.totals_latency_buckets);
  h.table("totals/histograms", t.totals_histograms);
  // Only a run with TCP rows hashes the TCP tables, so that the fingerprints of runs without TCP
  // (every fingerprint made before the tables existed) stay what they were.
  if (t.series_tcp.rows() > 0 || t.totals_tcp.rows() > 0) {
    h.table("series/tcp", t.series_tcp);
    h.table("totals/tcp", t.totals_tcp);
  }
  h.table("timeline", t.timeline);
  h.table("traces", t.traces);
  return h.digest();
}

std::string fingerprint_hex(uint64_t f) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(f));
  return buf;
}

}  // namespace meshsim::analysis
