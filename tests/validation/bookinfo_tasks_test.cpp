// Istio's Bookinfo traffic-management tasks, with Istio's manifests unchanged
// (scenarios/examples/bookinfo and bookinfo-tasks are byte-identical copies), against the
// outcomes Istio documents (shared/reference/bookinfo/README.md, istio.io tasks).
#include <catch2/catch.hpp>

#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "models/mesh.h"
#include "support/recording_sink.h"
#include "policies/response_flags.h"
#include "scenarios/scenario.h"

using namespace meshsim::models;
using meshsim::simcore::Time;
using namespace meshsim::simcore::time_literals;
namespace flags = meshsim::policies;

namespace {

// The shared recording sink, plus queries by service and workload name.
struct Collect : meshsim::testing::RecordingSink {
  uint32_t service(const std::string& name) const {
    for (uint32_t i = 0; i < catalog.services.size(); ++i)
      if (catalog.services[i].name == name) return i;
    FAIL("no service " << name);
    return 0;
  }
  std::string workload(uint32_t i) const { return i == kNoWorkload ? "-" : catalog.workloads[i].name; }
  // reporter=source samples towards `svc`, by destination workload name.
  std::map<std::string, uint64_t> by_destination(const std::string& svc) const {
    std::map<std::string, uint64_t> n;
    const uint32_t s = service(svc);
    for (const auto& r : records)
      if (r.reporter == Reporter::kSource && r.destination_service == s) ++n[workload(r.destination_workload)];
    return n;
  }
  std::vector<CallRecord> source(const std::string& svc) const {
    std::vector<CallRecord> out;
    const uint32_t s = service(svc);
    for (const auto& r : records)
      if (r.reporter == Reporter::kSource && r.destination_service == s) out.push_back(r);
    return out;
  }
  std::vector<CallRecord> client() const {
    std::vector<CallRecord> out;
    for (const auto& r : records)
      if (r.reporter == Reporter::kClient) out.push_back(r);
    return out;
  }
};

const std::string kBookinfo = "scenarios/examples/bookinfo";
std::string task(const std::string& f) { return "scenarios/examples/bookinfo-tasks/" + f; }

// Only jason, at `rate` requests per second.
const std::string kOnlyJason =
    "Load/users.spec.requests=[{path: /productpage, headers: {end-user: jason}}]";

Collect run(std::vector<std::string> files, std::vector<std::string> overrides = {}) {
  const auto s = meshsim::scenarios::load_scenario(files, {overrides});
  Collect c;
  Mesh mesh(s.mesh);
  mesh.run(c);
  return c;
}

}  // namespace

TEST_CASE("Request routing: virtual-service-all-v1 sends every reviews call to v1, so ratings is "
          "never called", "[bookinfo]") {
  const Collect c = run({kBookinfo});
  const auto reviews = c.by_destination("reviews");
  REQUIRE(reviews.count("reviews-v1") == 1);
  CHECK(reviews.size() == 1);
  CHECK(c.source("ratings").empty());
}

TEST_CASE("Request routing: reviews-test-v2 sends jason to v2 and everyone else to v1", "[bookinfo]") {
  const Collect c = run({kBookinfo, task("virtual-service-reviews-test-v2.yaml")});
  const auto reviews = c.by_destination("reviews");
  // 10 % of users are jason (the example's load): v2's share lies in the binomial 99.9 % interval.
  const double n = static_cast<double>(reviews.at("reviews-v1") + reviews.at("reviews-v2"));
  CHECK(reviews.size() == 2);
  CHECK(std::abs(static_cast<double>(reviews.at("reviews-v2")) / n - 0.1) < 3.29 * std::sqrt(0.09 / n));
  // Only v2 calls ratings: one ratings call per jason request.
  CHECK(c.source("ratings").size() == reviews.at("reviews-v2"));
}

