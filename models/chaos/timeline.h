// The chaos timeline: actions that start at a time and, with a duration, end (kill pods, a zone
// outage, added latency, injected errors, CPU slow-down, partitions, network faults, manifests
// applied or removed), each reported to the sink when it starts and ends.  How a killed pod goes and comes
// back is kube/pod_lifecycle.h; a zone outage is the loss of every node in the zone.
//
// Pod actions (latency, errors, slow-down) in force are kept in start order and a pod's fields
// are recomputed from them whenever one starts or ends, so overlapping actions with any start
// and end times compose (the latest started wins) and undo cleanly.
//
// An action's pods are chosen once, when it starts (selection.h): killPods among the pods then
// serving when a random mode picks (so `one` takes down one live pod), else among all matching
// pods.  A random pick draws from the stream ("timeline:" + the event's name, or its
// description and start time when it has none, "select").
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "models/config.h"
#include "models/ids.h"

namespace meshsim::models {

struct Runtime;

class Chaos {
 public:
  explicit Chaos(Runtime& rt);

  // Schedules every action's start.
  void begin();
  void start(uint32_t event);
  void end(uint32_t event);

 private:
  std::vector<PodId> matching(const PodSelector& sel, bool serving_only) const;
  std::vector<PodId> select(uint32_t event, const PodSelector& sel, bool serving_only) const;
  void apply_pod_actions();
  std::string entity(uint32_t event) const;  // keys the event's streams
  std::string start_network_fault(uint32_t event, const NetworkFault& f);
  void init_names();
  std::string pod_list(const std::vector<PodId>& pods);  // "a-0, b-1", or "no pod"

  Runtime& rt_;
  std::vector<uint32_t> pod_actions_;        // in force, in start order
  std::vector<std::vector<PodId>> killed_;   // per timeline event: the pods it took down
  std::vector<std::vector<PodId>> hit_;      // per pod action in force: its pods
  std::vector<std::string> names_;           // pod names, for descriptions
  std::vector<std::string> stream_keys_;     // namespace/pod, for the network faults' streams
};

}  // namespace meshsim::models
