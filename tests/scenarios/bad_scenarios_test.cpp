// Each scenario under tests/scenarios/bad/ holds one mistake and must be reported with its code
// at the exact line:column of the offending node, and nothing else.  Source of truth: the
// mistake each file's header describes, and the catalogue (scenarios/diagnostics.h).
#include <algorithm>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "tests/scenarios/test_support.h"

namespace {

using namespace meshsim::scenarios;
using meshsim::scenarios::testing::bad;
using meshsim::scenarios::testing::dump;
using meshsim::scenarios::testing::errors_of;

struct Expected {
  const char* file;
  const char* code;
  int line;
  int column;
};

// Positions are 1-based and count the two header comment lines of each file.
constexpr Expected kBad[] = {
    {"syntax-error.yaml", "MSH0002", 13, 3},  // where yaml-cpp notices the unclosed {
    {"missing-name.yaml", "MSH0004", 31, 3},
    {"unknown-kind.yaml", "MSH0005", 4, 7},
    {"unsupported-version.yaml", "MSH0006", 28, 13},
    {"unknown-field.yaml", "MSH0103", 15, 5},
    {"wrong-type.yaml", "MSH0101", 20, 55},
    {"negative-rate.yaml", "MSH0104", 34, 9},
    {"zero-workers.yaml", "MSH0104", 24, 14},
    {"probability-out-of-range.yaml", "MSH0104", 20, 59},
    {"step-with-two-kinds.yaml", "MSH0105", 19, 9},
    {"unknown-on-failure.yaml", "MSH0107", 20, 70},
    {"duplicate-workload.yaml", "MSH0108", 23, 5},
    {"call-to-unknown-service.yaml", "MSH0201", 20, 25},
    {"load-to-unknown-service.yaml", "MSH0202", 33, 11},
    {"unknown-port.yaml", "MSH0203", 20, 40},
    {"unknown-zone.yaml", "MSH0205", 23, 13},
    {"call-cycle.yaml", "MSH0207", 27, 15},
    {"two-experiments.yaml", "MSH0009", 43, 1},
    {"schedule-not-increasing.yaml", "MSH0110", 37, 10},
    {"selector-matches-no-pod.yaml", "MSH0204", 51, 15},
    {"destination-rule-unknown-field.yaml", "MSH0103", 21, 7},
    {"retry-on-bad-token.yaml", "MSH0306", 26, 16},
};

TEST_CASE("bad scenarios: each gives exactly its code at the offending line:column") {
  for (const Expected& x : kBad) {
    INFO(x.file);
    const auto e = errors_of({bad(x.file)});
    INFO(dump(e));
    REQUIRE(e.size() == 1);
    CHECK(e[0].code == x.code);
    CHECK(e[0].level == Level::kError);
    CHECK(e[0].where.file == bad(x.file));
    CHECK(e[0].where.line == x.line);
    CHECK(e[0].where.column == x.column);
  }
}

TEST_CASE("bad scenarios: every file in bad/ is in the table above (none is forgotten)") {
  std::set<std::string> listed;
  for (const Expected& x : kBad) listed.insert(x.file);
  for (const auto& entry : std::filesystem::directory_iterator(bad(""))) {
    const std::string name = entry.path().filename().string();
    if (name.starts_with("virtual-service-") || name.starts_with("several-") || name.starts_with("bookinfo-"))
      continue;  // loaded beside Bookinfo: bookinfo_test, kinds_test, below
    INFO(name);
    CHECK(listed.count(name) == 1);
  }
}

TEST_CASE("messages: what was expected, what was found, and a did-you-mean when one is close") {
  auto e = errors_of({bad("unknown-field.yaml")});
  REQUIRE(e.size() == 1);
  CHECK(e[0].to_string() == bad("unknown-field.yaml") +
                                ":15:5: error MSH0103: unknown field 'replcas' in Workload "
                                "'reviews-v2'; did you mean 'replicas'?");
  e = errors_of({bad("wrong-type.yaml")});
  CHECK(e.at(0).message == "timeout: expected a duration like '250ms', got 'fast'");
  e = errors_of({bad("unknown-kind.yaml")});
  CHECK(e.at(0).message.ends_with("did you mean 'Topology'?"));
  e = errors_of({bad("call-to-unknown-service.yaml")});
  CHECK(e.at(0).message ==
        "call to unknown service 'ratngs' from workload 'reviews-v2'; did you mean 'ratings'?");
  e = errors_of({bad("load-to-unknown-service.yaml")});
  CHECK(e.at(0).message.ends_with("did you mean 'reviews'?"));
  e = errors_of({bad("unknown-on-failure.yaml")});
  CHECK(e.at(0).message ==
        "onFailure: unknown value 'retry'; expected one of fail, degrade or ignore");
  e = errors_of({bad("unsupported-version.yaml")});
  CHECK(e.at(0).message ==
        "apiVersion 'meshsim.dev/v1' is not supported; use 'meshsim.dev/v1alpha1'");
  e = errors_of({bad("unknown-port.yaml")});
  CHECK(e.at(0).message == "service 'ratings' has no port 9081; its ports are 9080");
  e = errors_of({bad("call-cycle.yaml")});
  CHECK(e.at(0).message.starts_with("call cycle reviews -> ratings -> reviews;"));
  e = errors_of({bad("negative-rate.yaml")});
  CHECK(e.at(0).message == "rate must be between 0 and 1e+09, got -5");
  e = errors_of({bad("destination-rule-unknown-field.yaml")});
  CHECK(e.at(0).message ==
        "unknown field 'consecutive5xxError' in DestinationRule 'reviews' "
        "spec.trafficPolicy.outlierDetection; did you mean 'consecutive5xxErrors'?");
  e = errors_of({bad("retry-on-bad-token.yaml")});
  CHECK(e.at(0).message ==
        "VirtualService 'reviews' spec.http[0].retries: invalid retries: \"gateway-errors\" is "
        "not a valid retryOn policy");
}

TEST_CASE("several mistakes in one file: all are reported at once, in file order") {
  // Truth: the file's header lists its five mistakes; their positions are read off the file by
  // hand (1-based, value nodes as in kBad above); diagnostics.h: "what() is their to_string()s,
  // one per line", sorted by line and column.
  const std::string f = bad("several-mistakes.yaml");
  bool threw = false;
  try {
    load_scenario({f});
  } catch (const ScenarioError& err) {
    threw = true;
    std::vector<std::string> heads;  // "file:line:column: error CODE"
    for (const Diagnostic& d : err.diagnostics)
      heads.push_back(d.where.file + ":" + std::to_string(d.where.line) + ":" +
                      std::to_string(d.where.column) + ": error " + d.code);
    CHECK(heads == std::vector<std::string>{
                       f + ":15:5: error MSH0103",   // replcas
                       f + ":20:59: error MSH0104",  // probability: 2
                       f + ":24:14: error MSH0101",  // workers: many
                       f + ":28:25: error MSH0201",  // call to detials
                       f + ":35:11: error MSH0202",  // load on productpage
                   });
    // what() holds each diagnostic's full line, in the same order, and nothing else.
    std::string joined;
    for (const Diagnostic& d : err.diagnostics) joined += (joined.empty() ? "" : "\n") + d.to_string();
    CHECK(std::string(err.what()) == joined);
    CHECK(std::count(joined.begin(), joined.end(), '\n') == 4);
  }
  CHECK(threw);
}

}  // namespace
