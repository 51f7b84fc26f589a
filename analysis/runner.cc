// Running one (configuration, seed) and many of them on threads; see runner.h.
#include "analysis/runner.h"

#include <algorithm>
#include <chrono>
#include <utility>

#include <fmt/format.h>

#include "analysis/expectations.h"
#include "analysis/fingerprint.h"
#include "analysis/parallel.h"
#include "analysis/resource_guard.h"
#include "models/mesh.h"

namespace meshsim::analysis {
namespace {

using simcore::Time;

// Feeds one run's observations to two sinks.
class Tee final : public models::ObservationSink {
 public:
  Tee(models::ObservationSink& a, models::ObservationSink& b) : a_(a), b_(b) {}
  void begin(const models::MeshCatalog& c, Time interval) override {
    a_.begin(c, interval);
    b_.begin(c, interval);
  }
  void calls(std::span<const models::CallRecord> r) override {
    a_.calls(r);
    b_.calls(r);
  }
  void spans(std::span<const models::SpanRecord> r) override {
    a_.spans(r);
    b_.spans(r);
  }
  void tcp(std::span<const models::TcpRecord> r) override {
    a_.tcp(r);
    b_.tcp(r);
  }
  void timeline(const models::TimelineRecord& r) override {
    a_.timeline(r);
    b_.timeline(r);
  }
  void finish(Time end, uint64_t events) override {
    a_.finish(end, events);
    b_.finish(end, events);
  }

 private:
  models::ObservationSink& a_;
  models::ObservationSink& b_;
};

bool stop_requested(const RunOptions& o) {
  return o.stop != nullptr && o.stop->load(std::memory_order_relaxed);
}

}  // namespace

RunOutput run_one(const RunJob& job, const RunOptions& options) {
  RunOutput out;
  out.seed = job.seed;
  if (stop_requested(options)) {
    out.stopped = true;
    return out;
  }
  const auto wall_start = std::chrono::steady_clock::now();
  auto wall = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  };
  models::MeshConfig config = *job.config;
  config.experiment.seed = job.seed;
  const models::ExperimentConfig& exp = config.experiment;
  models::Mesh mesh(config);
  auto metrics = std::make_unique<MeshMetrics>(exp.warmup);
  std::unique_ptr<ExpectationProbe> probe;
  std::unique_ptr<Tee> tee;
  if (options.expectations) {
    probe = std::make_unique<ExpectationProbe>(exp.expectations, exp.warmup);
    tee = std::make_unique<Tee>(*metrics, *probe);
  }
  mesh.begin(tee ? static_cast<models::ObservationSink&>(*tee) : *metrics);

  // Steps of 1/500 of the run, at most 1 s of simulated time: the stop flag and the resource
  // guards are looked at after each.
  const Time step = std::clamp(exp.duration / 500, Time::from_ms(10), Time::from_s(1));
  const GuardLimits limits = resolve_limits(exp.limits);
  for (Time t = step;; t = std::min(exp.duration, t + step)) {
    mesh.run_until(t);
    if (options.progress) options.progress({std::min(t, exp.duration), exp.duration, mesh.events(), wall()});
    if (auto why = tripped(limits, mesh.in_flight(), resident_memory_bytes(), wall())) {
      throw ResourceLimitExceeded(fmt::format("resource limit reached (seed {}): {}", job.seed,
                                              runaway_report(*why, mesh, *metrics)));
    }
    if (t >= exp.duration) break;
    if (stop_requested(options)) {
      out.stopped = true;
      out.events = mesh.events();
      out.wall_s = wall();
      return out;
    }
  }
  mesh.finish();
  out.events = mesh.events();
  out.wall_s = wall();

  RunMetadata meta = options.metadata;
  meta.seed = job.seed;
  meta.wall_time_s = out.wall_s;
  out.tables = build_result_tables(*metrics, meta);
  out.fingerprint = results_fingerprint(out.tables);
  out.metrics = std::move(metrics);
  if (probe) {
    out.expectation_values = probe->values();
    out.expectation_requests = probe->requests();
  }
  return out;
}

void run_all(std::span<const RunJob> jobs, size_t threads, const RunOptions& options,
             const std::function<void(size_t, RunOutput&&)>& done) {
  parallel_for(jobs.size(), threads, [&](size_t i) { done(i, run_one(jobs[i], options)); });
}

std::vector<RunOutput> run_all(std::span<const RunJob> jobs, size_t threads,
                               const RunOptions& options) {
  std::vector<RunOutput> out(jobs.size());
  run_all(jobs, threads, options, [&](size_t i, RunOutput&& o) { out[i] = std::move(o); });
  return out;
}

}  // namespace meshsim::analysis
