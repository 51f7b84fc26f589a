// The service graph of a scenario, as Boost.Graph: services (and load generators) as vertices,
// calls as edges annotated with what the handler does and with the VirtualService routes and
// weights that apply to the callee.  `meshsim graph` prints it as Graphviz DOT or JSON.
#pragma once

#include <string>
#include <vector>

#include <boost/graph/adjacency_list.hpp>

#include "scenarios/scenario.h"

namespace meshsim::scenarios {

struct GraphVertex {
  std::string name;                    // service name, or "load:<name>"
  std::string kind;                    // "service" or "load"
  std::vector<std::string> workloads;  // "reviews-v2 x1 (zone-a)"
  std::vector<std::string>
      routes;  // VirtualService routes to this service: "end-user=jason -> v2", "-> v1 50%"
};
struct GraphEdge {
  std::string path;  // request path of the call
  double probability = 1.0;
  std::string timeout;  // the caller's own timeout, "" for none
  uint32_t retries = 0;
  std::string on_failure;  // fail / degrade / ignore
  std::string from_workload;
};

using ServiceGraph =
    boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS, GraphVertex, GraphEdge>;

ServiceGraph build_service_graph(const Scenario& scenario);
std::string graph_to_dot(const ServiceGraph& g);
std::string graph_to_json(const ServiceGraph& g);

}  // namespace meshsim::scenarios
