// meshsim-queue: simulate one FCFS queue (M/M/c, M/D/c or M/G/c with a lognormal service) on
// the meshsim kernel and print the simulated response time beside queueing theory.
//
// A quick way to see the kernel at work and to sanity-check a capacity question ("4 workers at
// 3 ms each, 900 rps: what p99?") before describing a whole mesh.  Exit codes: 0 ok, 2 usage.
#include <cmath>
#include <cstdio>
#include <iostream>
#include <optional>
#include <string>

#include <boost/program_options.hpp>

#include "analysis/confidence.h"
#include "analysis/queueing.h"
#include "models/queueing_network.h"
#include "simcore/distribution.h"

namespace po = boost::program_options;
using meshsim::analysis::BatchMeans;
using meshsim::simcore::Distribution;
using meshsim::simcore::Time;

namespace {

struct Observer {
  BatchMeans batches;
  void on_visit(uint32_t, Time, Time) {}
  void on_exit(Time entered, Time left) { batches.add(left, left - entered); }
};

int run(const po::variables_map& vm) {
  const double lambda = vm["rate"].as<double>();
  const double mean_s = vm["service-ms"].as<double>() * 1e-3;
  const auto servers = vm["servers"].as<unsigned>();
  const std::string kind = vm["service"].as<std::string>();
  const double duration = vm["duration"].as<double>();
  const double warmup = vm["warmup"].as<double>();
  const auto seed = vm["seed"].as<uint64_t>();
  const double level = 0.99;

  Distribution service = Distribution::constant(mean_s);
  double scv = 0.0;  // squared coefficient of variation of the service time
  if (kind == "exponential") {
    service = Distribution::exponential(mean_s);
    scv = 1.0;
  } else if (kind == "lognormal") {
    // sigma = 1: a heavy-ish tail; the mean is kept at --service-ms.
    service = Distribution::lognormal(std::log(mean_s) - 0.5, 1.0);
    scv = std::exp(1.0) - 1.0;
  } else if (kind != "constant") {
    std::cerr << "meshsim-queue: --service must be exponential, constant or lognormal, not '"
              << kind << "'\n";
    return 2;
  }

  const size_t batches = 30;
  const Time batch = Time::from_seconds(duration / static_cast<double>(batches));
  Observer obs{BatchMeans(Time::from_seconds(warmup), batch, batches)};
  meshsim::models::QueueingNetworkConfig cfg;
  cfg.stations.push_back({"queue", servers, service, lambda});
  cfg.seed = seed;
  meshsim::models::QueueingNetwork<Observer> net(cfg, obs);
  net.run_until(obs.batches.end());

  const auto all = obs.batches.merged();
  const auto mean = obs.batches.mean(level);
  const auto p99 = obs.batches.percentile(99, level);
  std::printf("queue: %u server(s), %s service, mean %.3f ms, %.1f arrivals/s, utilisation %.3f\n",
              servers, kind.c_str(), mean_s * 1e3, lambda,
              lambda * mean_s / static_cast<double>(servers));
  std::printf("simulated %.0f s after %.0f s warm-up: %llu customers, %llu events\n", duration,
              warmup, static_cast<unsigned long long>(all.count()),
              static_cast<unsigned long long>(net.events()));
  std::printf("%-22s %12s %12s %12s\n", "response time (ms)", "simulated", "99% CI +-", "theory");

  std::optional<double> theory_mean, theory_p99;
  try {
    if (kind == "exponential") {
      const meshsim::analysis::MMc q(lambda, 1.0 / mean_s, static_cast<int>(servers));
      theory_mean = q.mean_response_time();
      if (servers == 1) theory_p99 = meshsim::analysis::MM1(lambda, 1.0 / mean_s).response_time_quantile(0.99);
    } else if (servers == 1) {
      theory_mean = meshsim::analysis::MG1(lambda, mean_s, scv).mean_response_time();
    }
  } catch (const std::domain_error& e) {
    std::printf("(no steady state: %s)\n", e.what());
  }
  auto row = [](const char* name, double sim, std::optional<double> hw, std::optional<double> th) {
    auto cell = [](std::optional<double> v) {
      char buf[32];
      if (v) std::snprintf(buf, sizeof buf, "%12.4f", *v * 1e3);
      else std::snprintf(buf, sizeof buf, "%12s", "-");
      return std::string(buf);
    };
    std::printf("%-22s %12.4f %s %s\n", name, sim * 1e3, cell(hw).c_str(), cell(th).c_str());
  };
  row("mean", mean.estimate, mean.half_width, theory_mean);
  row("p50", static_cast<double>(all.value_at_percentile(50)) * 1e-9, std::nullopt, std::nullopt);
  row("p99", p99.estimate, p99.half_width, theory_p99);
  row("max", static_cast<double>(all.max()) * 1e-9, std::nullopt, std::nullopt);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  po::options_description opts("meshsim-queue: one FCFS queue on the meshsim kernel, beside theory");
  opts.add_options()
      ("help,h", "show this help")
      ("rate", po::value<double>()->default_value(800.0), "Poisson arrivals per second")
      ("service-ms", po::value<double>()->default_value(1.0), "mean service time (ms)")
      ("service", po::value<std::string>()->default_value("exponential"),
       "service distribution: exponential, constant or lognormal")
      ("servers", po::value<unsigned>()->default_value(1), "number of servers (workers)")
      ("duration", po::value<double>()->default_value(300.0), "measured simulated seconds")
      ("warmup", po::value<double>()->default_value(10.0), "simulated seconds discarded first")
      ("seed", po::value<uint64_t>()->default_value(1), "run seed");
  po::variables_map vm;
  try {
    po::store(po::parse_command_line(argc, argv, opts), vm);
    po::notify(vm);
    if (vm.count("help")) {
      std::cout << opts << "\nExit codes: 0 ok, 2 usage error.\n";
      return 0;
    }
    if (vm["rate"].as<double>() <= 0 || vm["service-ms"].as<double>() <= 0 ||
        vm["servers"].as<unsigned>() == 0 || vm["duration"].as<double>() <= 0 ||
        vm["warmup"].as<double>() < 0)
      throw po::error("--rate, --service-ms, --servers and --duration must be > 0, --warmup >= 0");
    return run(vm);
  } catch (const po::error& e) {
    std::cerr << "meshsim-queue: " << e.what() << "\n(see --help)\n";
    return 2;
  } catch (const std::invalid_argument& e) {
    std::cerr << "meshsim-queue: " << e.what() << "\n";
    return 2;
  }
}
