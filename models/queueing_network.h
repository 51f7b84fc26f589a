// An open network of FCFS multi-server stations on the simcore kernel.
//
// This is the kernel's proving ground, not the mesh: it is the model that queueing theory has
// closed forms for (M/M/1, M/M/c, M/G/1, open Jackson networks), so tests/validation runs it
// against analysis/queueing.h, and bench/ runs it against a bare heap loop.  It uses the kernel
// exactly as the mesh model does: a small event payload dispatched by a switch, named RNG
// streams per entity, no allocation per event once queues have grown.
//
// Model: station i has c_i identical servers, a FIFO queue without limit, a service-time
// distribution, and Poisson external arrivals at rate gamma_i (0 = none).  A job finishing at
// station i goes to station j with probability P[i][j] and leaves with the rest.
// RNG streams, keyed by station name (so adding a station changes no other station's draws):
// (seed, name, "arrivals"), (seed, name, "service"), (seed, name, "routing").
//
// Observations go to a statically dispatched Observer (no virtual call per event):
//   void on_visit(uint32_t station, Time arrived, Time departed);   // one per service completion
//   void on_exit(Time entered, Time left);                          // one per job leaving
// Thread safety: a QueueingNetwork is used by one thread; independent instances are independent.
#pragma once

#include <cassert>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "simcore/distribution.h"
#include "simcore/ring_queue.h"
#include "simcore/rng.h"
#include "simcore/scheduler.h"
#include "simcore/time.h"

namespace meshsim::models {

struct StationConfig {
  std::string name;                 // identity of the station's RNG streams
  uint32_t servers = 1;             // Default: 1.
  simcore::Distribution service;    // service time in seconds
  double external_rate = 0.0;       // Poisson arrivals per second from outside.  Default: none.
};

struct QueueingNetworkConfig {
  std::vector<StationConfig> stations;
  // routing[i][j]: probability that a job leaving station i goes to station j.  Empty = no
  // routing (every job leaves after one visit).  Rows must sum to <= 1.
  std::vector<std::vector<double>> routing;
  uint64_t seed = 1;
};

struct NullObserver {
  void on_visit(uint32_t, simcore::Time, simcore::Time) {}
  void on_exit(simcore::Time, simcore::Time) {}
};

template <class Observer = NullObserver>
class QueueingNetwork {
 public:
  QueueingNetwork(const QueueingNetworkConfig& config, Observer& observer)
      : observer_(observer), routing_(config.routing) {
    const size_t n = config.stations.size();
    if (n == 0) throw std::invalid_argument("a queueing network needs at least one station");
    if (!routing_.empty() && routing_.size() != n)
      throw std::invalid_argument("routing must be an n x n matrix");
    for (const auto& row : routing_) {
      double sum = 0;
      if (row.size() != n) throw std::invalid_argument("routing must be an n x n matrix");
      for (double p : row) {
        if (!(p >= 0.0)) throw std::invalid_argument("routing probabilities must be >= 0");
        sum += p;
      }
      if (sum > 1.0 + 1e-12) throw std::invalid_argument("a routing row sums to more than 1");
    }
    stations_.reserve(n);
    for (const auto& sc : config.stations) {
      if (sc.servers == 0) throw std::invalid_argument("station '" + sc.name + "' has no server");
      if (!(sc.external_rate >= 0.0))
        throw std::invalid_argument("station '" + sc.name + "' has a negative arrival rate");
      stations_.push_back(Station{sc.servers, 0, sc.service,
                                  simcore::Distribution::exponential(
                                      sc.external_rate > 0 ? 1.0 / sc.external_rate : 1.0),
                                  sc.external_rate > 0,
                                  simcore::Stream(config.seed, sc.name, "arrivals"),
                                  simcore::Stream(config.seed, sc.name, "service"),
                                  simcore::Stream(config.seed, sc.name, "routing"),
                                  {}});
    }
    for (uint32_t i = 0; i < n; ++i) {
      Station& st = stations_[i];
      if (st.has_arrivals) sched_.schedule_at(st.interarrival.sample_time(st.arrivals), {kArrival, i, 0});
    }
  }

  // Runs every event up to `end` (simulated time).
  void run_until(simcore::Time end) {
    sched_.run_until(end, [this](const simcore::Event<Payload>& ev) { handle(ev); });
  }

