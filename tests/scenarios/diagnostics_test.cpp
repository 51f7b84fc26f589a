// The diagnostic catalogue: one entry per code, codes stable and unique, every code documented
// in scenarios/README.md with its level.  Source of truth: the house style's rule that codes are
// never reused, and Istio's messages.yaml layout (code, level, name, description, template).
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "scenarios/diagnostics.h"
#include "tests/scenarios/test_support.h"

namespace {

using namespace meshsim::scenarios;

TEST_CASE("catalogue: ids are MSH + the enumerator's number, unique, in increasing order") {
  int previous = 0;
  std::set<std::string_view> names;
  for (const CatalogueEntry& e : catalogue()) {
    const int n = static_cast<int>(e.code);
    CHECK(n > previous);
    previous = n;
    char id[8];
    std::snprintf(id, sizeof id, "MSH%04d", n);
    CHECK(e.id == id);
    CHECK(names.insert(e.name).second);
    CHECK_FALSE(e.description.empty());
    CHECK_FALSE(e.message_template.empty());
    CHECK(&catalogue_entry(e.code) == &e);
  }
}

TEST_CASE(
    "catalogue: templates are filled in order - to_string is file:line:col: level code: message") {
  const Diagnostic d =
      make_diagnostic(Code::kUnknownField, {"a.yaml", 3, 7}, {"replcas", "Workload 'w'"});
  CHECK(d.code == "MSH0103");
  CHECK(d.level == Level::kError);
  CHECK(d.to_string() == "a.yaml:3:7: error MSH0103: unknown field 'replcas' in Workload 'w'");
  CHECK(make_diagnostic(Code::kNoBehaviour, {"b.yaml", 0, 0}, {"x"}).to_string() ==
        "b.yaml: warning MSH0208: workload 'x' has no behaviour; it answers at once");
  const ScenarioError err({d, d});
  CHECK(std::string(err.what()) == d.to_string() + "\n" + d.to_string());
}

TEST_CASE("catalogue: scenarios/README.md lists every code with its level") {
  std::ifstream in(testing::repo_root() / "scenarios/README.md");
  REQUIRE(in.good());
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string readme = ss.str();
  for (const CatalogueEntry& e : catalogue()) {
    INFO(e.id);
    // A table row: | MSH0103 | error | UnknownField | ...
    const std::string row = "| " + std::string(e.id) + " | " + std::string(to_string(e.level)) +
                            " | " + std::string(e.name) + " |";
    CHECK(readme.find(row) != std::string::npos);
  }
  // ... and no code that the catalogue lacks.
  const std::regex code("MSH[0-9]{4}");
  for (auto it = std::sregex_iterator(readme.begin(), readme.end(), code);
       it != std::sregex_iterator(); ++it) {
    const std::string id = it->str();
    INFO(id);
    CHECK(std::any_of(catalogue().begin(), catalogue().end(),
                      [&](const CatalogueEntry& e) { return e.id == id; }));
  }
}

}  // namespace
