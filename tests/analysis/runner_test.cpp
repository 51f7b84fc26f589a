// The runner (analysis/runner.h) on the example scenarios: it gives what `meshsim run --seed`
// prints (tests/golden/fingerprints.txt, which CTest checks against the CLI), the same results
// whatever the thread count, honours a stop flag between steps, and reports progress in order.
#include "analysis/runner.h"

#include <atomic>
#include <cmath>
#include <fstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "analysis/check.h"
#include "analysis/fingerprint.h"
#include "scenarios/scenario.h"

namespace {

using meshsim::analysis::RunJob;
using meshsim::analysis::RunOptions;
using meshsim::analysis::RunOutput;
using meshsim::analysis::RunProgress;
using meshsim::simcore::Time;

// The fingerprint tests/golden/fingerprints.txt gives for these `meshsim run` arguments.
std::string golden(const std::string& args) {
  std::ifstream in("tests/golden/fingerprints.txt");
  REQUIRE(in);
  std::string line;
  while (std::getline(in, line)) {
    const auto space = line.find("  ");
    if (line.empty() || line[0] == '#' || space == std::string::npos) continue;
    if (line.substr(space + 2) == args) return line.substr(0, space);
  }
  FAIL("no golden line for " << args);
  return "";
}

meshsim::scenarios::Scenario example(const std::string& name, Time duration) {
  auto s = meshsim::scenarios::load_scenario({"scenarios/examples/" + name});
  s.mesh.experiment.duration = duration;
  return s;
}

}  // namespace

TEST_CASE("runner: a seed's run is the one `meshsim run --seed` prints (golden fingerprints)",
          "[runner]") {
  const auto s = example("circuit-breaking", Time::from_s(10));
  for (const uint64_t seed : {1, 2}) {
    const RunOutput run = meshsim::analysis::run_one({&s.mesh, seed}, {});
    REQUIRE_FALSE(run.stopped);
    CHECK(meshsim::analysis::fingerprint_hex(run.fingerprint) ==
          golden("scenarios/examples/circuit-breaking --seed " + std::to_string(seed) +
                 " --duration 10s"));
    REQUIRE(run.metrics);
    CHECK(run.metrics->finished());
    CHECK(run.events > 0);
  }
}

TEST_CASE("runner: results do not depend on the thread count (each job owns its Mesh and sinks)",
          "[runner]") {
  const auto s = example("retry-storm", Time::from_s(40));
  std::vector<RunJob> jobs;
  for (uint64_t seed = 1; seed <= 4; ++seed) jobs.push_back({&s.mesh, seed});
  RunOptions options;
  options.expectations = true;
  const auto one = meshsim::analysis::run_all(jobs, 1, options);
  const auto three = meshsim::analysis::run_all(jobs, 3, options);
  REQUIRE(one.size() == 4);
  REQUIRE(three.size() == 4);
  for (size_t i = 0; i < jobs.size(); ++i) {
    CHECK(one[i].seed == jobs[i].seed);
    CHECK(three[i].seed == jobs[i].seed);
    CHECK(one[i].fingerprint == three[i].fingerprint);
    CHECK(one[i].events == three[i].events);
    REQUIRE(one[i].expectation_values.size() == s.mesh.experiment.expectations.size());
    for (size_t e = 0; e < one[i].expectation_values.size(); ++e) {
      // Bit-identical (NaN only where both measured nothing).
      CHECK((one[i].expectation_values[e] == three[i].expectation_values[e] ||
             (std::isnan(one[i].expectation_values[e]) &&
              std::isnan(three[i].expectation_values[e]))));
    }
    CHECK(one[i].expectation_requests == three[i].expectation_requests);
  }
  CHECK(one[0].fingerprint != one[1].fingerprint);  // the seed is the job's, not the config's
  // And check's replications are those runs, one by one.
  const auto reps = meshsim::analysis::run_replications(jobs, 2);
  REQUIRE(reps);
  for (size_t i = 0; i < jobs.size(); ++i) {
    CHECK((*reps)[i].fingerprint == one[i].fingerprint);
    CHECK((*reps)[i].expectation_requests == one[i].expectation_requests);
  }
}

TEST_CASE("runner: expectations are measured only when asked", "[runner]") {
  const auto s = example("retry-storm", Time::from_s(20));
  const RunOutput plain = meshsim::analysis::run_one({&s.mesh, 1}, {});
  RunOptions options;
  options.expectations = true;
  const RunOutput measured = meshsim::analysis::run_one({&s.mesh, 1}, options);
  CHECK(plain.expectation_values.empty());
  CHECK(measured.expectation_values.size() == s.mesh.experiment.expectations.size());
  CHECK(plain.fingerprint == measured.fingerprint);  // the probe only listens
}

TEST_CASE("runner: progress comes after every step, times increasing to the duration",
          "[runner]") {
  const auto s = example("circuit-breaking", Time::from_s(10));
  std::vector<RunProgress> seen;
  RunOptions options;
  options.progress = [&](const RunProgress& p) { seen.push_back(p); };
  const RunOutput run = meshsim::analysis::run_one({&s.mesh, 1}, options);
  // Steps of max(10 ms, duration / 500) = 20 ms.
  REQUIRE(seen.size() == 500);
  for (size_t i = 1; i < seen.size(); ++i) {
    CHECK(seen[i].simulated > seen[i - 1].simulated);
    CHECK(seen[i].events >= seen[i - 1].events);
    CHECK(seen[i].wall_s >= seen[i - 1].wall_s);
  }
  CHECK(seen.front().simulated == Time::from_ms(20));
  CHECK(seen.back().simulated == Time::from_s(10));
  CHECK(seen.back().duration == Time::from_s(10));
  CHECK(seen.back().events <= run.events);  // finish() may run the last events' flushes
  // Watching changes nothing.
  CHECK(run.fingerprint == meshsim::analysis::run_one({&s.mesh, 1}, {}).fingerprint);
}

TEST_CASE("runner: a stop flag stops a run at its next step and jobs not started at once",
          "[runner]") {
  const auto s = example("retry-storm", Time::from_s(180));
  std::atomic<bool> stop{false};
  RunOptions options;
  options.stop = &stop;
  int steps = 0;
  options.progress = [&](const RunProgress&) {
    ++steps;
    stop = true;  // as Ctrl-C would, during the first step
  };
  const RunOutput run = meshsim::analysis::run_one({&s.mesh, 1}, options);
  CHECK(run.stopped);
  CHECK(steps == 1);
  CHECK(run.events > 0);
  CHECK_FALSE(run.metrics);
  CHECK(run.tables.metadata.empty());  // nothing a caller could write by mistake

  // Set before: nothing runs; check and compare hear it as "no replications".
  std::vector<RunJob> jobs(5, RunJob{&s.mesh, 1});
  const auto outputs = meshsim::analysis::run_all(jobs, 2, options);
  for (const RunOutput& o : outputs) {
    CHECK(o.stopped);
    CHECK(o.events == 0);
  }
  CHECK(steps == 1);
  CHECK_FALSE(meshsim::analysis::run_replications(jobs, 2, &stop));
}
