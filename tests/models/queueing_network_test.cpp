// Reproducibility of the kernel through a model: the same seed gives identical results, and
// adding an unrelated entity leaves every other entity's draws unchanged (common random numbers).
#include <catch2/catch.hpp>

#include <vector>

#include "models/queueing_network.h"
#include "simcore/distribution.h"

using meshsim::models::QueueingNetwork;
using meshsim::models::QueueingNetworkConfig;
using meshsim::simcore::Distribution;
using meshsim::simcore::Time;
using namespace meshsim::simcore::time_literals;

namespace {
struct Trace {
  std::vector<std::pair<int64_t, int64_t>> visits_of_a;  // (arrived, departed) at station 0
  uint64_t exits = 0;
  void on_visit(uint32_t s, Time arrived, Time departed) {
    if (s == 0) visits_of_a.emplace_back(arrived.ns(), departed.ns());
  }
  void on_exit(Time, Time) { ++exits; }
};

Trace run(const QueueingNetworkConfig& cfg, Time until) {
  Trace t;
  QueueingNetwork<Trace> net(cfg, t);
  net.run_until(until);
  return t;
}

QueueingNetworkConfig station_a(uint64_t seed) {
  QueueingNetworkConfig cfg;
  cfg.stations.push_back({"a", 1, Distribution::exponential(1e-3), 700.0});
  cfg.seed = seed;
  return cfg;
}
}  // namespace

TEST_CASE("The same seed gives identical runs") {
  const auto a = run(station_a(5), 20_s);
  const auto b = run(station_a(5), 20_s);
  CHECK(a.visits_of_a.size() > 10'000);
  CHECK(a.visits_of_a == b.visits_of_a);
  CHECK(run(station_a(6), 20_s).visits_of_a != a.visits_of_a);
}

TEST_CASE("Adding an unrelated station leaves another station's draws unchanged") {
  // Station a's arrivals and services come from streams keyed by its name, so a second,
  // independent station (its own arrivals, no routing between them) changes nothing for a,
  // even though the two interleave in the one event queue.
  auto with_b = station_a(5);
  with_b.stations.push_back({"b", 2, Distribution::lognormal_median_p99(2e-3, 9e-3), 300.0});
  CHECK(run(with_b, 20_s).visits_of_a == run(station_a(5), 20_s).visits_of_a);
}

TEST_CASE("Running in chunks gives the same result as one run") {
  // The run horizon is not an event: stopping at t and resuming changes nothing.
  Trace chunked;
  QueueingNetwork<Trace> net(station_a(9), chunked);
  for (int i = 1; i <= 20; ++i) net.run_until(Time::from_s(i));
  CHECK(chunked.visits_of_a == run(station_a(9), 20_s).visits_of_a);
}

TEST_CASE("Invalid networks are rejected with a message") {
  QueueingNetworkConfig cfg = station_a(1);
  cfg.routing = {{0.7, 0.5}};
  Trace t;
  CHECK_THROWS_WITH(QueueingNetwork<Trace>(cfg, t), Catch::Contains("n x n"));
  cfg.routing = {{1.2}};
  CHECK_THROWS_WITH(QueueingNetwork<Trace>(cfg, t), Catch::Contains("more than 1"));
  cfg.routing.clear();
  cfg.stations[0].servers = 0;
  CHECK_THROWS_WITH(QueueingNetwork<Trace>(cfg, t), Catch::Contains("no server"));
}
