// --set overrides: "KIND[/NAME].path=VALUE" changes the YAML before it is converted, and a path
// that names nothing is an error located in the override's own text.  Source of truth:
// README.md "Overrides" (the same paths the Python API uses).
#include "tests/scenarios/test_support.h"

namespace {

using namespace meshsim::scenarios;
using meshsim::scenarios::testing::dump;
using meshsim::scenarios::testing::errors_of_text;
using meshsim::scenarios::testing::examples;
using meshsim::simcore::Time;

constexpr const char* kShop = R"(apiVersion: meshsim.dev/v1alpha1
kind: Topology
metadata: {name: shop}
spec:
  zones: {zone-a: region-1, zone-b: region-1}
  services:
  - {name: reviews, ports: [{name: http, port: 9080}]}
  - {name: ratings, ports: [{name: http, port: 9080}]}
  workloads:
  - name: reviews-v2
    service: reviews
    replicas: 2
    handlers:
    - steps: [{call: {service: ratings}}]
  - name: ratings-v1
    service: ratings
---
apiVersion: meshsim.dev/v1alpha1
kind: Load
metadata: {name: users}
spec: {target: reviews, rate: 50}
---
apiVersion: meshsim.dev/v1alpha1
kind: Experiment
metadata: {name: shop}
spec: {duration: 30s}
)";

Scenario with(std::vector<std::string> sets) {
  LoadOptions o;
  o.overrides = std::move(sets);
  try {
    return load_scenario_text(kShop, "shop.yaml", o);
  } catch (const ScenarioError& e) {
    FAIL(e.what());
    throw;
  }
}

std::vector<Diagnostic> errors_with(std::vector<std::string> sets, const char* text = kShop) {
  LoadOptions o;
  o.overrides = std::move(sets);
  return errors_of_text(text, o);
}

int column_of(const std::string& set, const std::string& part) {
  return static_cast<int>(set.find(part)) + 1;
}

TEST_CASE(
    "overrides: --set by KIND/NAME, by KIND alone when it is unique, into lists by name and by "
    "index") {
  const Scenario s =
      with({"Experiment/shop.spec.duration=120s", "Experiment.spec.seed=7",
            "Load/users.spec.rate=500", "Topology/shop.spec.workloads[ratings-v1].workers=2",
            "Topology/shop.spec.workloads[0].replicas=3"});
  CHECK(s.mesh.experiment.duration == Time::from_s(120));
  CHECK(s.mesh.experiment.seed == 7);
  CHECK(s.mesh.loads.at(0).rate.at(0).rate == 500);
  CHECK(s.mesh.workloads.at(1).name == "ratings-v1");
  CHECK(s.mesh.workloads.at(1).workers == 2);
  CHECK(s.mesh.workloads.at(0).replicas == 3);
}

TEST_CASE("overrides: --set VALUE is YAML: lists and mappings replace whole subtrees") {
  const Scenario s =
      with({"Topology/shop.spec.workloads[ratings-v1].zones=[zone-a, zone-b]",
            "Load/users.spec.requests=[{path: /a, share: 3}, {path: /b, headers: {X-Test: '1'}}]"});
  CHECK(s.mesh.workloads.at(1).zones == std::vector<std::string>{"zone-a", "zone-b"});
  const auto& mix = s.mesh.loads.at(0).mix;
  REQUIRE(mix.size() == 2);
  CHECK(mix[0].path == "/a");
  CHECK(mix[0].share == 3);
  CHECK(mix[1].headers == meshsim::models::Headers{{"x-test", "1"}});
}

TEST_CASE("overrides: --set on a Kubernetes manifest: Deployment/reviews-v3.spec.replicas=3") {
  LoadOptions o;
  o.overrides = {"Deployment/reviews-v3.spec.replicas=3"};
  const Scenario s = load_scenario({examples("bookinfo/meshsim.yaml")}, o);
  for (const auto& w : s.mesh.workloads) CHECK(w.replicas == (w.name == "reviews-v3" ? 3u : 1u));
  // A new field in a Kubernetes manifest is no error (real manifests carry many fields meshsim
  // does not read), but one meshsim does not read changes nothing: a warning that says so and
  // lists what is read (MSH0406; overrides_reach_test.cpp has more).
  o.overrides = {"Deployment/reviews-v3.spec.replicaz=3"};
  const Scenario t = load_scenario({examples("bookinfo/meshsim.yaml")}, o);
  std::vector<Diagnostic> w;
  for (const Diagnostic& d : t.warnings)
    if (d.code != "MSH0013" && d.code != "MSH0314") w.push_back(d);  // Bookinfo's own warnings
  REQUIRE(w.size() == 1);
  CHECK(w[0].code == "MSH0406");
  CHECK(w[0].where.file == "<--set 1>");
  CHECK(w[0].message.find("of a Deployment it reads metadata.name, metadata.namespace, "
                          "spec.replicas, ") != std::string::npos);
}

