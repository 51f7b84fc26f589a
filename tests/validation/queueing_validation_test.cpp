// The kernel against queueing theory.  Each case simulates a queue that has a closed form
// (analysis/queueing.h) and checks the simulated value against it.
//
// Tolerance, the same for every case and never widened: the simulated estimate must lie
// within the 99.9 % confidence interval of the run itself, computed by batch means (30 batches
// after a 10 s warm-up, Student-t with 29 degrees of freedom), widened only by the histogram's
// stated relative error (1/256) where a percentile is read from a histogram.  One fixed seed
// per case.  To show the check has teeth, each case also requires the interval to be narrow:
// half-width below 3 % of the analytic value, so a model off by a few percent fails.  That sets
// the run length: a queue's relaxation time grows like 1/(mu (1 - sqrt(rho))^2) (0.012 s at
// rho 0.5, 0.09 s at 0.8, 0.38 s at 0.9 for mu = 1000/s), and the tail is noisier than the mean,
// so busier queues get longer batches (50 s to 2000 s of simulated time).
#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "analysis/confidence.h"
#include "analysis/queueing.h"
#include "models/queueing_network.h"
#include "simcore/distribution.h"

using meshsim::analysis::BatchMeans;
using meshsim::analysis::ConfidenceInterval;
using meshsim::models::QueueingNetwork;
using meshsim::models::QueueingNetworkConfig;
using meshsim::simcore::Distribution;
using meshsim::simcore::Time;
using namespace meshsim::simcore::time_literals;

namespace {

constexpr double kLevel = 0.999;
constexpr double kHistogramError = 1.0 / 256.0;
constexpr size_t kBatches = 30;

// Batch-means observer: one BatchMeans for the network sojourn time and one per station for the
// response time per visit; each observation is filed under the time it completed.
struct Observer {
  Observer(size_t stations, Time batch)
      : sojourn(10_s, batch, kBatches), per_station(stations, BatchMeans(10_s, batch, kBatches)) {}
  void on_visit(uint32_t station, Time arrived, Time departed) {
    per_station[station].add(departed, departed - arrived);
  }
  void on_exit(Time entered, Time left) { sojourn.add(left, left - entered); }
  BatchMeans sojourn;
  std::vector<BatchMeans> per_station;
};

Observer simulate(const QueueingNetworkConfig& cfg, Time batch = 50_s) {
  Observer obs(cfg.stations.size(), batch);
  QueueingNetwork<Observer> net(cfg, obs);
  net.run_until(obs.sojourn.end());
  return obs;
}

void check_close(const char* what, const ConfidenceInterval& ci, double analytic,
                 double extra_relative_error = 0.0) {
  INFO(what << ": simulated " << ci.estimate << " +- " << ci.half_width << " (99.9 % CI), analytic "
            << analytic);
  CHECK(ci.half_width < 0.03 * analytic);
  CHECK(std::abs(ci.estimate - analytic) <= ci.half_width + extra_relative_error * analytic);
}

QueueingNetworkConfig single_station(const char* name, uint32_t servers, Distribution service,
                                     double lambda, uint64_t seed) {
  QueueingNetworkConfig cfg;
  cfg.stations.push_back({name, servers, service, lambda});
  cfg.seed = seed;
  return cfg;
}

}  // namespace

TEST_CASE("M/M/1 mean and p99 response time match queueing theory at rho 0.5, 0.8, 0.9",
          "[validation]") {
  // Truth: W = 1/(mu - lambda); the response time is exponential with rate mu - lambda, so
  // p99 = ln(100)/(mu - lambda).
  const double mu = 1000.0;
  const auto [rho, batch] = GENERATE(table<double, Time>({{0.5, 50_s}, {0.8, 300_s}, {0.9, 2000_s}}));
  const double lambda = rho * mu;
  const auto obs =
      simulate(single_station("mm1", 1, Distribution::exponential(1.0 / mu), lambda, 11), batch);
  const meshsim::analysis::MM1 q(lambda, mu);
  INFO("rho = " << rho << ", customers = " << obs.sojourn.count());
  check_close("mean W", obs.sojourn.mean(kLevel), q.mean_response_time());
  check_close("p99 W", obs.sojourn.percentile(99, kLevel), q.response_time_quantile(0.99),
              kHistogramError);
}

TEST_CASE("M/M/4 mean response time matches Erlang C at rho 0.8", "[validation]") {
  // Truth: W = C(4, a)/(4 mu - lambda) + 1/mu with a = lambda/mu = 3.2.
  const double mu = 250.0, lambda = 800.0;
  const auto obs =
      simulate(single_station("mm4", 4, Distribution::exponential(1.0 / mu), lambda, 12), 200_s);
  const meshsim::analysis::MMc q(lambda, mu, 4);
  check_close("mean W", obs.sojourn.mean(kLevel), q.mean_response_time());
}

TEST_CASE("M/D/1 mean response time matches Pollaczek-Khinchine at rho 0.8", "[validation]") {
  // Truth: Wq = lambda E[S^2] / (2 (1 - rho)) with E[S^2] = E[S]^2 for deterministic service.
  const double s = 1e-3, lambda = 800.0;
  const auto obs = simulate(single_station("md1", 1, Distribution::constant(s), lambda, 13), 200_s);
  const meshsim::analysis::MG1 q(lambda, s, 0.0);
  check_close("mean W", obs.sojourn.mean(kLevel), q.mean_response_time());
}

TEST_CASE("A 3-station open Jackson network with feedback matches the product-form solution",
          "[validation]") {
  // Station a: 1 server, mu 1000; b: 2 servers, mu 600 each; c: 1 server, mu 800.
  // External arrivals 300/s at a and 100/s at b.  Routing with feedback loops:
  //   a -> b 0.5, a -> c 0.3 (leaves 0.2);  b -> a 0.2, b -> c 0.3 (leaves 0.5);
  //   c -> a 0.1 (leaves 0.9).
  // Truth: the traffic equations solved by analysis::JacksonNetwork, each station an M/M/c
  // queue (Jackson's theorem); mean sojourn by Little's law.
  QueueingNetworkConfig cfg;
  cfg.stations = {{"a", 1, Distribution::exponential(1.0 / 1000), 300.0},
                  {"b", 2, Distribution::exponential(1.0 / 600), 100.0},
                  {"c", 1, Distribution::exponential(1.0 / 800), 0.0}};
  cfg.routing = {{0.0, 0.5, 0.3}, {0.2, 0.0, 0.3}, {0.1, 0.0, 0.0}};
  cfg.seed = 14;
  Eigen::MatrixXd p(3, 3);
  p << 0.0, 0.5, 0.3, 0.2, 0.0, 0.3, 0.1, 0.0, 0.0;
  const meshsim::analysis::JacksonNetwork jn({{1, 1000.0}, {2, 600.0}, {1, 800.0}},
                                             Eigen::Vector3d(300.0, 100.0, 0.0), p);
  const auto obs = simulate(cfg);
  for (size_t i = 0; i < 3; ++i) {
    INFO("station " << i << ", utilisation " << jn.result(i).utilisation);
    check_close("W per visit", obs.per_station[i].mean(kLevel), jn.result(i).mean_response_time);
  }
  check_close("mean sojourn", obs.sojourn.mean(kLevel), jn.mean_sojourn_time());
}
