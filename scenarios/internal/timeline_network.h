// The Timeline's `network` action (models::NetworkFault): a netem fault, a bandwidth limit or a
// partition on the selected pods' interfaces, towards an optional target; see README.md
// "Network faults".  Chaos Mesh's NetworkChaos is translated into the same (chaos_mesh_network.cc).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "models/config.h"
#include "scenarios/internal/draft.h"
#include "scenarios/internal/yaml_util.h"

namespace meshsim::scenarios::internal {

// The keys of a `network` action besides the selector's.
std::vector<std::string> network_action_keys();

// Reads a `network` action's mapping into `f` (selector included); `ok` becomes false when a
// field was wrong (reported).  Returns the description ("delay 100ms ± 10ms on ...").
std::string read_network_action(const Mapping& a, EventSite& site, models::NetworkFault& f, bool& ok);

// A tc rate as Chaos Mesh accepts it (an unsigned integer and one of bit, kbit, mbit, gbit, tbit
// in bits per second, or bps, kbps, mbps, gbps, tbps in bytes per second; SI steps: iproute2
// get_rate), in bytes per second; nullopt if malformed.
std::optional<double> parse_tc_rate(const std::string& text);

// "delay 100ms ± 10ms (25% correlated), loss 10%": what a fault does, for descriptions.
std::string describe_network_fault(const models::NetworkFault& f);

}  // namespace meshsim::scenarios::internal
