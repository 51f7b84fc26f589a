// Reading files: directories recursively and in path order, an Experiment's includes (files and
// directories, relative to the including file), each file once, kinds meshsim ignores, and
// kubectl-apply replacement of Kubernetes/Istio manifests.  Source of truth: README.md
// "Files and documents".
#include <filesystem>

#include "tests/scenarios/test_support.h"
#include "tests/support/temp_dir.h"

namespace {

using namespace meshsim::scenarios;
using meshsim::scenarios::testing::dump;
using meshsim::scenarios::testing::errors_of;
namespace fs = std::filesystem;

using meshsim::testing::TempDir;  // tests/support/temp_dir.h

std::string service(const std::string& name) {
  return "apiVersion: v1\nkind: Service\nmetadata: {name: " + name +
         "}\nspec:\n  selector: {app: " + name + "}\n  ports: [{name: http, port: 80}]\n";
}
std::string deployment(const std::string& name, const std::string& app) {
  return "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: " + name +
         "}\nspec:\n  template:\n    metadata: {labels: {app: " + app + "}}\n";
}

TEST_CASE("documents: a directory is read recursively, .yaml and .yml only, sorted by path") {
  TempDir d("recursive");
  d.write("b/svc.yaml", service("b"));
  d.write("a.yml", service("a"));
  d.write("c/d/e.yaml", service("e"));
  d.write("notes.txt", "not yaml: [");
  d.write("z.yaml", "# only a comment\n---\n");
  const Scenario s = load_scenario({d.str()});
  std::vector<std::string> names;
  for (const auto& svc : s.mesh.services) names.push_back(svc.name);
  CHECK(names == std::vector<std::string>{"a", "b", "e"});
  REQUIRE(s.sources.size() == 4);
  CHECK(s.sources[0].path.ends_with("a.yml"));
  CHECK(s.sources[3].path.ends_with("z.yaml"));
}

TEST_CASE(
    "documents: Experiment include reads files and directories relative to its own file, once") {
  TempDir d("include");
  d.write("run/experiment.yaml",
          "apiVersion: meshsim.dev/v1alpha1\nkind: Experiment\nmetadata: {name: x}\nspec:\n"
          "  include: [../manifests, ../extra/web.yaml, ../manifests/api.yaml]\n");
  d.write("manifests/api.yaml", service("api") + "---\n" + deployment("api-v1", "api"));
  d.write("manifests/sub/db.yaml", service("db") + "---\n" + deployment("db-v1", "db"));
  d.write("extra/web.yaml", service("web") + "---\n" + deployment("web-v1", "web"));
  const Scenario s = load_scenario({d.str("run/experiment.yaml"), d.str("manifests/api.yaml")});
  CHECK(s.mesh.services.size() == 3);
  CHECK(s.mesh.workloads.size() == 3);
  REQUIRE(s.sources.size() == 4);  // api.yaml read once although named three times
  CHECK(s.sources[0].path.ends_with("run/experiment.yaml"));
  CHECK(s.sources[1].path.ends_with("manifests/api.yaml"));
  CHECK(s.sources[2].path.ends_with("manifests/sub/db.yaml"));
  CHECK(s.sources[3].path.ends_with("extra/web.yaml"));

  d.write("run/broken.yaml",
          "apiVersion: meshsim.dev/v1alpha1\nkind: Experiment\nmetadata: {name: x}\nspec:\n"
          "  include: [../nowhere.yaml]\n");
  const auto e = errors_of({d.str("run/broken.yaml")});
  REQUIRE(e.size() == 1);
  CHECK(e[0].code == "MSH0001");
  CHECK(e[0].where.line == 5);  // at the include item
  CHECK(e[0].where.column == 13);
}

TEST_CASE("documents: unreadable paths, empty directories, kinds meshsim does not model") {
  TempDir d("misc");
  auto e = errors_of({d.str("missing.yaml")});
  REQUIRE(e.size() == 1);
  CHECK(e[0].code == "MSH0001");
  fs::create_directories(d.path() / "empty");
  const std::string manifests =
      service("api") + "---\n" + deployment("api-v1", "api") +
      "---\napiVersion: v1\nkind: ServiceAccount\nmetadata: {name: a}\n"
      "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {k: v}\n"
      "---\napiVersion: v1\nkind: ServiceAccount\nmetadata: {name: b}\n"
      "---\napiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n";
  const Scenario s = load_scenario({d.write("m.yaml", manifests), d.str("empty")});
  CHECK(s.ignored_kinds ==
        std::vector<std::string>{"ServiceAccount (2)", "ConfigMap (1)", "Widget (1)"});
  CHECK(testing::has_code(s.warnings, "MSH0010"));  // the empty directory
  CHECK(testing::has_code(s.warnings, "MSH0208"));  // api-v1 has no behaviour
}

TEST_CASE("documents: a scenario of nothing (an empty directory alone) is an error, MSH0015") {
  // Issue #15: `meshsim run EMPTY_DIR` simulated an empty mesh for 60 s and exited 0.  An empty
  // directory beside documents stays a warning (above); with nothing else, nothing can run.
  // (load_scenario_text("") still gives the defaults: experiment_test relies on it.)
  TempDir d("nothing");
  fs::create_directories(d.path() / "empty");
  auto e = errors_of({d.str("empty")});
  INFO(dump(e));
  REQUIRE(e.size() == 1);
  CHECK(e[0].code == "MSH0015");
  CHECK(e[0].where.file == d.str("empty"));
  CHECK(e[0].message.starts_with("no document in " + d.str("empty") + ";"));
  e = errors_of({d.write("comments.yaml", "# nothing yet\n---\n")});
  REQUIRE(e.size() == 1);
  CHECK(e[0].code == "MSH0015");
  // A file that cannot be read says so, without MSH0015 besides.
  e = errors_of({d.str("missing.yaml")});
  REQUIRE(e.size() == 1);
  CHECK(e[0].code == "MSH0001");
}

TEST_CASE(
    "documents: Kubernetes and Istio manifests replace earlier ones - meshsim documents may not "
    "repeat") {
  TempDir d("replace");
  const std::string vs =
      "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: api}\n"
      "spec:\n  hosts: [api]\n  http:\n  - route:\n    - destination: {host: api}\n";
  const Scenario s = load_scenario({d.write("a.yaml", service("api") + "---\n" + vs),
                                    d.write("b.yaml", vs + "      weight: 100\n")});
  REQUIRE(s.istio.size() == 1);
  CHECK(s.istio[0].where.file.ends_with("b.yaml"));
  // MSH0209 for the service without workloads (a.yaml), then MSH0008, a note (b.yaml).
  REQUIRE(s.warnings.size() == 2);
  CHECK(s.warnings[1].code == "MSH0008");
  CHECK(s.warnings[1].level == Level::kInfo);
  CHECK(s.warnings[1].where.file.ends_with("b.yaml"));

  const std::string load =
      "apiVersion: meshsim.dev/v1alpha1\nkind: Load\nmetadata: {name: l}\nspec: {target: api, "
      "rate: 1}\n";
  const auto e = errors_of({d.write("c.yaml", service("api") + "---\n" + load + "---\n" + load)});
  REQUIRE(e.size() == 1);
  CHECK(e[0].code == "MSH0007");
  CHECK(e[0].where.line == 13);  // the second Load (the Service takes lines 1-6)
}

TEST_CASE(
    "documents: a YAML syntax error costs only its document - header problems are all reported") {
  const std::string text =
      "apiVersion: v1\nkind: Service\nmetadata: {name: ok}\n"            // 1-3
      "---\napiVersion: v1\nkind: Service\nmetadata: {name: [broken}\n"  // 4-7: syntax
      "---\nkind: Service\nmetadata: {name: x}\n"                        // 8-10: no apiVersion
      "---\napiVersion: v1\nkind: Service\nmetadata: {}\n"               // 11-14: no name
      "---\n- just\n- a list\n";                                         // 15-17
  const auto e = testing::errors_of_text(text);
  INFO(dump(e));
  std::vector<std::string> got;
  for (const auto& d : e) got.push_back(d.code + "@" + std::to_string(d.where.line));
  CHECK(got == std::vector<std::string>{"MSH0002@7", "MSH0004@9", "MSH0004@14", "MSH0003@16"});
}

}  // namespace
