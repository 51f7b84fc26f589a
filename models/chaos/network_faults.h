// The network faults in force (Timeline `network` events, Chaos Mesh NetworkChaos): egress rules
// per pod (a netem or tbf qdisc towards some destinations or all) and partitions, as Chaos Mesh
// installs them (controllers/chaosimpl/networkchaos/{trafficcontrol,partition}; scenarios/README.md
// "Network faults"):
//   * direction to: a rule on each selected pod's egress towards the target's pods (all
//     destinations without a target); from: on each target pod's egress towards the selected
//     pods; both: the two.
//   * Several rules on one pod: Chaos Mesh chains the unfiltered ones (delays add, losses
//     compound) and steers a packet into one filtered rule; when two filtered rules cover the same
//     destination it is whichever iptables chain comes last, in Go's random map order.  Here: the
//     latest started of them, and the README says so.
//   * A partition drops without connection tracking, so one way breaks TCP both ways: a
//     partition cuts every connection between a selected pod and a target pod (and, without a
//     target, every connection of the selected pods).
// A message dropped by a qdisc is retransmitted by TCP after its retransmission timeout
// (netem.h tcp_rto), through the qdiscs again; after TCP_RETR2 retransmissions it is lost.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "models/chaos/netem.h"
#include "models/config.h"
#include "models/ids.h"

namespace meshsim::models {

class NetworkFaults {
 public:
  NetworkFaults(uint64_t seed, uint32_t pods) : seed_(seed), egress_(pods), isolated_(pods, 0) {}

  // Nothing in force: the usual case, checked before anything else.
  bool idle() const { return rules_ == 0 && partitions_ == 0; }

  // Timeline event `event` starts: `selected` are its pods, `targets` its target's (none: no
  // target); `names` the pods' names and `entity` the event's, which key each qdisc's stream.
  // It ends at `until` (Time::max(): never): a retransmission after that passes without it.
  void start(uint32_t event, const NetworkFault& f, const std::vector<PodId>& selected,
             const std::optional<std::vector<PodId>>& targets, const std::vector<std::string>& names,
             const std::string& entity, simcore::Time until);
  void end(uint32_t event);

  // Whether a partition cuts connections between `a` (a pod, or invalid: a load generator) and
  // pod `b`.
  bool blocked(PodId a, PodId b) const;

  // One message of `bytes` that pod `src` (invalid: a load generator, which has no rules) sends
  // to `dst` (invalid: a load generator) at `now`, on a path of one-way delay `one_way`: the
  // delay src's egress rules add, TCP's retransmissions included; Time::max() when TCP gives up.
  simcore::Time egress(PodId src, PodId dst, uint64_t bytes, simcore::Time now, simcore::Time one_way);

 private:
  struct Rule {
    uint32_t event = 0;
    std::vector<uint32_t> destinations;  // sorted pod indices; empty with `all`
    bool all = false;
    simcore::Time latency = simcore::Time::zero();  // netem's, for TCP's RTT estimate
    simcore::Time until = simcore::Time::max();     // its event's end
    std::optional<Netem> netem;
    std::optional<TokenBucket> bucket;
  };
  void add_rule(uint32_t event, const NetworkFault& f, PodId on, const std::vector<PodId>* towards,
                const std::string& name, const std::string& entity, const char* side, simcore::Time until);

  uint64_t seed_;
  std::vector<std::vector<Rule>> egress_;  // per pod, in start order
  std::vector<Rule*> chain_;               // egress()'s scratch: the rules a message passes
  uint32_t rules_ = 0;
  std::vector<uint32_t> isolated_;         // per pod: target-less partitions in force
  std::map<std::pair<uint32_t, uint32_t>, uint32_t> cut_pairs_;  // (lower, higher) pod: count
  uint32_t partitions_ = 0;
  std::map<uint32_t, std::vector<std::pair<uint32_t, uint32_t>>> event_pairs_;  // for end()
  std::map<uint32_t, std::vector<uint32_t>> event_isolated_;
};

}  // namespace meshsim::models