  const simcore::Scheduler<uint64_t>& scheduler() const { return sched_; }
  uint64_t events() const { return sched_.executed(); }
  // Jobs currently in the network (queued or in service).
  size_t jobs_in_system() const { return jobs_.size() - free_jobs_.size(); }

 private:
  enum Kind : uint32_t { kArrival = 0, kDeparture = 1 };
  // Packed into the scheduler's 8-byte payload: kind (1 bit), station (31 bits), job (32 bits).
  struct Payload {
    uint32_t kind;
    uint32_t station;
    uint32_t job;
  };
  static uint64_t pack(const Payload& p) {
    return (uint64_t{p.kind} << 63) | (uint64_t{p.station} << 32) | p.job;
  }
  static Payload unpack(uint64_t v) {
    return {static_cast<uint32_t>(v >> 63), static_cast<uint32_t>((v >> 32) & 0x7fffffffu),
            static_cast<uint32_t>(v)};
  }

  struct Job {
    simcore::Time entered;
    simcore::Time arrived;  // at the current station
  };
  struct Station {
    uint32_t servers;
    uint32_t busy;
    simcore::Distribution service;
    simcore::Distribution interarrival;
    bool has_arrivals;
    simcore::Stream arrivals;
    simcore::Stream service_rng;
    simcore::Stream routing_rng;
    simcore::RingQueue<uint32_t> queue;
  };

  // The scheduler's event type is a plain 64-bit word; Payload is its readable form.
  class PackedScheduler : public simcore::Scheduler<uint64_t> {
   public:
    void schedule_at(simcore::Time t, const Payload& p) {
      simcore::Scheduler<uint64_t>::schedule_at(t, pack(p));
    }
    template <class H>
    void run_until(simcore::Time end, H&& h) {
      simcore::Scheduler<uint64_t>::run_until(end, [&h](const simcore::Event<uint64_t>& e) {
        h(simcore::Event<Payload>{e.time, unpack(e.payload)});
      });
    }
  };

  void handle(const simcore::Event<Payload>& ev) {
    switch (ev.payload.kind) {
      case kArrival: {
        Station& st = stations_[ev.payload.station];
        sched_.schedule_at(ev.time + st.interarrival.sample_time(st.arrivals),
                           {kArrival, ev.payload.station, 0});
        const uint32_t job = new_job(ev.time);
        arrive(ev.payload.station, job, ev.time);
        break;
      }
      case kDeparture:
        depart(ev.payload.station, ev.payload.job, ev.time);
        break;
    }
  }

  uint32_t new_job(simcore::Time now) {
    uint32_t id;
    if (!free_jobs_.empty()) {
      id = free_jobs_.back();
      free_jobs_.pop_back();
    } else {
      id = static_cast<uint32_t>(jobs_.size());
      jobs_.push_back({});
    }
    jobs_[id].entered = now;
    return id;
  }

  void arrive(uint32_t s, uint32_t job, simcore::Time now) {
    Station& st = stations_[s];
    jobs_[job].arrived = now;
    if (st.busy < st.servers) {
      ++st.busy;
      start_service(s, job, now);
    } else {
      st.queue.push(job);
    }
  }

  void start_service(uint32_t s, uint32_t job, simcore::Time now) {
    Station& st = stations_[s];
    sched_.schedule_at(now + st.service.sample_time(st.service_rng), {kDeparture, s, job});
  }

  void depart(uint32_t s, uint32_t job, simcore::Time now) {
    Station& st = stations_[s];
    observer_.on_visit(s, jobs_[job].arrived, now);
    if (!st.queue.empty()) {
      start_service(s, st.queue.pop(), now);
    } else {
      --st.busy;
    }
    const uint32_t next = route(s);
    if (next == kLeave) {
      observer_.on_exit(jobs_[job].entered, now);
      free_jobs_.push_back(job);
    } else {
      arrive(next, job, now);
    }
  }

  static constexpr uint32_t kLeave = UINT32_MAX;
  uint32_t route(uint32_t s) {
    if (routing_.empty()) return kLeave;
    const auto& row = routing_[s];
    double u = stations_[s].routing_rng.uniform();
    for (uint32_t j = 0; j < row.size(); ++j) {
      if (u < row[j]) return j;
      u -= row[j];
    }
    return kLeave;
  }

  Observer& observer_;
  std::vector<std::vector<double>> routing_;
  std::vector<Station> stations_;
  std::vector<Job> jobs_;
  std::vector<uint32_t> free_jobs_;
  PackedScheduler sched_;
};

}  // namespace meshsim::models
