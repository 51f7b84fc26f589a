// `meshsim check` and `meshsim compare` below the command line: running replications of a
// scenario (in parallel, deterministically), judging its expectations with confidence
// intervals, and comparing two variants of a scenario under common random numbers.
//
// Replications.  Replication r (0-based) of a scenario runs it with seed experiment.seed + r and
// nothing else changed, so replication 0 is exactly `meshsim run` (same fingerprint), and the
// base and candidate of a comparison run with the same seeds (common random numbers: every
// random stream is keyed by seed, entity and purpose, simcore/rng.h).  They run through the one
// runner (runner.h), on a pool of threads, so results do not depend on the number of threads
// or on which thread ran what.
//
// Check verdicts.  An expectation's value is measured once per replication (ExpectationProbe);
// the estimate is their mean and the interval a Student-t interval over replications at the
// scenario's confidence level.  With bound "at least x" (e.g. success rate >= 99 %):
//   pass      the whole interval satisfies the bound (lower >= x)
//   marginal  the estimate satisfies it but the interval reaches past x: more replications
//             would be needed to be sure; a failure only under --strict
//   fail      the estimate does not satisfy it
//   no data   some replication counted no request for it (a check that measures nothing is
//             a broken check, so this fails)
// and symmetrically for "at most".
//
// Compare verdicts.  Per service that carried requests in both variants, each metric's
// difference, candidate - base in the metric's own unit (a fraction for success rate, seconds
// for latency, attempts per request for amplification, a probability for P(slower)), gets an
// interval at the scenario's confidence level and a two-sided p-value of "no change":
//   success rate, retry amplification   paired t over replications (per-run ratios)
//   mean, p50, p90, p99 latency         difference of the pooled distributions' statistic,
//                                       delete-one-replication-pair jackknife, t quantile;
//                                       a percentile is interpolated within its bucket and its
//                                       interval is never narrower than the histogram's
//                                       resolution there (paired_statistics.h)
//   P(slower)                           Mann-Whitney probability that a candidate request is
//                                       slower than a base request, paired jackknife
// The p-values of all rows of one comparison are adjusted together (multiple_testing.h: Holm
// by default, Benjamini-Hochberg as an option), and a row is significant when its adjusted
// p-value is at most alpha = 1 - confidence.  The intervals are each row's own (unadjusted).
// A service with traffic in the base and none in the candidate gets a "requests" row, worse
// (no test: it is not a sampling question).  Significant and in the bad direction is "worse";
// worse by more than the threshold (models::CheckConfig) is a "regression", and any regression
// fails the comparison.
//
// Random streams.  By default the candidate's replication r runs with the base's seed for r
// (common random numbers): an unchanged candidate is then the same runs, and a change shows
// against far less noise.  With independent streams the candidate's seeds are the base's plus
// 2^63, so no candidate run shares a seed with any base run of the same or a nearby seed range:
// what an A/A test (the same scenario on both sides) needs to see the method's false alarms.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "analysis/confidence.h"
#include "analysis/histogram.h"
#include "analysis/multiple_testing.h"
#include "analysis/runner.h"
#include "models/config.h"

