// Network faults in force; see network_faults.h.
#include "models/chaos/network_faults.h"

#include <algorithm>

namespace meshsim::models {

using simcore::Time;
using Direction = NetworkFault::Direction;
using Kind = NetworkFault::Kind;

void NetworkFaults::add_rule(uint32_t event, const NetworkFault& f, PodId on, const std::vector<PodId>* towards,
                             const std::string& name, const std::string& entity) {
  Rule r;
  r.event = event;
  r.all = towards == nullptr;
  if (towards != nullptr) {
    for (PodId p : *towards) r.destinations.push_back(p.value);
    std::sort(r.destinations.begin(), r.destinations.end());
  }
  if (f.kind == Kind::kNetem) {
    NetemParams p;
    p.latency = f.latency;
    p.jitter = f.jitter;
    p.delay_rho = netem_scale(f.delay_correlation);
    p.loss = netem_scale(f.loss);
    p.loss_rho = netem_scale(f.loss_correlation);
    p.duplicate = netem_scale(f.duplicate);
    p.duplicate_rho = netem_scale(f.duplicate_correlation);
    p.corrupt = netem_scale(f.corrupt);
    p.corrupt_rho = netem_scale(f.corrupt_correlation);
    r.latency = f.latency;
    r.netem.emplace(p, simcore::Stream(seed_, entity + "@" + name, "netem"));
  } else {
    r.bucket.emplace(f.rate_bytes_per_s, f.buffer_bytes, f.limit_bytes);
  }
  egress_[on.value].push_back(std::move(r));
  ++rules_;
}

void NetworkFaults::start(uint32_t event, const NetworkFault& f, const std::vector<PodId>& selected,
                          const std::optional<std::vector<PodId>>& targets, const std::vector<std::string>& names,
                          const std::string& entity) {
  if (f.kind == Kind::kPartition) {
    ++partitions_;
    if (!targets) {
      for (PodId p : selected) {
        ++isolated_[p.value];
        event_isolated_[event].push_back(p.value);
      }
      return;
    }
    for (PodId a : selected) {
      for (PodId b : *targets) {
        if (a == b) continue;
        const auto key = std::minmax(a.value, b.value);
        ++cut_pairs_[key];
        event_pairs_[event].push_back(key);
      }
    }
    return;
  }
  if (f.direction != Direction::kFrom) {
    for (PodId p : selected) add_rule(event, f, p, targets ? &*targets : nullptr, names[p.value], entity);
  }
  if (f.direction != Direction::kTo && targets) {
    for (PodId p : *targets) add_rule(event, f, p, &selected, names[p.value], entity);
  }
}

void NetworkFaults::end(uint32_t event) {
  if (auto it = event_isolated_.find(event); it != event_isolated_.end()) {
    for (uint32_t p : it->second) --isolated_[p];
    event_isolated_.erase(it);
    --partitions_;
    return;
  }
  if (auto it = event_pairs_.find(event); it != event_pairs_.end()) {
    for (const auto& key : it->second) {
      if (--cut_pairs_[key] == 0) cut_pairs_.erase(key);
    }
    event_pairs_.erase(it);
    --partitions_;
    return;
  }
  for (std::vector<Rule>& rules : egress_) {
    const auto gone = std::remove_if(rules.begin(), rules.end(), [&](const Rule& r) { return r.event == event; });
    rules_ -= static_cast<uint32_t>(rules.end() - gone);
    rules.erase(gone, rules.end());
  }
}

bool NetworkFaults::blocked(PodId a, PodId b) const {
  if (partitions_ == 0) return false;
  if (isolated_[b.value] != 0) return true;
  if (!a.valid()) return false;
  if (isolated_[a.value] != 0) return true;
  return cut_pairs_.count(std::minmax(a.value, b.value)) != 0;
}

Time NetworkFaults::egress(PodId src, PodId dst, uint64_t bytes, Time now, Time one_way) {
  if (!src.valid() || egress_[src.value].empty()) return Time::zero();
  std::vector<Rule>& rules = egress_[src.value];
  // Every unfiltered rule, in start order, then the latest started filtered rule covering dst.
  Rule* chain[8];
  std::size_t n = 0;
  Rule* filtered = nullptr;
  for (Rule& r : rules) {
    if (r.all) {
      if (n < std::size(chain) - 1) chain[n++] = &r;
    } else if (dst.valid() && std::binary_search(r.destinations.begin(), r.destinations.end(), dst.value)) {
      filtered = &r;
    }
  }
  if (filtered != nullptr) chain[n++] = filtered;
  if (n == 0) return Time::zero();
  Time srtt = one_way + one_way;
  for (std::size_t i = 0; i < n; ++i) srtt += chain[i]->latency;
  Time sent = now;  // this transmission's
  for (uint32_t k = 0; k <= kTcpRetries2; ++k) {
    Time at = sent;
    bool through = true;
    for (std::size_t i = 0; i < n && through; ++i) {
      if (chain[i]->netem) {
        const Netem::Verdict v = chain[i]->netem->enqueue();
        through = v.delivered;
        at += v.delay;
      } else {
        at = chain[i]->bucket->enqueue(at, bytes);
        through = at != Time::max();
      }
    }
    if (through) return at - now;
    sent += tcp_rto(srtt, k + 1);
  }
  return Time::max();
}

}  // namespace meshsim::models
