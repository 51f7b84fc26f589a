// Which of the pods that match a chaos action's selector it hits: meshsim's deterministic
// "first n" and Chaos Mesh's five selection modes, as Chaos Mesh defines them
// (chaos-mesh/chaos-mesh pkg/selector/generic/mode.go, FilterObjectsByMode):
//   one                 one pod, uniformly at random;
//   all                 every matching pod;
//   fixed n             min(n, matching) pods at random;
//   fixed-percent p     ceil(matching x p / 100) pods at random (Chaos Mesh 2.2+, chaos-mesh#3036);
//   random-max-percent  p' uniform on the integers 0..p, then ceil(matching x p' / 100) pods
//                       (none when p' = 0).
// A random subset is uniform over the subsets of its size (a partial Fisher-Yates shuffle; Chaos
// Mesh draws distinct indexes until it has enough, which gives the same distribution).  Draws
// come from the caller's stream, one per event, so that two scenarios that differ elsewhere pick
// the same pods.
#pragma once

#include <cstdint>
#include <vector>

#include "models/config.h"
#include "simcore/rng.h"

namespace meshsim::models {

// Indexes into the `matching` candidates, ascending.  Draws from `rng` only for random modes.
std::vector<uint32_t> pick_pods(const PodSelector& sel, uint32_t matching, simcore::Stream& rng);

// "one random pod", "2 random pod(s)", "50% (random)", ...: how a random mode picks, for
// descriptions; empty for kFirst.
std::string describe_pick(const PodSelector& sel);

}  // namespace meshsim::models
