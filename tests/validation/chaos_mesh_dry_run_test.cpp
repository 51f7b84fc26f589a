// A Chaos Mesh PodChaos read unchanged hits the same pods as the Timeline event written for it
// (scenarios/examples/bookinfo-chaos/): the same selection mode and selector, and the same
// random stream (keyed by the experiment's name), for every seed.  The seeds pick different
// pods, as Chaos Mesh's `mode: one` does run after run.
#include <catch2/catch.hpp>

#include <set>
#include <string>
#include <vector>

#include "models/mesh.h"
#include "scenarios/scenario.h"
#include "support/recording_sink.h"
#include "support/temp_dir.h"

namespace {

// The pods the timeline's first start record names ("...: reviews-v2-0"; a network fault's
// "...: reviews-v2-0; target productpage-v1-0").
std::string killed(const std::vector<std::string>& files, uint64_t seed) {
  const std::string seed_set = "Experiment.spec.seed=" + std::to_string(seed);
  const auto s = meshsim::scenarios::load_scenario(files, {{seed_set, "Experiment.spec.duration=25s"}});
  meshsim::testing::RecordingSink c;
  meshsim::models::Mesh mesh(s.mesh);
  mesh.run(c);
  for (const auto& e : c.events)
    if (!e.undo) return e.description.substr(e.description.rfind(": ") + 2);
  return "";
}

TEST_CASE("Chaos Mesh: a PodChaos hits the pods its Timeline twin hits, seed by seed") {
  const std::string bookinfo = MESHSIM_SOURCE_DIR "/scenarios/examples/bookinfo";
  const std::string dir = MESHSIM_SOURCE_DIR "/scenarios/examples/bookinfo-chaos/";
  std::set<std::string> seen;
  for (uint64_t seed = 1; seed <= 8; ++seed) {
    const std::string a = killed({bookinfo, dir + "kill-one-reviews.yaml"}, seed);
    const std::string b = killed({bookinfo, dir + "podchaos-kill-one-reviews.yaml"}, seed);
    INFO("seed " << seed);
    CHECK(a.rfind("reviews-v", 0) == 0);
    CHECK(a == b);
    seen.insert(a);
  }
  CHECK(seen.size() == 3);  // over 8 seeds, each of v1, v2, v3 is hit (chance of not: < 12 %)
}

TEST_CASE("Chaos Mesh: a NetworkChaos hits the pods (and target pods) its Timeline twin hits") {
  // mode one on reviews, target one productpage... pod: both picks from the event's own streams.
  const meshsim::testing::TempDir dir("networkchaos-twin");
  const std::string chaos = dir.write("chaos.yaml", R"(apiVersion: chaos-mesh.org/v1alpha1
kind: NetworkChaos
metadata: {name: slow-reviews, annotations: {meshsim.dev/at: 10s}}
spec:
  action: delay
  mode: one
  selector: {labelSelectors: {app: reviews}}
  direction: both
  target: {mode: fixed, value: "1", selector: {labelSelectors: {app: productpage}}}
  delay: {latency: 10ms}
)");
  const std::string twin = dir.write("twin.yaml", R"(apiVersion: meshsim.dev/v1alpha1
kind: Timeline
metadata: {name: twin}
spec:
  events:
  - name: slow-reviews
    at: 10s
    network: {labels: {app: reviews}, select: one, direction: both, target: {labels: {app: productpage}, select: {fixed: 1}}, delay: {latency: 10ms}}
)");
  const std::string bookinfo = MESHSIM_SOURCE_DIR "/scenarios/examples/bookinfo";
  std::set<std::string> seen;
  for (uint64_t seed = 1; seed <= 8; ++seed) {
    const std::string a = killed({bookinfo, twin}, seed);
    const std::string b = killed({bookinfo, chaos}, seed);
    INFO("seed " << seed);
    CHECK(a.rfind("reviews-v", 0) == 0);
    CHECK(a.find("; target productpage-v1-0") != std::string::npos);
    CHECK(a == b);
    seen.insert(a);
  }
  CHECK(seen.size() == 3);
}

}  // namespace
