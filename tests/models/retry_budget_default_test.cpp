// The retry budget a DestinationRule without `percent` gets, per Istio release: Istio wrote
// 0.2 (percent) where the documented default is 20 % until 1.30 (istio/istio#59504; its
// applyRetryBudget in pilot/pkg/networking/core/cluster_traffic_policy.go), so for a scenario on
// 1.27-1.29 the budget is min_retry_concurrency at any realistic load.  Checked on the clusters
// the traffic tables build, which the router's retry decisions read.
#include <catch2/catch.hpp>

#include <string>

#include "models/traffic.h"

using namespace meshsim::models;

namespace {

TrafficTables tables(const std::string& istio_version, std::optional<double> percent) {
  TrafficConfig cfg;
  cfg.istio_version = istio_version;
  DestinationRuleConfig dr;
  dr.name = "ratings";
  dr.host = "ratings";
  dr.traffic_policy.retry_budget = meshsim::policies::RetryBudgetSettings{percent, 3};
  cfg.destination_rules.push_back(dr);
  TrafficTopology topo;
  topo.services.push_back({"ratings", "default", "ratings.default.svc.cluster.local", {0}, false});
  topo.workloads.push_back({{{"app", "ratings"}}, "default"});
  static const Labels labels{{"app", "ratings"}};
  topo.pod_labels.push_back(&labels);
  return TrafficTables(cfg, std::move(topo));
}

double budget_percent(TrafficTables& t) {
  const uint32_t c = t.find_cluster(0, "");
  REQUIRE(c != kNoCluster);
  REQUIRE(t.cluster(c).retry_breaker.retry_budget.has_value());
  return t.cluster(c).retry_breaker.retry_budget->budget_percent;
}

}  // namespace

TEST_CASE("retryBudget without percent: 0.2 % before Istio 1.30, 20 % from it; a given percent "
          "is kept on every release") {
  for (const char* v : {"1.27", "1.28.2", "1.29"}) {
    INFO(v);
    auto t = tables(v, std::nullopt);
    CHECK(budget_percent(t) == 0.2);
  }
  for (const char* v : {"1.30", "1.31"}) {
    INFO(v);
    auto t = tables(v, std::nullopt);
    CHECK(budget_percent(t) == 20.0);
  }
  auto given = tables("1.27", 25.0);
  CHECK(budget_percent(given) == 25.0);
  auto t = tables("1.27", std::nullopt);
  CHECK(t.cluster(t.find_cluster(0, "")).retry_breaker.retry_budget->min_retry_concurrency == 3u);
}