TEST_CASE(
    "overrides: --set path that names nothing: MSH0402 at <--set N>:1:column, with a "
    "did-you-mean") {
  const std::string set = "Topology/shop.spec.workloads[ratings-v9].workers=2";
  auto e = errors_with({"Experiment.spec.seed=3", set});
  INFO(dump(e));
  REQUIRE(e.size() == 1);
  CHECK(e[0].code == "MSH0402");
  CHECK(e[0].where.file == "<--set 2>");
  CHECK(e[0].where.line == 1);
  CHECK(e[0].where.column == column_of(set, "ratings-v9"));
  CHECK(e[0].message == "--set '" + set +
                            "': no item named 'ratings-v9' in Topology 'shop' spec.workloads; did "
                            "you mean 'ratings-v1'?");

  e = errors_with({"Topology/shop.spec.workloads[7].workers=2"});
  REQUIRE(e.size() == 1);
  CHECK(e[0].message.find("index 7 is out of range") != std::string::npos);

  const std::string typo_in_middle = "Topology/shop.spec.workload[0].workers=2";
  e = errors_with({typo_in_middle});
  REQUIRE(e.size() == 1);
  CHECK(e[0].code == "MSH0402");
  CHECK(e[0].where.column == column_of(typo_in_middle, "workload"));
  CHECK(e[0].message.ends_with("did you mean 'workloads'?"));

  e = errors_with({"Load/user.spec.rate=1"});
  REQUIRE(e.size() == 1);
  CHECK(e[0].where.column == 6);
  CHECK(e[0].message.ends_with("no Load named 'user'; did you mean 'users'?"));

  e = errors_with({"Lod/users.spec.rate=1"});
  REQUIRE(e.size() == 1);
  CHECK(e[0].message.ends_with("the scenario has no Lod document; did you mean 'Load'?"));
}

TEST_CASE(
    "overrides: --set: a misspelt last field of a meshsim document is an unknown field, located in "
    "--set") {
  const std::string set = "Experiment/shop.spec.duraton=10s";
  const auto e = errors_with({set});
  REQUIRE(e.size() == 1);
  CHECK(e[0].code == "MSH0103");
  CHECK(e[0].where.file == "<--set 1>");
  CHECK(e[0].where.column == column_of(set, "duraton"));
  CHECK(e[0].message.ends_with("did you mean 'duration'?"));
}

TEST_CASE("overrides: --set: a bad value is reported at the value's column in the --set text") {
  const std::string set = "Load/users.spec.rate=-5";
  const auto e = errors_with({set});
  REQUIRE(e.size() == 1);
  CHECK(e[0].code == "MSH0104");
  CHECK(e[0].where.file == "<--set 1>");
  CHECK(e[0].where.column == column_of(set, "-5"));
}

TEST_CASE("overrides: --set: malformed, ambiguous and unparsable overrides") {
  auto e = errors_with({"Load/users.spec.rate"});
  REQUIRE(e.size() == 1);
  CHECK(e[0].code == "MSH0401");
  e = errors_with({"Load/users=5"});
  REQUIRE(e.size() == 1);
  CHECK(e[0].code == "MSH0401");
  e = errors_with({"Load/users.spec.rate=[1, 2"});
  REQUIRE(e.size() == 1);
  CHECK(e[0].code == "MSH0404");
  const std::string two_loads = std::string(kShop) +
                                "---\napiVersion: meshsim.dev/v1alpha1\nkind: Load\nmetadata: "
                                "{name: bots}\nspec: {target: ratings, rate: 5}\n";
  e = errors_with({"Load.spec.rate=1"}, two_loads.c_str());
  REQUIRE(e.size() == 1);
  CHECK(e[0].code == "MSH0403");
  CHECK(e[0].message ==
        "--set 'Load.spec.rate=1': there are 2 Load documents; name one, as Load/NAME");
}

}  // namespace

TEST_CASE("overrides: --set reaches the manifest in force when a later file replaces one") {
  // Regression: Bookinfo plus a task file defining VirtualService 'reviews' again (same
  // namespace: kubectl-apply replacement, MSH0008) made --set on it fail as ambiguous.
  // Truth: the later manifest is the one in force, so the override applies to it.
  LoadOptions o;
  o.overrides = {"VirtualService/reviews.spec.http[0].route[0].weight=20"};
  const Scenario s = load_scenario(
      {examples("bookinfo"), examples("bookinfo-tasks/virtual-service-reviews-50-v3.yaml")}, o);
  const meshsim::policies::VirtualServiceConfig* reviews = nullptr;
  for (const auto& vs : s.mesh.traffic.virtual_services)
    if (vs.name == "reviews") reviews = &vs;
  REQUIRE(reviews != nullptr);
  REQUIRE(reviews->http.size() == 1);
  REQUIRE(reviews->http[0].destinations.size() == 2);  // the 50-v3 task's route, not all-v1's
  CHECK(reviews->http[0].destinations[0].weight == 20);
  CHECK(reviews->http[0].destinations[1].weight == 50);
}

