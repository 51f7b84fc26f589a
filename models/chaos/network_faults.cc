// Network faults in force; see network_faults.h.
#include "models/chaos/network_faults.h"

#include <algorithm>

namespace meshsim::models {

using simcore::Time;
using Direction = NetworkFault::Direction;
using Kind = NetworkFault::Kind;

void NetworkFaults::add_rule(uint32_t event, const NetworkFault& f, PodId on, const std::vector<PodId>* towards,
                             const std::string& name, const std::string& entity, const char* side, Time until) {
  Rule r;
  r.event = event;
  r.until = until;
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
    // Its own qdisc's stream: the event, the pod, and which side of the fault it is (a pod both
    // selected and a target of a `both` fault has two qdiscs).
    r.netem.emplace(p, simcore::Stream(seed_, entity + "@" + name + "/" + side, "netem"));
  } else {
    r.bucket.emplace(f.rate_bytes_per_s, f.buffer_bytes, f.limit_bytes);
  }
  egress_[on.value].push_back(std::move(r));
  ++rules_;
}

void NetworkFaults::start(uint32_t event, const NetworkFault& f, const std::vector<PodId>& selected,
                          const std::optional<std::vector<PodId>>& targets, const std::vector<std::string>& names,
                          const std::string& entity, Time until) {
  if (f.kind == Kind::kPartition) {
    ++partitions_;  // end() finds the event in one of the two maps, even when it cut nothing
    if (!targets) {
      event_isolated_[event];
      for (PodId p : selected) {
        ++isolated_[p.value];
        event_isolated_[event].push_back(p.value);
      }
      return;
    }
    event_pairs_[event];
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
    for (PodId p : selected) add_rule(event, f, p, targets ? &*targets : nullptr, names[p.value], entity, "to", until);
  }
  if (f.direction != Direction::kTo && targets) {
    for (PodId p : *targets) add_rule(event, f, p, &selected, names[p.value], entity, "from", until);
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
  chain_.clear();
  Rule* filtered = nullptr;
  for (Rule& r : rules) {
    if (r.all) {
      chain_.push_back(&r);
    } else if (dst.valid() && std::binary_search(r.destinations.begin(), r.destinations.end(), dst.value)) {
      filtered = &r;
    }
  }
  if (filtered != nullptr) chain_.push_back(filtered);
  if (chain_.empty()) return Time::zero();
  Time srtt = one_way + one_way;
  for (const Rule* r : chain_) srtt += r->latency;
  Time sent = now;  // this transmission's
  for (uint32_t k = 0; k <= kTcpRetries2; ++k) {
    Time at = sent;
    bool through = true;
    for (Rule* r : chain_) {
      if (!through) break;
      if (r->until <= sent) continue;  // the fault has ended by this retransmission
      if (r->netem) {
        const Netem::Verdict v = r->netem->enqueue();
        through = v.delivered;
        at += v.delay;
      } else {
        at = r->bucket->enqueue(at, bytes, k == 0);
        through = at != Time::max();
      }
    }
    if (through) return at - now;
    sent += tcp_rto(srtt, k + 1);
  }
  return Time::max();
}

}  // namespace meshsim::models
