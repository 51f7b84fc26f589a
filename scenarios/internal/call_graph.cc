// Cycle detection over the service call graph with Boost.Graph (Hawick and James' enumeration
// of elementary circuits); see call_graph.h.
#include "scenarios/internal/call_graph.h"

#include <map>
#include <utility>

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/hawick_circuits.hpp>

namespace meshsim::scenarios::internal {
namespace {

using Graph = boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS>;

// Collects circuits; hawick_circuits copies its visitor, so the results live outside it.
struct Collector {
  std::vector<std::vector<std::size_t>>* cycles;
  std::size_t limit;
  template <typename Path, typename G>
  void cycle(const Path& p, const G&) {
    if (cycles->size() < limit) cycles->emplace_back(p.begin(), p.end());
  }
};

}  // namespace

void report_call_cycles(const std::vector<std::string>& service_names,
                        const std::vector<CallEdge>& edges, Diagnostics& diagnostics,
                        std::size_t limit) {
  Graph g(service_names.size());
  std::map<std::pair<std::size_t, std::size_t>, SourceLocation> first_call;
  for (const CallEdge& e : edges) {
    if (first_call.emplace(std::make_pair(e.from, e.to), e.where).second) {
      boost::add_edge(e.from, e.to, g);
    }
  }
  std::vector<std::vector<std::size_t>> cycles;
  boost::hawick_unique_circuits(g, Collector{&cycles, limit});
  for (const auto& c : cycles) {
    std::string names;
    for (std::size_t v : c) names += service_names[v] + " -> ";
    names += service_names[c.front()];
    diagnostics.report(Code::kCallCycle, first_call.at({c.back(), c.front()}), {names});
  }
}

}  // namespace meshsim::scenarios::internal
