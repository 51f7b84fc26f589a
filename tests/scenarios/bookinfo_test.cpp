// Istio's Bookinfo manifests load as they are, and give what Kubernetes says they define.
// Source of truth: Istio's samples/bookinfo/platform/kube/bookinfo.yaml (copied unchanged into
// scenarios/examples/bookinfo/) and Istio's traffic-management tasks (tasks/).
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <tuple>

#include "models/mesh.h"
#include "support/recording_sink.h"
#include "support/temp_dir.h"
#include "tests/scenarios/test_support.h"

namespace {

using namespace meshsim::scenarios;
using meshsim::scenarios::testing::bad;
using meshsim::scenarios::testing::dump;
using meshsim::scenarios::testing::errors_of;
using meshsim::scenarios::testing::examples;
using meshsim::scenarios::testing::repo_root;

std::string read(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

const meshsim::models::WorkloadConfig& workload(const Scenario& s, const std::string& name) {
  for (const auto& w : s.mesh.workloads) {
    if (w.name == name) return w;
  }
  FAIL("no workload " << name);
  throw;
}

TEST_CASE("bookinfo: the example's Istio manifests are byte-for-byte Istio's") {
  const auto ref = repo_root().parent_path() / "shared/reference/bookinfo";
  if (!std::filesystem::exists(ref)) SUCCEED("reference copy not present");
  for (const char* f :
       {"bookinfo/istio/bookinfo.yaml", "bookinfo/istio/destination-rule-all.yaml",
        "bookinfo/istio/virtual-service-all-v1.yaml", "bookinfo-tasks/bookinfo-gateway.yaml",
        "bookinfo-tasks/virtual-service-ratings-test-abort.yaml",
        "bookinfo-tasks/virtual-service-ratings-test-delay.yaml",
        "bookinfo-tasks/virtual-service-reviews-50-v3.yaml",
        "bookinfo-tasks/virtual-service-reviews-test-v2.yaml",
        "bookinfo-tasks/virtual-service-reviews-v3.yaml"}) {
    if (!std::filesystem::exists(ref)) break;
    INFO(f);
    CHECK(read(examples(f)) ==
          read((ref / std::filesystem::path(f).filename()).string()));
  }
}

TEST_CASE("bookinfo.yaml alone: 4 services, 6 workloads with Kubernetes' labels, replicas, ports") {
  const Scenario s = load_scenario({examples("bookinfo/istio/bookinfo.yaml")});
  REQUIRE(s.mesh.services.size() == 4);
  std::vector<std::string> names;
  for (const auto& svc : s.mesh.services) {
    names.push_back(svc.name);
    CHECK(svc.namespace_ == "default");
    REQUIRE(svc.ports.size() == 1);
    CHECK(svc.ports[0].number == 9080);
    CHECK(svc.ports[0].name == "http");
    CHECK(svc.ports[0].protocol == meshsim::models::Protocol::kHttp);
    CHECK(svc.selector == meshsim::models::Labels{{"app", svc.name}});
  }
  CHECK(names == std::vector<std::string>{"details", "ratings", "reviews", "productpage"});
  REQUIRE(s.mesh.workloads.size() == 6);
  for (const char* name :
       {"details-v1", "ratings-v1", "reviews-v1", "reviews-v2", "reviews-v3", "productpage-v1"}) {
    const auto& w = workload(s, name);
    const std::string n = name;
    const std::string app = n.substr(0, n.rfind('-'));
    CHECK(w.service == app);
    CHECK(w.labels ==
          meshsim::models::Labels{{"app", app}, {"version", n.substr(n.rfind('-') + 1)}});
    CHECK(w.replicas == 1);
    CHECK(w.service_account == "bookinfo-" + app);
    CHECK(w.zones == std::vector<std::string>{"zone-a"});
    // No Topology entry: the defaults, and a warning that says so.
    CHECK(w.workers == 1);
    REQUIRE(w.handlers.size() == 1);
    CHECK(w.handlers[0].steps.empty());
  }
  CHECK(s.ignored_kinds == std::vector<std::string>{"ServiceAccount (4)"});
  CHECK(std::count_if(s.warnings.begin(), s.warnings.end(),
                      [](const Diagnostic& d) { return d.code == "MSH0208"; }) == 6);
  REQUIRE(s.sources.size() == 1);
  CHECK(s.sources[0].text == read(examples("bookinfo/istio/bookinfo.yaml")));
}

TEST_CASE("bookinfo example: the Istio documents are kept unchanged, in load order") {
  const Scenario s = load_scenario({examples("bookinfo/meshsim.yaml")});
  REQUIRE(s.istio.size() == 8);  // 4 DestinationRules, 4 VirtualServices
  CHECK(s.istio[0].kind == "DestinationRule");
  CHECK(s.istio[0].name == "productpage");
  CHECK(s.istio[0].api_version == "networking.istio.io/v1");
  CHECK(s.istio[4].kind == "VirtualService");
  const Manifest& reviews = s.istio[5];
  CHECK(reviews.name == "reviews");
  CHECK(reviews.where.line == 14);  // virtual-service-all-v1.yaml: the second document starts there
  CHECK(reviews.node["spec"]["http"][0]["route"][0]["destination"]["subset"].as<std::string>() ==
        "v1");
  // Files in load order: the Experiment's file, then what it includes.
  REQUIRE(s.sources.size() == 4);
  CHECK(s.sources[1].path.ends_with("istio/bookinfo.yaml"));
  // The Topology entries gave behaviour to all six Deployments.
  CHECK(workload(s, "productpage-v1").handlers.size() == 2);
  const auto& v3 = workload(s, "reviews-v3");
  const auto& call = std::get<meshsim::models::CallStep>(v3.handlers[0].steps[1]);
  CHECK(call.service == "ratings");
  CHECK(call.timeout == meshsim::simcore::Time::from_ms(2500));
  CHECK(call.on_failure == meshsim::models::OnFailure::kDegrade);
  const auto& pp = workload(s, "productpage-v1").handlers[0];
  CHECK(std::get<meshsim::models::CallStep>(pp.steps[1]).retries == 0);
  CHECK(std::get<meshsim::models::CallStep>(pp.steps[2]).retries == 1);
  CHECK(std::get<meshsim::models::CallStep>(pp.steps[2]).timeout ==
        meshsim::simcore::Time::from_s(3));
}

TEST_CASE(
    "bookinfo tasks: every task file is valid with the example - its VirtualService replaces the "
    "old one") {
  for (const char* task :
       {"bookinfo-gateway.yaml", "virtual-service-ratings-test-abort.yaml",
        "virtual-service-ratings-test-delay.yaml", "virtual-service-reviews-50-v3.yaml",
        "virtual-service-reviews-test-v2.yaml", "virtual-service-reviews-v3.yaml"}) {
    INFO(task);
    Scenario s;
    REQUIRE_NOTHROW(s = load_scenario({examples("bookinfo/meshsim.yaml"),
                                       examples(std::string("bookinfo-tasks/") + task)}));
    if (std::string(task) == "bookinfo-gateway.yaml") {
      CHECK(s.istio.size() == 10);  // a Gateway and a new VirtualService
      continue;
    }
    CHECK(s.istio.size() == 8);
    // kubectl apply semantics, noted as info MSH0008 at the new document.
    REQUIRE(testing::has_code(s.warnings, "MSH0008"));
    const Manifest& last = s.istio.back();
    CHECK(last.where.file.ends_with(task));
  }
  // Two tasks together (Istio's delay task: reviews-test-v2 then ratings-test-delay).
  const Scenario s =
      load_scenario({examples("bookinfo/meshsim.yaml"),
                     examples("bookinfo-tasks/virtual-service-reviews-test-v2.yaml"),
                     examples("bookinfo-tasks/virtual-service-ratings-test-delay.yaml")});
  int replaced = 0;
  for (const auto& d : s.warnings) replaced += d.code == "MSH0008";
  CHECK(replaced == 2);
}

TEST_CASE("bookinfo tasks, broken copies: an undefined subset and an unknown host are errors") {
  // Istio: a subset with no DestinationRule entry gives 503 NC at run time; meshsim says so now.
  auto e = errors_of({examples("bookinfo/meshsim.yaml"), bad("virtual-service-reviews-v4.yaml")});
  INFO(dump(e));
  REQUIRE(e.size() == 1);
  CHECK(e[0].code == "MSH0302");
  CHECK(e[0].where.file.ends_with("virtual-service-reviews-v4.yaml"));
  CHECK(e[0].where.line == 14);
  CHECK(e[0].where.column == 17);
  CHECK(e[0].message.find("'v1', 'v2', 'v3'") != std::string::npos);

  e = errors_of({examples("bookinfo/meshsim.yaml"), bad("virtual-service-ratings-typo.yaml")});
  INFO(dump(e));
  REQUIRE(e.size() == 1);
  CHECK(e[0].code == "MSH0301");
  CHECK(e[0].where.line == 26);
  CHECK(e[0].where.column == 15);
  CHECK(e[0].message ==
        "VirtualService 'ratings': Referenced host not found: \"rating\"; did you mean "
        "'ratings'?");

  // The 50/50 split with both weights set to 0: Istio's validation rejects it.
  e = errors_of(
      {examples("bookinfo/meshsim.yaml"), bad("virtual-service-reviews-zero-weights.yaml")});
  INFO(dump(e));
  REQUIRE(e.size() == 1);
  CHECK(e[0].code == "MSH0303");
  CHECK(e[0].where.line == 12);
  CHECK(e[0].where.column == 5);
}

// ---- Host names on Istio's own manifests (policies/host_name.h) ----------------------------

namespace {

// Every record of a run, exactly, for comparing two runs of the same seed.
std::vector<std::tuple<int64_t, int64_t, uint32_t, uint32_t, uint16_t, uint32_t>> run_records(
    const meshsim::models::MeshConfig& mesh) {
  meshsim::testing::RecordingSink sink;
  meshsim::models::Mesh m(mesh);
  m.run(sink);
  std::vector<std::tuple<int64_t, int64_t, uint32_t, uint32_t, uint16_t, uint32_t>> out;
  for (const auto& r : sink.records) {
    out.emplace_back(r.start.ns(), r.end.ns(), r.source_workload, r.destination_workload,
                     r.response_code, r.response_flags);
  }
  return out;
}

const LoadOptions kShort{{"Experiment/bookinfo.spec.duration=15s"}};

}  // namespace

TEST_CASE("bookinfo hosts: 'reviews' and 'reviews.default.svc.cluster.local' route alike "
          "(ResolveShortnameToFQDN), request for request") {
  const std::string task = examples("bookinfo-tasks/virtual-service-reviews-test-v2.yaml");
  // The hosts only, not metadata.name: the copy must replace Bookinfo's 'reviews' VS as the
  // original does.
  std::string fqdn = read(task);
  for (const std::string key : {"- reviews\n", "host: reviews\n"}) {
    for (std::size_t at = 0; (at = fqdn.find(key, at)) != std::string::npos;) {
      fqdn.replace(at, key.size() - 1, key.substr(0, key.size() - 1) + ".default.svc.cluster.local");
      at += key.size();
    }
  }
  REQUIRE(fqdn.find("- reviews.default.svc.cluster.local") != std::string::npos);
  REQUIRE(fqdn.find("host: reviews.default.svc.cluster.local") != std::string::npos);
  const meshsim::testing::TempDir dir("hosts");
  const std::string fqdn_file = dir.write("virtual-service-reviews-test-v2-fqdn.yaml", fqdn);

  const Scenario short_name = load_scenario({examples("bookinfo/meshsim.yaml"), task}, kShort);
  const Scenario full = load_scenario({examples("bookinfo/meshsim.yaml"), fqdn_file}, kShort);
  for (const Scenario* s : {&short_name, &full}) {
    INFO(dump(s->warnings));
    CHECK_FALSE(testing::has_code(s->warnings, "MSH0313"));
  }
  const auto a = run_records(short_name.mesh);
  const auto b = run_records(full.mesh);
  REQUIRE(a.size() > 1000);
  REQUIRE(a.size() == b.size());
  CHECK(std::equal(a.begin(), a.end(), b.begin()));
}

TEST_CASE("bookinfo hosts: destination 'reviews.default' is Istio's IST0101 (MSH0301), at its "
          "line:column") {
  const std::string file = bad("virtual-service-reviews-dotted-destination.yaml");
  const auto e = errors_of({examples("bookinfo/meshsim.yaml"), file});
  INFO(dump(e));
  REQUIRE(e.size() == 1);
  CHECK(e[0].to_string() == file +
                                ":17:15: error MSH0301: VirtualService 'reviews': Referenced host "
                                "not found: \"reviews.default\" (a name with a dot is taken as "
                                "written); did you mean 'reviews.default.svc.cluster.local'?");
}

TEST_CASE("bookinfo hosts: a VirtualService for host 'reviews.default' is a warning (MSH0313) "
          "and changes no call") {
  const std::string file = bad("virtual-service-reviews-dotted-host.yaml");
  const Scenario s = load_scenario({examples("bookinfo/meshsim.yaml"), file}, kShort);
  std::vector<Diagnostic> w;
  for (const Diagnostic& d : s.warnings) {
    if (d.code == "MSH0313") w.push_back(d);
  }
  INFO(dump(s.warnings));
  REQUIRE(w.size() == 1);
  CHECK(w[0].to_string() ==
        file + ":9:7: warning MSH0313: VirtualService 'reviews': host 'reviews.default' "
               "(resolved as 'reviews.default') names no service, so this VirtualService "
               "applies to no call; did you mean 'reviews.default.svc.cluster.local'?");
  // It replaced Bookinfo's own 'reviews' VirtualService (same name) and is still handed to the
  // run, where it routes nothing: the run equals one without it.
  meshsim::models::MeshConfig without = s.mesh;
  auto& vss = without.traffic.virtual_services;
  const auto before = vss.size();
  std::erase_if(vss, [](const auto& vs) { return vs.name == "reviews"; });
  REQUIRE(vss.size() + 1 == before);
  const auto with_it = run_records(s.mesh);
  const auto default_route = run_records(without);
  REQUIRE(with_it.size() > 1000);
  REQUIRE(with_it.size() == default_route.size());
  CHECK(std::equal(with_it.begin(), with_it.end(), default_route.begin()));
}

}  // namespace
