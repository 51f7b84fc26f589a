// Reports of check/compare: XML escaping (XML 1.0's rules) and the JUnit counts, read back by
// a plain scan here; the CLI tests (tests/cli/test_check.py) parse whole files with a real XML
// parser.
#include "analysis/check_report.h"
#include "analysis/report_format.h"

#include <string>

#include <catch2/catch.hpp>

using meshsim::analysis::check_junit;
using meshsim::analysis::ScenarioCheck;
using meshsim::analysis::Verdict;
using meshsim::analysis::xml_escape;

namespace {

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("xml_escape: the five entities, and no control character survives", "[report]") {
  CHECK(xml_escape("a<b & \"c\" > 'd'") == "a&lt;b &amp; &quot;c&quot; &gt; &apos;d&apos;");
  CHECK(xml_escape("tab\tnl\ncr\r") == "tab\tnl\ncr\r");
  CHECK(xml_escape(std::string("bell\x07") + '\x1b') == "bell??");
  CHECK(xml_escape("p99 \xc2\xb5s") == "p99 \xc2\xb5s");  // UTF-8 passes unchanged
}

TEST_CASE("junit_classname: the scenario's path without its YAML extension (issue #15)",
          "[report]") {
  using meshsim::analysis::junit_classname;
  CHECK(junit_classname("check", "suite/checkout.yaml") == "meshsim.check.suite/checkout");
  CHECK(junit_classname("compare", "a/b.yml") == "meshsim.compare.a/b");
  CHECK(junit_classname("check", "scenarios/examples/bookinfo") ==
        "meshsim.check.scenarios/examples/bookinfo");
  CHECK(junit_classname("check", ".yaml") == "meshsim.check..yaml");  // nothing left to name
  CHECK(junit_classname("check", "v1.2&x.yaml") == "meshsim.check.v1.2&amp;x");
}

TEST_CASE("check_junit: one testcase per expectation, failures and load errors counted",
          "[report]") {
  ScenarioCheck ok;
  ok.name = "a<b";
  ok.result.seeds = {1, 2};
  ok.result.confidence = 0.95;
  for (Verdict v : {Verdict::kPass, Verdict::kFail, Verdict::kMarginal, Verdict::kNoData}) {
    meshsim::analysis::ExpectationResult e;
    e.expectation.name = "web: success rate >= 99%";
    e.verdict = v;
    e.values = {0.5, 0.5};
    ok.result.expectations.push_back(e);
  }
  ScenarioCheck broken;
  broken.name = "broken";
  broken.error = "x.yaml:3:5: error MSH0206: unknown service 'webb'";
  const std::string lax = check_junit({ok, broken}, false);
  CHECK(count(lax, "<testcase ") == 5);
  CHECK(count(lax, "<failure ") == 2);  // fail and no data; marginal passes without --strict
  CHECK(count(lax, "<error ") == 1);
  CHECK(lax.find("<testsuites name=\"meshsim check\" tests=\"5\" failures=\"2\" errors=\"1\"") !=
        std::string::npos);
  CHECK(lax.find("name=\"a&lt;b\"") != std::string::npos);
  CHECK(lax.find("<property name=\"seeds\" value=\"1-2\"/>") != std::string::npos);
  CHECK(lax.find("classname=\"meshsim.check.a&lt;b\"") != std::string::npos);
  const std::string strict = check_junit({ok, broken}, true);
  CHECK(count(strict, "<failure ") == 3);
}
