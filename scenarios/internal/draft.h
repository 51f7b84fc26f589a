// What the converters produce before the cross-document checks: the models' configuration,
// plus where each reference was written so validate.cc can point at it.  Internal to scenarios/.
//
// Converters (kubernetes.cc, topology.cc, load.cc, timeline.cc, experiment.cc) check what one
// document can check alone (types, ranges, unknown fields); validate.cc checks what needs all of
// them (services, ports, zones, pods, cycles) and assembles the final MeshConfig.
#pragma once

#include <deque>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "models/config.h"
#include "scenarios/diagnostics.h"
#include "scenarios/internal/documents.h"
#include "scenarios/internal/istio_traffic.h"
#include "scenarios/scenario.h"

namespace meshsim::scenarios::internal {

struct ServiceDraft {
  models::ServiceConfig config;
  SourceLocation where;
  std::string type;           // spec.type as written ("" = ClusterIP)
  SourceLocation where_type;
  std::string external_name;  // type ExternalName: spec.externalName
};

// Where one CallStep was written.  A workload's CallSites are in handler traversal order
// (handler, step, call within a parallel step), the order validate.cc walks them in.
struct CallSite {
  SourceLocation where;          // the call mapping
  SourceLocation where_service;  // its `service` value
  SourceLocation where_port;     // its `port` value, or `where` when none is given
  bool port_given = false;
  // Fields only an HTTP request has (path, method, headers), and tcpClient, only a TCP call
  // has: named where given, so a call to the other kind of port is told they do nothing.
  std::vector<std::pair<std::string, SourceLocation>> http_fields;
  std::optional<SourceLocation> where_tcp_client;
};

// A workload as a Deployment defines it.
struct WorkloadDraft {
  models::WorkloadConfig config;
  SourceLocation where;
};

// What one Topology entry says about a workload; only the fields given are set.
struct WorkloadEntry {
  std::string name;
  std::string namespace_ = "default";
  std::optional<std::string> service;
  std::optional<models::Labels> labels;
  std::optional<std::string> service_account;
  std::optional<uint32_t> replicas;
  std::optional<std::vector<std::string>> zones;
  std::optional<uint32_t> workers;
  std::optional<uint32_t> queue_limit;
  std::optional<uint32_t> overflow_status;
  std::optional<bool> sidecar;
  std::optional<double> cpu_limit;
  std::optional<std::vector<models::HandlerConfig>> handlers;
  std::optional<std::string> extends;  // another entry's name (same namespace) it amends
  SourceLocation where;          // the entry
  SourceLocation where_extends;
  SourceLocation where_service;  // `service`, or the entry
  std::vector<SourceLocation> where_zones;
  std::vector<CallSite> calls;
};

struct ZoneDraft {
  std::string name;
  std::string region;
  SourceLocation where;
};

// Parallel to MeshConfig::loads.
struct LoadSite {
  std::string namespace_;
  SourceLocation where_target;
  SourceLocation where_port;
  bool port_given = false;
  SourceLocation where_zone;
  bool zone_given = false;
  SourceLocation where_from;
  SourceLocation where_in_mesh;
  bool in_mesh_given = false;
};

// Parallel to MeshConfig::timeline (before the events are sorted by time).
struct EventSite {
  std::string namespace_;
  SourceLocation where_action;   // the action's mapping
  SourceLocation where_service;  // selector fields, or where_action
  SourceLocation where_workload;
  SourceLocation where_zone;
  SourceLocation where_from;  // partition sides
  SourceLocation where_to;
  SourceLocation where_target;  // network: the target selector
  std::optional<Document> applied;  // apply: the manifest, parsed
  // apply of a VirtualService / DestinationRule: as read (istio_traffic.h), for the checks.
  std::optional<ParsedVirtualService> applied_virtual_service;
  std::optional<models::DestinationRuleConfig> applied_destination_rule;
};

// Parallel to MeshConfig::experiment.expectations: where each expectation's references were
// written (one entry of `expect:` gives one expectation per criterion, sharing these).
struct ExpectationSite {
  std::string namespace_;
  SourceLocation where_service;
  SourceLocation where_workload;
  SourceLocation where_version;
  SourceLocation where_from;
  SourceLocation where_load;
  SourceLocation where_during;
};

// A Chaos Mesh or LitmusChaos document to run as a dry run: given with the scenario (`at` empty:
// the warm-up's end or its meshsim.dev/at annotation), or applied by a Timeline event at `at`.
struct ChaosDoc {
  const Document* doc;
  std::optional<simcore::Time> at;
};

struct Draft {
  models::MeshConfig mesh;  // loads, timeline, experiment, network, sidecar filled in directly
  std::vector<ServiceDraft> services;
  std::vector<WorkloadDraft> deployments;
  std::vector<WorkloadEntry> entries;
  std::vector<ZoneDraft> zones;
  // Topology settings set once only ("network.sameZone" -> where), for MSH0108.
  std::map<std::string, SourceLocation> topology_settings;
  std::vector<LoadSite> load_sites;
  std::vector<EventSite> event_sites;
  std::vector<ExpectationSite> expectation_sites;
  std::optional<SourceLocation> experiment;  // where the Experiment is, once read
  bool max_call_depth_set = false;
  std::vector<Manifest> istio;
  std::vector<ParsedVirtualService> virtual_services;  // every VirtualService of `istio`, as read
  std::vector<Document> kubernetes;  // every Kubernetes document kept (for 'remove')
  // Chaos Mesh / LitmusChaos documents a Timeline `apply`s, with the event's time (chaos_mesh.h).
  std::deque<std::pair<Document, simcore::Time>> applied_chaos;
};

}  // namespace meshsim::scenarios::internal