// ---- No silent overrides (issue #15): every override either applies or says why not. -------

namespace {

std::vector<Diagnostic> bookinfo_errors_with(std::vector<std::string> sets) {
  LoadOptions o;
  o.overrides = std::move(sets);
  try {
    load_scenario({examples("bookinfo")}, o);
  } catch (const ScenarioError& e) {
    return e.diagnostics;
  }
  return {};
}

}  // namespace

TEST_CASE("overrides: the scenario records where each --set went (document and field path)") {
  const Scenario s = with({"experiment.spec.seed=7", "Topology/shop.spec.workloads[ratings-v1].workers=2",
                           "Load/users.spec.requests=[{path: /a}]"});
  REQUIRE(s.overrides.size() == 3);
  CHECK(s.overrides[0].text == "experiment.spec.seed=7");
  CHECK(s.overrides[0].kind == "Experiment");  // as the scenario spells it, not as typed
  CHECK(s.overrides[0].name == "shop");
  CHECK(s.overrides[0].path == "spec.seed");
  CHECK(s.overrides[1].kind == "Topology");
  CHECK(s.overrides[1].path == "spec.workloads[ratings-v1].workers");
  CHECK(s.overrides[2].path == "spec.requests");
}

TEST_CASE("overrides: --set of an Experiment's include would change nothing: MSH0014") {
  // Truth: README "Overrides": include is followed when the files are read, before overrides.
  const std::string set = "Experiment/shop.spec.include=[more.yaml]";
  auto e = errors_with({set});
  INFO(dump(e));
  REQUIRE(e.size() == 1);
  CHECK(e[0].code == "MSH0014");
  CHECK(e[0].where.file == "<--set 1>");
  CHECK(e[0].where.column == column_of(set, "include"));
  CHECK(e[0].message.find("name the files on the command line") != std::string::npos);
  // The whole spec, with an include in it, likewise; without one it applies.
  e = errors_with({"Experiment.spec={duration: 10s, include: [more.yaml]}"});
  REQUIRE(e.size() == 1);
  CHECK(e[0].code == "MSH0014");
  CHECK(with({"Experiment.spec={duration: 10s}"}).mesh.experiment.duration == Time::from_s(10));
}

TEST_CASE("overrides: a path through a scalar or into the wrong container is MSH0402 naming it") {
  auto e = errors_with({"Load/users.spec.rate.value=1"});
  INFO(dump(e));
  REQUIRE(e.size() == 1);
  CHECK(e[0].code == "MSH0402");
  CHECK(e[0].message.ends_with(
      "'value' cannot be reached: Load 'users' spec.rate is not a mapping"));
  e = errors_with({"Load/users.spec[0]=1"});
  REQUIRE(e.size() == 1);
  CHECK(e[0].code == "MSH0402");
  CHECK(e[0].message.ends_with("'[0]' cannot be reached: Load 'users' spec is not a list"));
  e = errors_with({"Topology/shop.spec.workloads.name=x"});
  REQUIRE(e.size() == 1);
  CHECK(e[0].message.ends_with("'name' cannot be reached: Topology 'shop' spec.workloads is not a mapping"));
}

TEST_CASE("overrides: a value of the wrong type is an error located in the --set text, naming it") {
  // meshsim's own kinds: the field's type check (MSH0101) or range check (MSH0104).
  for (const std::string set :
       {"Experiment.spec.seed=abc", "Experiment.spec.seed=-1", "Experiment.spec.duration=10",
        "Load/users.spec.rate=fast", "Topology/shop.spec.workloads[0].replicas=[1]",
        "Topology/shop.spec.workloads[ratings-v1].workers=1.5"}) {
    const auto e = errors_with({set});
    INFO(set << "\n" << dump(e));
    REQUIRE(e.size() == 1);
    CHECK((e[0].code == "MSH0101" || e[0].code == "MSH0104"));
    CHECK(e[0].where.file == "<--set 1>");
    CHECK(e[0].where.column == column_of(set, "=") + 1);
    CHECK(e[0].message.starts_with("--set '" + set + "': "));  // names the override
  }
  // Kubernetes and Istio manifests too.
  for (const std::string set :
       {"Deployment/reviews-v3.spec.replicas=many",
        "VirtualService/reviews.spec.http[0].route[0].weight=heavy",
        "DestinationRule/reviews.spec.subsets[v1].labels=v1"}) {
    const auto e = bookinfo_errors_with({set});
    INFO(set << "\n" << dump(e));
    REQUIRE(e.size() == 1);
    CHECK(e[0].where.file == "<--set 1>");
    CHECK(e[0].message.starts_with("--set '" + set + "': "));
  }
}