namespace meshsim::analysis {

// A service's traffic in one replication, counted as MeshMetrics::services() counts it.
struct ServiceSample {
  std::string name;
  std::string namespace_;
  uint64_t requests = 0;
  uint64_t successes = 0;
  uint64_t attempts = 0;  // requests + retries
  Histogram latency;      // ns
};

// What one replication leaves behind.
struct Replication {
  uint64_t seed = 0;
  uint64_t fingerprint = 0;  // results_fingerprint of the run (as `meshsim run` prints it)
  uint64_t events = 0;
  double wall_s = 0;
  std::vector<double> expectation_values;      // per expectation of the experiment
  std::vector<uint64_t> expectation_requests;  // requests each one counted
  std::vector<ServiceSample> services;         // every catalog service, in catalog order
};

// What a check or comparison keeps of one finished run (which must have measured the
// expectations: RunOptions::expectations).
Replication replication_of(const RunOutput& run);

// Runs every job (runner.h's run_all, measuring the expectations) on `threads` threads (0: one
// per hardware thread) and keeps each one's Replication, in job order.  nullopt if `stop` (may
// be null) cut the work short.  If a job throws, the first failed job's exception (in job order)
// is rethrown after all finished.
std::optional<std::vector<Replication>> run_replications(std::span<const RunJob> jobs,
                                                         size_t threads,
                                                         const std::atomic<bool>* stop = nullptr);

// The seeds of a check: experiment.seed + r for r in [0, n).
std::vector<uint64_t> replication_seeds(const models::ExperimentConfig& experiment, uint32_t n);

// XXH3 over the replications' fingerprints in order: one number for the whole check.
uint64_t combined_fingerprint(std::span<const Replication> replications);

// ---- check ----

enum class Verdict { kPass, kMarginal, kFail, kNoData };
const char* to_string(Verdict v);  // "pass", "marginal", "fail", "no data"

struct ExpectationResult {
  models::ExpectationConfig expectation;
  std::vector<double> values;  // per replication
  uint64_t requests = 0;       // over all replications
  ConfidenceInterval interval;  // Student-t, over replications
  // The interval cut to the values the metric can take (a rate in [0, 1], a latency >= 0, an
  // amplification >= 1): what reports print and verdicts use.  NaN with one replication.
  double lower = 0, upper = 0;
  Verdict verdict = Verdict::kNoData;
  bool failed(bool strict) const {
    return verdict == Verdict::kFail || verdict == Verdict::kNoData ||
           (strict && verdict == Verdict::kMarginal);
  }
};

struct CheckResult {
  std::vector<ExpectationResult> expectations;
  std::vector<uint64_t> seeds;
  std::vector<uint64_t> fingerprints;  // per replication
  uint64_t fingerprint = 0;            // combined_fingerprint
  double confidence = 0;
  uint64_t events = 0;  // over all replications
  double wall_s = 0;    // summed over replications (CPU-ish time, not elapsed)
  bool failed(bool strict) const;
};

// Judges `experiment.expectations` on the replications (one per seed, at least one).
CheckResult evaluate_check(const models::ExperimentConfig& experiment,
                           std::span<const Replication> replications);

// ---- compare ----

enum class Change { kNone, kImprovement, kWorse, kRegression };
const char* to_string(Change c);  // "no significant change", "improvement", "worse", "regression"

struct MetricComparison {
  std::string service;    // "reviews" (or "reviews.ns" outside the default namespace)
  std::string metric;     // "success rate", "p99 latency", "retry amplification", "P(slower)"
  std::string method;     // "paired t", "paired jackknife", "Mann-Whitney, paired jackknife"
  std::string unit;       // "%", "s", "x", "" (how base, candidate and difference read)
  // Success rate and amplification: the means of the per-replication ratios the paired t
  // uses; latency: the statistic of the pooled distribution; P(slower): 1/2 and P itself.
  double base = 0;
  double candidate = 0;
  // candidate - base, in the metric's unit (a fraction for "%", seconds for "s"), everywhere.
  double difference = 0;
  double lower = 0, upper = 0;  // interval of `difference` (this row's own level)
  // difference / base, and the interval divided by base (base taken as known); +-inf when
  // base is 0 and the difference is not, 0 when both are.
  double relative = 0, relative_lower = 0, relative_upper = 0;
  double p_value = 0;           // two-sided, of "no change"; NaN when the row has no test
  double adjusted_p_value = 0;  // by CompareResult::multiple_testing over the comparison's rows
  // Beyond this, in the bad direction, a significant change fails: on `difference` for success
  // rate (a drop, as a fraction) and amplification, on `relative` for latency, on `candidate`
  // for P(slower).
  double threshold = 0;
  Change change = Change::kNone;
};

struct CompareResult {
  std::vector<MetricComparison> metrics;
  std::vector<std::string> only_in_base, only_in_candidate;  // services
  uint64_t base_fingerprint = 0, candidate_fingerprint = 0;
  double confidence = 0;
  size_t replications = 0;
  MultipleTesting multiple_testing = MultipleTesting::kHolm;
  double alpha = 0;   // 1 - confidence: the level adjusted p-values are held to
  size_t tests = 0;   // rows with a p-value: the family the adjustment spans
  bool independent_streams = false;
  bool regressed() const;
};

// How a comparison is run and decided, beyond the scenario's CheckConfig.
struct CompareOptions {
  // The multiple-testing method; none: the base's spec.check.multipleTesting (Holm by default).
  std::optional<MultipleTesting> multiple_testing;
  // The candidate runs on seeds of its own (candidate_seeds), not the base's.
  bool independent_streams = false;
};

// The candidate's seeds for the base's: the same (common random numbers), or each + 2^63.
std::vector<uint64_t> candidate_seeds(std::span<const uint64_t> base_seeds,
                                      bool independent_streams);

// Compares replications paired by index (asserted equal counts).  `settings` gives the
// thresholds and the confidence level; `options` the multiple-testing method (and whether the
// candidate ran on independent streams, which the result records for the reports).
CompareResult compare_runs(std::span<const Replication> base,
                           std::span<const Replication> candidate,
                           const models::CheckConfig& settings, const CompareOptions& options = {});

}  // namespace meshsim::analysis
