// The reader of Istio traffic manifests shared by the VirtualService and DestinationRule parts
// (istio_virtual_service.cc, istio_destination_rule.cc): one Reader per manifest, which knows
// its label for messages, reads the common value kinds (percentages, durations, bounded
// integers) with Istio's limits, collects the fields accepted but not modelled (MSH0310) and
// records every destination host.  Internal to istio_traffic.*; the public entry points are in
// istio_traffic.h.
//
// Field names and types follow istio/api networking/v1alpha3 virtual_service.proto and
// destination_rule.proto in their YAML (JSON) spelling: wrappers such as UInt32Value and
// BoolValue are plain scalars, Durations are Go-style strings ("10s").  Istio's own validation
// (pkg/config/validation) is mirrored where a mistake would otherwise go unnoticed until run
// time: retries (policies::validate_istio_retries), percentages, fault abort status, oneofs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "models/config.h"
#include "policies/fault.h"
#include "policies/retry_policy.h"
#include "policies/virtual_service.h"
#include "scenarios/internal/durations.h"
#include "scenarios/internal/istio_traffic.h"
#include "scenarios/internal/yaml_util.h"

namespace meshsim::scenarios::internal::istio_reader {

using simcore::Time;

constexpr uint64_t kInt32Max = 2'147'483'647;
constexpr uint64_t kUint32Max = 4'294'967'295;

using internal::child;

// The weights of one route's destinations, for MSH0303.
struct WeightTally {
  bool all_read = true;  // false once a weight is not a non-negative integer (reported)
  bool any_positive = false;
};

// Reads one manifest.  Paths ("spec.http[0].retries") name where a value sits, for messages;
// `label_` names the manifest ("VirtualService 'reviews'").
class Reader {
 public:
  Reader(const Context& ctx, std::string label) : ctx_(ctx), label_(std::move(label)) {}

  ParsedVirtualService virtual_service(const YAML::Node& root, const std::string& name,
                                       const std::string& ns);
  models::DestinationRuleConfig destination_rule(const YAML::Node& root, const std::string& name,
                                                 const std::string& ns);
  // Reports the fields accepted but not modelled, once for the manifest (MSH0310).
  void finish();

 private:
  std::string what(const std::string& path) const { return label_ + " " + path; }

  // Calls f(item, path + "[i]") for each item of a list; reports a non-list (MSH0101).
  template <class F>
  void each(const YAML::Node& list, std::string_view field, const std::string& path, F&& f) {
    if (!list.IsDefined()) return;
    if (!list.IsSequence()) {
      ctx_.report(Code::kWrongType, list, {std::string(field), "a list", describe(list)});
      return;
    }
    std::size_t i = 0;
    for (auto it = list.begin(); it != list.end(); ++it, ++i) {
      f(*it, path + "[" + std::to_string(i) + "]");
    }
  }

  // Records the keys of `m` that are accepted but have no effect on the simulation.
  void note(const Mapping& m, std::initializer_list<std::string_view> keys,
            const std::string& path);
  // MSH0311 for `key` of `m`, if given.
  void policy_not_modelled(const Mapping& m, std::string_view key, const std::string& path,
                           const std::string& consequence) const;
  // A percentage in [0, 100] (MSH0308 outside); `whole` for Istio's int32 percent fields.
  std::optional<double> percent(const YAML::Node& n, std::string_view field,
                                const std::string& path, bool whole) const;
  // Istio's Percent message, {value: <double>}.
  std::optional<double> percent_message(const YAML::Node& n, const std::string& path) const;
  std::optional<Time> duration(const Mapping& m, std::string_view key, DurationRule rule) const;
  std::optional<int64_t> integer(const Mapping& m, std::string_view key, uint64_t hi) const;

  // VirtualService parts.
  policies::HttpRoute http_route(const YAML::Node& node, const std::string& path);
  policies::HttpMatch http_match(const YAML::Node& node, const std::string& path);
  std::optional<policies::StringMatch> string_match(const YAML::Node& node,
                                                    const std::string& path) const;
  std::vector<policies::NamedMatch> named_matches(const YAML::Node& node, std::string_view field,
                                                  const std::string& path) const;
  std::optional<policies::RouteDestination> route_destination(const YAML::Node& node,
                                                              const std::string& path,
                                                              WeightTally& weights);
  // A destination; its host and subset are also recorded in sites_ (`mirror`: a mirror's).
  policies::RouteDestination destination(const YAML::Node& node, const std::string& path,
                                         bool mirror);
  // A route's weight (MSH0304 if negative) into `weights`.
  std::optional<uint32_t> weight(const YAML::Node& w, WeightTally& weights) const;
  // MSH0303 for a route of several destinations whose weights are all 0.
  void check_weights(const YAML::Node& route, const WeightTally& weights) const;
  std::optional<policies::HttpRetryConfig> retries(const YAML::Node& node,
                                                   const std::string& path) const;
  std::optional<policies::HttpFaultConfig> fault(const YAML::Node& node,
                                                 const std::string& path) const;
  void mirrors(const Mapping& m, const std::string& path, policies::HttpRoute& route);
  // `tcp` (or `tls`) routes: their destinations are recorded for the reference checks; the tcp
  // ones are returned for the sidecars' tcp_proxy (tls routes are not simulated: noted).
  std::vector<policies::TcpRoute> l4_routes(const YAML::Node& list, std::string_view field, const std::string& path);

  // DestinationRule parts.
  models::TrafficPolicyConfig traffic_policy(const YAML::Node& node, const std::string& path);
  void load_balancer(const YAML::Node& node, const std::string& path,
                     models::TrafficPolicyConfig& tp);
  void consistent_hash(const YAML::Node& node, const std::string& path,
                       models::TrafficPolicyConfig& tp);
  std::optional<policies::LocalityLbSetting> locality(const YAML::Node& node,
                                                      const std::string& path);
  std::optional<policies::ConnectionPoolSettings> connection_pool(const YAML::Node& node,
                                                                  const std::string& path);
  std::optional<policies::OutlierDetectionSettings> outlier_detection(const YAML::Node& node,
                                                                      const std::string& path);
  std::optional<policies::RetryBudgetSettings> retry_budget(const YAML::Node& node,
                                                            const std::string& path);

  const Context& ctx_;
  std::string label_;
  std::string name_;                          // the manifest's name, for MSH0303/0304
  std::vector<DestinationSite> sites_;        // every destination and mirror host, in order
  std::vector<std::pair<std::string, SourceLocation>> not_modelled_;  // generic path, first use
};

}  // namespace meshsim::scenarios::internal::istio_reader