TEST_CASE("Fault injection, delay: jason's page takes about 6 s and shows reviews unavailable",
          "[bookinfo]") {
  // Truth (Istio task): ratings-test-delay delays ratings by 7 s for jason; reviews v2 waits up
  // to 10 s for ratings, but productpage gives up on reviews after 3 s and retries once: 2 x 3 s.
  // The page still renders (200) with "reviews unavailable".
  const Collect c = run({kBookinfo, task("virtual-service-reviews-test-v2.yaml"),
                         task("virtual-service-ratings-test-delay.yaml")},
                        // The task sends one page at a time (a browser); at 0.2 pages/s a 6 s page
                        // rarely overlaps more than productpage's 8 workers (Poisson(1.2) > 8:
                        // ~1e-5), so no request waits in its queue.
                        {kOnlyJason, "Load/users.spec.rate=0.2", "Experiment/bookinfo.spec.duration=150s"});
  const auto client = c.client();
  REQUIRE(client.size() >= 20);
  for (const auto& r : client) {
    CHECK(r.response_code == 200);
    CHECK(r.end - r.start >= 6_s);
    INFO("page latency " << (r.end - r.start).to_ms() << " ms");
    CHECK(r.end - r.start < 6_s + 100_ms);  // productpage's own work and the sidecar hops
  }
  // Both reviews attempts were abandoned by productpage (downstream reset, DC) after 3 s each.
  for (const auto& r : c.source("reviews")) CHECK((r.response_flags & flags::kDownstreamConnectionTermination) != 0);
}

TEST_CASE("Fault injection, delay: other users are unaffected", "[bookinfo]") {
  const Collect c = run({kBookinfo, task("virtual-service-reviews-test-v2.yaml"),
                         task("virtual-service-ratings-test-delay.yaml")},
                        {"Load/users.spec.requests=[{path: /productpage}]"});
  for (const auto& r : c.client()) {
    CHECK(r.response_code == 200);
    CHECK(r.end - r.start < 1_s);
  }
}

TEST_CASE("Fault injection, abort: ratings answers 500 to jason; the page renders with ratings "
          "unavailable", "[bookinfo]") {
  const Collect c = run({kBookinfo, task("virtual-service-reviews-test-v2.yaml"),
                         task("virtual-service-ratings-test-abort.yaml")},
                        {kOnlyJason});
  const auto ratings = c.source("ratings");
  REQUIRE(ratings.size() > 100);
  for (const auto& r : ratings) {
    CHECK(r.response_code == 500);
    CHECK(r.response_flags == flags::kFaultInjected);
  }
  for (const auto& r : c.source("reviews")) CHECK(r.response_code == 200);  // degraded, not failed
  for (const auto& r : c.client()) CHECK(r.response_code == 200);
}

TEST_CASE("Request timeouts: a 0.5 s reviews timeout against a 2 s ratings delay returns the page "
          "in about 1 s", "[bookinfo]") {
  // Truth (Istio task "Request timeouts"): reviews routed to v2, a 2 s delay on ratings for
  // everyone, then `timeout: 0.5s` on reviews: the page returns in about 1 s (0.5 s x
  // productpage's two attempts) with reviews unavailable.  The task's manifests, applied with
  // kubectl from the task page, are bookinfo-tasks/request-timeouts.yaml.
  const std::string vs = task("request-timeouts.yaml");
  // One page at a time, as in the task: 0.5 pages/s of 1 s pages (Poisson(0.5) > 8 workers: ~1e-9).
  const Collect c = run({kBookinfo, vs}, {"Load/users.spec.rate=0.5", "Experiment/bookinfo.spec.duration=400s"});
  const auto client = c.client();
  REQUIRE(client.size() > 100);
  for (const auto& r : client) {
    CHECK(r.response_code == 200);
    CHECK(r.end - r.start >= 1_s);
    INFO("page latency " << (r.end - r.start).to_ms() << " ms");
    CHECK(r.end - r.start < 1_s + 100_ms);
  }
  for (const auto& r : c.source("reviews")) {
    CHECK(r.response_code == 504);
    CHECK(r.response_flags == flags::kUpstreamRequestTimeout);
  }
}

TEST_CASE("Traffic shifting: reviews-50-v3 splits 50/50 between v1 and v3; reviews-v3 sends all to v3",
          "[bookinfo]") {
  const Collect half = run({kBookinfo, task("virtual-service-reviews-50-v3.yaml")});
  const auto r = half.by_destination("reviews");
  const double n = static_cast<double>(r.at("reviews-v1") + r.at("reviews-v3"));
  CHECK(r.size() == 2);
  CHECK(std::abs(static_cast<double>(r.at("reviews-v3")) / n - 0.5) < 3.29 * std::sqrt(0.25 / n));
  const Collect all = run({kBookinfo, task("virtual-service-reviews-v3.yaml")});
  const auto a = all.by_destination("reviews");
  CHECK(a.size() == 1);
  CHECK(a.count("reviews-v3") == 1);
}
