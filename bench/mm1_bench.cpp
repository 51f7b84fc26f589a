// M/M/1 end to end (rho = 0.8): the kernel's queueing-network model beside the simplest
// binary-heap loop that does the same work: the same RNG streams and distributions, a FIFO
// queue, and the sum of response times.  One item = one customer served.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <queue>
#include <vector>

#include "models/queueing_network.h"
#include "simcore/distribution.h"
#include "simcore/rng.h"

namespace {

using meshsim::simcore::Distribution;
using meshsim::simcore::Stream;
using meshsim::simcore::Time;

constexpr double kLambda = 800.0, kMu = 1000.0;
constexpr int64_t kChunkNs = 10'000'000'000;  // simulate in 10 s chunks

struct SumObserver {
  double sum_response = 0;
  uint64_t served = 0;
  void on_visit(uint32_t, Time, Time) {}
  void on_exit(Time entered, Time left) {
    sum_response += (left - entered).to_seconds();
    ++served;
  }
};

void BM_MM1_Meshsim(benchmark::State& state) {
  meshsim::models::QueueingNetworkConfig cfg;
  cfg.stations.push_back({"mm1", 1, Distribution::exponential(1.0 / kMu), kLambda});
  SumObserver obs;
  meshsim::models::QueueingNetwork<SumObserver> net(cfg, obs);
  int64_t t = 0;
  for (auto _ : state) {
    t += kChunkNs;
    net.run_until(Time::from_ns(t));
  }
  state.SetItemsProcessed(static_cast<int64_t>(obs.served));
  state.counters["events"] = benchmark::Counter(static_cast<double>(net.events()),
                                                benchmark::Counter::kIsRate);
  state.counters["mean_W_ms"] = obs.sum_response / static_cast<double>(obs.served) * 1e3;
}

void BM_MM1_BareLoop(benchmark::State& state) {
  struct Ev {
    int64_t time;
    uint64_t seq;
    int kind;  // 0 arrival, 1 departure
    bool operator>(const Ev& o) const { return time > o.time || (time == o.time && seq > o.seq); }
  };
  std::priority_queue<Ev, std::vector<Ev>, std::greater<>> heap;
  std::queue<int64_t> waiting;  // arrival times of queued customers
  Stream arrivals(1, "mm1", "arrivals"), service(1, "mm1", "service");
  const Distribution ia = Distribution::exponential(1.0 / kLambda);
  const Distribution st = Distribution::exponential(1.0 / kMu);
  uint64_t seq = 0, served = 0, events = 0;
  bool busy = false;
  int64_t in_service_arrival = 0;
  double sum_response = 0;
  heap.push({ia.sample_time(arrivals).ns(), seq++, 0});
  int64_t t_end = 0;
  for (auto _ : state) {
    t_end += kChunkNs;
    while (!heap.empty() && heap.top().time <= t_end) {
      const Ev e = heap.top();
      heap.pop();
      ++events;
      if (e.kind == 0) {
        heap.push({e.time + ia.sample_time(arrivals).ns(), seq++, 0});
        if (!busy) {
          busy = true;
          in_service_arrival = e.time;
          heap.push({e.time + st.sample_time(service).ns(), seq++, 1});
        } else {
          waiting.push(e.time);
        }
      } else {
        sum_response += static_cast<double>(e.time - in_service_arrival) * 1e-9;
        ++served;
        if (!waiting.empty()) {
          in_service_arrival = waiting.front();
          waiting.pop();
          heap.push({e.time + st.sample_time(service).ns(), seq++, 1});
        } else {
          busy = false;
        }
      }
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(served));
  state.counters["events"] = benchmark::Counter(static_cast<double>(events),
                                                benchmark::Counter::kIsRate);
  state.counters["mean_W_ms"] = sum_response / static_cast<double>(served) * 1e3;
}

}  // namespace

BENCHMARK(BM_MM1_Meshsim)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_MM1_BareLoop)->Unit(benchmark::kMillisecond);
