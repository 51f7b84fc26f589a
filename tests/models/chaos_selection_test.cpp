// Chaos selection modes (models/chaos/selection.h) against Chaos Mesh's definitions
// (chaos-mesh pkg/selector/generic/mode.go, FilterObjectsByMode, math.Ceil since chaos-mesh#3036 in
// 2.2): one = 1 pod, all = every pod, fixed n = min(n, matching), fixed-percent p =
// ceil(matching x p / 100), random-max-percent p = ceil(matching x U{0..p} / 100); each random
// subset uniform over the subsets of its size.  The
// frequencies are checked against these closed forms within 99.9 % binomial bounds at a fixed
// seed.  Then in a run: the pods a random mode picks are serving pods, the same for the same
// event whatever else the timeline holds (common random numbers), and labels select pods.
#include <algorithm>
#include <map>
#include <set>

#include <catch2/catch.hpp>

#include "models/chaos/selection.h"
#include "tests/models/pod_loss_fixture.h"

namespace {

using namespace meshsim::testing;
using meshsim::models::pick_pods;
using meshsim::models::PodSelector;
using Pick = PodSelector::Pick;
using meshsim::simcore::Stream;

PodSelector mode(Pick p, uint32_t value = 0) {
  PodSelector s;
  s.pick = p;
  s.value = value;
  return s;
}

TEST_CASE("selection: sizes of each mode, as Chaos Mesh computes them") {
  Stream rng(1, "test", "select");
  CHECK(pick_pods(mode(Pick::kAll), 7, rng).size() == 7);
  CHECK(pick_pods(mode(Pick::kOne), 7, rng).size() == 1);
  CHECK(pick_pods(mode(Pick::kOne), 0, rng).empty());
  CHECK(pick_pods(mode(Pick::kFixed, 2), 7, rng).size() == 2);
  CHECK(pick_pods(mode(Pick::kFixed, 9), 7, rng).size() == 7);  // min(n, matching)
  // ceil, not round: 3 x 50 % = 1.5 -> 2; 10 x 25 % = 2.5 -> 3; 3 x 10 % = 0.3 -> 1; 10 x 20 % = 2.
  CHECK(pick_pods(mode(Pick::kFixedPercent, 50), 3, rng).size() == 2);
  CHECK(pick_pods(mode(Pick::kFixedPercent, 25), 10, rng).size() == 3);
  CHECK(pick_pods(mode(Pick::kFixedPercent, 10), 3, rng).size() == 1);
  CHECK(pick_pods(mode(Pick::kFixedPercent, 20), 10, rng).size() == 2);
  CHECK(pick_pods(mode(Pick::kFixedPercent, 100), 3, rng).size() == 3);
  // kFirst: meshsim's deterministic first n, or ceil(percent) of them.
  PodSelector first;
  first.count = 2;
  CHECK(pick_pods(first, 5, rng) == std::vector<uint32_t>{0, 1});
  first.count = 0;
  first.percent = 50;
  CHECK(pick_pods(first, 5, rng) == std::vector<uint32_t>{0, 1, 2});  // ceil(2.5)
  first.percent = 0;
  CHECK(pick_pods(first, 3, rng) == std::vector<uint32_t>{0, 1, 2});
}

TEST_CASE("selection: one and fixed pick uniformly among the matching pods") {
  Stream rng(7, "test", "select");
  constexpr int kDraws = 12000;
  std::map<uint32_t, int> one;
  std::map<std::vector<uint32_t>, int> pairs;
  for (int i = 0; i < kDraws; ++i) {
    ++one[pick_pods(mode(Pick::kOne), 3, rng)[0]];
    const auto p = pick_pods(mode(Pick::kFixed, 2), 4, rng);
    REQUIRE(p.size() == 2);
    REQUIRE(p[0] < p[1]);  // distinct, ascending
    ++pairs[p];
  }
  REQUIRE(one.size() == 3);
  for (const auto& [pod, n] : one) CHECK(within_binomial(n, kDraws, 1.0 / 3));
  REQUIRE(pairs.size() == 6);  // C(4, 2) subsets, each 1/6
  for (const auto& [subset, n] : pairs) CHECK(within_binomial(n, kDraws, 1.0 / 6));
}

TEST_CASE("selection: random-max-percent draws the percent uniformly on 0..max") {
  // 10 pods, max 50 %: p' uniform on 0..50 (51 values) and ceil(10 p' / 100) pods, so no pod with
  // probability 1/51 (p' = 0) and 1..5 pods each with 10/51 (p' in [10k - 9, 10k]).
  Stream rng(3, "test", "select");
  constexpr int kDraws = 20000;
  std::map<std::size_t, int> sizes;
  for (int i = 0; i < kDraws; ++i) ++sizes[pick_pods(mode(Pick::kRandomMaxPercent, 50), 10, rng).size()];
  REQUIRE(sizes.size() == 6);
  CHECK(within_binomial(sizes[0], kDraws, 1.0 / 51));
  for (std::size_t k = 1; k <= 5; ++k) CHECK(within_binomial(sizes[k], kDraws, 10.0 / 51));
}

TEST_CASE("selection: Litmus' PODS_AFFECTED_PERC takes a run of consecutive pods from a random start") {
  // max(1, floor(min(p, 100) x n / 100)) pods (litmus-go filterPodsByPercentage): 5 pods at 40 %:
  // 2, as one of the 5 circular runs {0,1} {1,2} {2,3} {3,4} {4,0}, each 1/5; at 0 % or 10 %: 1.
  Stream rng(11, "test", "select");
  CHECK(pick_pods(mode(Pick::kLitmusPercent, 0), 5, rng).size() == 1);
  CHECK(pick_pods(mode(Pick::kLitmusPercent, 10), 5, rng).size() == 1);
  CHECK(pick_pods(mode(Pick::kLitmusPercent, 100), 5, rng).size() == 5);
  constexpr int kDraws = 10000;
  std::map<std::vector<uint32_t>, int> runs;
  for (int i = 0; i < kDraws; ++i) ++runs[pick_pods(mode(Pick::kLitmusPercent, 40), 5, rng)];
  REQUIRE(runs.size() == 5);
  CHECK(runs.count({0, 4}) == 1);  // wraps around
  for (const auto& [pods, n] : runs) CHECK(within_binomial(n, kDraws, 1.0 / 5));
}

// ---- In a run: 6 pods of `back`, killed at 1 s by a random mode.

std::vector<std::string> killed(const Collect& c, const std::string& description) {
  for (const auto& e : c.events) {
    if (e.undo || e.description.rfind(description, 0) != 0) continue;
    std::vector<std::string> names;
    std::size_t at = e.description.find(": ");
    while (at != std::string::npos) {
      const std::size_t end = e.description.find(", ", at + 2);
      names.push_back(e.description.substr(at + 2, end == std::string::npos ? end : end - at - 2));
      at = end;
    }
    return names;
  }
  return {};
}

TimelineEvent kill_event(const std::string& name, PodSelector s, Time at = 1_s) {
  TimelineEvent e;
  e.name = name;
  e.at = at;
  e.description = name;
  KillPods k{s};
  k.mode = PodLossMode::kCrash;
  e.action = k;
  return e;
}

TEST_CASE("selection: a random kill takes serving pods, the same ones whatever else changes") {
  MeshConfig m = base(6, {}, "1.27");
  m.experiment.duration = 3_s;
  PodSelector two = mode(Pick::kFixed, 2);
  two.service = "back";
  m.timeline.push_back(kill_event("two", two));
  const auto alone = killed(run(m), "two");
  REQUIRE(alone.size() == 2);
  CHECK(alone[0] != alone[1]);

  // Another event before it (a different stream) leaves its pick alone ...
  MeshConfig with_other = m;
  with_other.timeline.insert(with_other.timeline.begin(), kill_event("other", mode(Pick::kOne), 500_ms));
  CHECK(killed(run(with_other), "two").size() == 2);
  // ... unless it killed one of them first: a random mode picks among pods still serving.
  const auto other = killed(run(with_other), "other");
  REQUIRE(other.size() == 1);
  const auto after = killed(run(with_other), "two");
  CHECK(std::find(after.begin(), after.end(), other[0]) == after.end());
  if (std::find(alone.begin(), alone.end(), other[0]) == alone.end()) CHECK(after == alone);

  // Seeds pick differently: over 20 seeds, more than one pair is seen.
  std::set<std::vector<std::string>> seen;
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    m.experiment.seed = seed;
    seen.insert(killed(run(m), "two"));
  }
  CHECK(seen.size() > 1);
}

TEST_CASE("selection: labels and namespace narrow the matching pods") {
  MeshConfig m = base(2, {}, "1.27");
  m.experiment.duration = 2_s;
  WorkloadConfig v2 = m.workloads[0];
  v2.name = "back-v2";
  v2.labels["version"] = "v2";
  m.workloads.push_back(v2);
  PodSelector s = mode(Pick::kAll);
  s.labels = {{"version", "v2"}};
  m.timeline.push_back(kill_event("v2", s));
  PodSelector elsewhere = mode(Pick::kAll);
  elsewhere.namespace_ = "other";
  m.timeline.push_back(kill_event("elsewhere", elsewhere));
  const Collect c = run(m);
  CHECK(killed(c, "v2") == std::vector<std::string>{"back-v2-0", "back-v2-1"});
  CHECK(killed(c, "elsewhere").empty());
}

}  // namespace
