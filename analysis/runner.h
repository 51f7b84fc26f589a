// Running a scenario's mesh: one (configuration, seed) start to finish, and many of them on a
// pool of threads.  The one place meshsim runs a scenario: `meshsim run`, `check` and `compare`
// and Python's run, run_many and sweep all come here, so they agree to the bit.
//
// A run is the configuration with its experiment's seed replaced by the job's seed, run to the
// experiment's duration into a MeshMetrics (and into an ExpectationProbe when asked), then laid
// out as result tables (result_tables.h) and fingerprinted (fingerprint.h).  It advances in steps
// of max(10 ms, duration / 500) of simulated time; between steps it reports progress and looks
// at the stop flag, which is how a long run stops promptly on Ctrl-C.  The mesh's results do not
// depend on how a run is cut (models/mesh.h), so a run's results depend only on the configuration
// and the seed: not on the steps, the progress callback, the thread count, or which thread ran
// which job.  Wall-clock time appears only in `wall_s` and the tables' wall_time_s/created_utc.
//
// Thread safety: run_one() touches only its own Mesh and sinks, so any number may run at once;
// the configuration is only read.  The callbacks are called on the thread that runs the job.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <vector>

#include "analysis/mesh_metrics.h"
#include "analysis/result_tables.h"
#include "models/config.h"
#include "simcore/time.h"

namespace meshsim::analysis {

struct RunJob {
  const models::MeshConfig* config = nullptr;  // outlives the run
  uint64_t seed = 0;                           // replaces config->experiment.seed
};

// Where a run is, after a step.
struct RunProgress {
  simcore::Time simulated;  // simulated time reached
  simcore::Time duration;   // the experiment's duration
  uint64_t events = 0;      // kernel events so far
  double wall_s = 0;        // wall-clock seconds since the run started
};

struct RunOptions {
  // Also measure the experiment's expectations (ExpectationProbe): `meshsim check`/`compare`.
  bool expectations = false;
  // What the tables' metadata says besides the metrics: version, sources, created_utc.  The
  // runner fills in seed and wall_time_s.
  RunMetadata metadata;
  // When it reads true, a run stops at its next step (within 1/500 of its duration) and comes
  // back stopped; jobs not yet started come back stopped without running.  May be null.
  const std::atomic<bool>* stop = nullptr;
  // Called after every step with the run's progress; times increase.  With run_all(), called
  // concurrently from the worker threads.  May be empty.
  std::function<void(const RunProgress&)> progress;
};

// What a run leaves behind.  Of a stopped run only seed, stopped, events and wall_s mean
// anything (no metrics, tables or fingerprint: callers report the stop and write nothing).
struct RunOutput {
  uint64_t seed = 0;
  bool stopped = false;
  uint64_t events = 0;
  double wall_s = 0;                       // Mesh construction to finish
  std::unique_ptr<MeshMetrics> metrics;    // finished; null if stopped
  ResultTables tables;                     // build_result_tables(*metrics, metadata)
  uint64_t fingerprint = 0;                // results_fingerprint(tables), as `meshsim run` prints
  std::vector<double> expectation_values;  // with options.expectations: ExpectationProbe::values()
  std::vector<uint64_t> expectation_requests;  // and ::requests()
};

// Runs one job to its experiment's duration (or until the stop flag is set).  Throws what the
// Mesh throws (std::invalid_argument for a configuration the scenario layer should have caught),
// and ResourceLimitExceeded (resource_guard.h) with the report of what ran away when a resource
// guard trips.
RunOutput run_one(const RunJob& job, const RunOptions& options);

// Runs every job on `threads` threads (0: one per hardware thread, never more than jobs) and
// hands each finished run to done(i, output) on the thread that ran it, so a caller keeps what it
// needs and a run's metrics need not outlive it; `done` must be safe to call concurrently for
// different i.  If jobs throw, waits for all, then rethrows the exception of the first failed
// job in job order.
void run_all(std::span<const RunJob> jobs, size_t threads, const RunOptions& options,
             const std::function<void(size_t, RunOutput&&)>& done);

// The same, keeping every output, in job order.
std::vector<RunOutput> run_all(std::span<const RunJob> jobs, size_t threads,
                               const RunOptions& options);

}  // namespace meshsim::analysis
