// Building and printing the service graph; see service_graph.h.
#include "scenarios/service_graph.h"

// GCC 12 reports a false -Wmaybe-uninitialized inside Boost.Graph's edge iterator (its
// boost::optional member) wherever edges(g) is instantiated, write_graphviz included.  The
// diagnostic must stay off to the end of the file: templates are instantiated there.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include <map>
#include <sstream>

#include <boost/graph/graphviz.hpp>

namespace meshsim::scenarios {

namespace {

std::string duration_text(simcore::Time t) {
  if (t == simcore::Time::max()) return "";
  std::ostringstream o;
  o << t.to_seconds() << "s";
  return o.str();
}

std::string short_host(const std::string& host) { return host.substr(0, host.find('.')); }

// "end-user=jason -> v2" / "-> v1 50%": one line per VirtualService http route.
std::vector<std::pair<std::string, std::string>> vs_routes(const Scenario& s) {
  std::vector<std::pair<std::string, std::string>> out;  // (service short name, text)
  for (const Manifest& m : s.istio) {
    if (m.kind != "VirtualService" || !m.node["spec"] || !m.node["spec"]["http"]) continue;
    const YAML::Node spec = m.node["spec"];
    std::vector<std::string> hosts;
    if (spec["hosts"] && spec["hosts"].IsSequence())
      for (const auto& h : spec["hosts"]) hosts.push_back(short_host(h.as<std::string>("")));
    for (const auto& route : spec["http"]) {
      std::string cond;
      if (route["match"] && route["match"].IsSequence()) {
        for (const auto& match : route["match"]) {
          if (match["headers"] && match["headers"].IsMap())
            for (const auto& h : match["headers"]) {
              const YAML::Node v = h.second;
              std::string val =
                  v.IsMap() && v.begin() != v.end() ? v.begin()->second.as<std::string>("") : "";
              cond += (cond.empty() ? "" : " ") + h.first.as<std::string>("") + "=" + val;
            }
          if (match["uri"] && match["uri"].IsMap() && match["uri"].begin() != match["uri"].end())
            cond += (cond.empty() ? "" : " ") + std::string("uri ") +
                    match["uri"].begin()->first.as<std::string>("") + " " +
                    match["uri"].begin()->second.as<std::string>("");
        }
      }
      std::string dests;
      if (route["route"] && route["route"].IsSequence()) {
        for (const auto& d : route["route"]) {
          const YAML::Node dest = d["destination"];
          std::string t = dest ? short_host(dest["host"].as<std::string>("")) : "?";
          if (dest && dest["subset"]) t += "/" + dest["subset"].as<std::string>("");
          if (d["weight"]) t += " " + d["weight"].as<std::string>("") + "%";
          dests += (dests.empty() ? "" : ", ") + t;
        }
      }
      std::string extras;
      if (route["timeout"]) extras += " timeout " + route["timeout"].as<std::string>("");
      if (route["retries"] && route["retries"]["attempts"])
        extras += " retries " + route["retries"]["attempts"].as<std::string>("");
      if (route["fault"]) extras += " fault";
      for (const auto& h : hosts)
        out.emplace_back(h, (cond.empty() ? "" : cond + " ") + "-> " + dests + extras);
    }
  }
  return out;
}

std::string json_escape(const std::string& s) {
  std::string o;
  for (char c : s) {
    if (c == '"' || c == '\\') o += '\\';
    if (c == '\n') {
      o += "\\n";
      continue;
    }
    o += c;
  }
  return o;
}

}  // namespace

ServiceGraph build_service_graph(const Scenario& scenario) {
  const models::MeshConfig& m = scenario.mesh;
  ServiceGraph g;
  std::map<std::string, ServiceGraph::vertex_descriptor> v;
  for (const auto& s : m.services)
    v[s.name] = boost::add_vertex(GraphVertex{s.name, "service", {}, {}}, g);
  // A workload sits under every Service that selects it (Kubernetes' rule), and its calls leave
  // from each of them.
  auto backs = [&](const models::WorkloadConfig& w) {
    std::vector<ServiceGraph::vertex_descriptor> out;
    for (const auto& s : m.services)
      if (models::service_selects(s, w) && v.count(s.name)) out.push_back(v[s.name]);
    return out;
  };
  for (const auto& w : m.workloads) {
    std::string zones;
    for (const auto& z : w.zones) zones += (zones.empty() ? "" : ",") + z;
    for (auto sv : backs(w))
      g[sv].workloads.push_back(w.name + " x" + std::to_string(w.replicas) + (zones.empty() ? "" : " (" + zones + ")"));
  }
  for (const auto& [svc, text] : vs_routes(scenario))
    if (v.count(svc)) g[v[svc]].routes.push_back(text);
  const char* kFailure[] = {"fail", "degrade", "ignore"};
  auto add_call = [&](const models::WorkloadConfig& w, const models::CallStep& c) {
    const std::string callee = short_host(c.service);
    if (!v.count(callee)) return;
    for (auto from : backs(w))
      boost::add_edge(from, v[callee],
                      GraphEdge{c.path, c.probability, duration_text(c.timeout), c.retries,
                                kFailure[static_cast<int>(c.on_failure)], w.name},
                      g);
  };
  for (const auto& w : m.workloads)
    for (const auto& h : w.handlers)
      for (const auto& st : h.steps) {
        if (const auto* c = std::get_if<models::CallStep>(&st)) add_call(w, *c);
        if (const auto* p = std::get_if<models::ParallelStep>(&st))
          for (const auto& c : p->calls) add_call(w, c);
      }
  for (const auto& l : m.loads) {
    auto lv = boost::add_vertex(GraphVertex{"load:" + l.name, "load", {}, {}}, g);
    const std::string target = short_host(l.target_service);
    if (v.count(target)) {
      std::string path;
      for (const auto& k : l.mix) path += (path.empty() ? "" : " | ") + k.path;
      boost::add_edge(
          lv, v[target],
          GraphEdge{path.empty() ? "/" : path, 1.0, duration_text(l.timeout), l.retries, "", ""},
          g);
    }
  }
  return g;
}

std::string graph_to_dot(const ServiceGraph& g) {
  std::ostringstream out;
  auto vertex_writer = [&g](std::ostream& o, ServiceGraph::vertex_descriptor d) {
    const GraphVertex& gv = g[d];
    std::string label = gv.name;
    for (const auto& w : gv.workloads) label += "\\n" + w;
    for (const auto& r : gv.routes) label += "\\nVS: " + r;
    std::string esc;
    for (char c : label) esc += c == '"' ? std::string("\\\"") : std::string(1, c);
    o << "[label=\"" << esc << "\", shape=" << (gv.kind == "load" ? "ellipse" : "box") << "]";
  };
  auto edge_writer = [&g](std::ostream& o, ServiceGraph::edge_descriptor e) {
    const GraphEdge& ge = g[e];
    std::ostringstream l;
    l << ge.path;
    if (ge.probability < 1.0) l << " p=" << ge.probability;
    if (!ge.timeout.empty()) l << " timeout " << ge.timeout;
    if (ge.retries > 0) l << " retries " << ge.retries;
    if (!ge.on_failure.empty() && ge.on_failure != "fail") l << " " << ge.on_failure;
    o << "[label=\"" << l.str() << "\"]";
  };
  boost::write_graphviz(out, g, vertex_writer, edge_writer);
  return out.str();
}

std::string graph_to_json(const ServiceGraph& g) {
  std::ostringstream o;
  o << "{\n  \"vertices\": [";
  for (auto [it, end] = boost::vertices(g); it != end; ++it) {
    const GraphVertex& v = g[*it];
    o << (it == boost::vertices(g).first ? "\n" : ",\n") << "    {\"id\": " << *it
      << ", \"name\": \"" << json_escape(v.name) << "\", \"kind\": \"" << v.kind
      << "\", \"workloads\": [";
    for (size_t i = 0; i < v.workloads.size(); ++i)
      o << (i ? ", " : "") << '"' << json_escape(v.workloads[i]) << '"';
    o << "], \"routes\": [";
    for (size_t i = 0; i < v.routes.size(); ++i)
      o << (i ? ", " : "") << '"' << json_escape(v.routes[i]) << '"';
    o << "]}";
  }
  o << "\n  ],\n  \"edges\": [";
  bool first = true;
  for (auto [it, end] = boost::edges(g); it != end; ++it) {
    const GraphEdge& e = g[*it];
    o << (first ? "\n" : ",\n") << "    {\"from\": \"" << json_escape(g[boost::source(*it, g)].name)
      << "\", \"to\": \"" << json_escape(g[boost::target(*it, g)].name) << "\", \"path\": \""
      << json_escape(e.path) << "\", \"probability\": " << e.probability << ", \"timeout\": \""
      << e.timeout << "\", \"retries\": " << e.retries << ", \"on_failure\": \"" << e.on_failure
      << "\", \"caller_workload\": \"" << json_escape(e.from_workload) << "\"}";
    first = false;
  }
  o << "\n  ]\n}\n";
  return o.str();
}

}  // namespace meshsim::scenarios
