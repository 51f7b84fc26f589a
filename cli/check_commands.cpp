// meshsim check: runs each scenario's replications and judges its expectations (docs/ci.md).
//
//   meshsim check FILE_OR_DIR... [--replications N] [--jobs N] [--strict] [--junit F] [--markdown F]
//
// Exit codes: 0 every expectation holds; 1 an expectation failed; 2 bad input (usage, a
// scenario that does not load); 3 a run could not finish (Ctrl-C stops every run promptly; no
// report is written then) or a report could not be written.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <boost/program_options.hpp>

#include "analysis/check.h"
#include "analysis/check_report.h"
#include "cli/commands.h"
#include "cli/run_settings.h"
#include "scenarios/suite.h"

namespace meshsim::cli {

int cmd_check(int argc, char** argv) {
  RunSettings s;
  bool strict = false;
  std::vector<std::string> inputs;
  po::options_description opts("meshsim check options");
  opts.add_options()("help,h", "show this help")(
      "strict", po::bool_switch(&strict),
      "a marginal expectation (interval reaching past the bound) fails too");
  add_run_options(opts, s);
  po::options_description all;
  all.add(opts).add_options()("input", po::value<std::vector<std::string>>(&inputs), "scenarios");
  int code = kOk;
  const char* usage =
      "usage: meshsim check FILE_OR_DIR... [--replications N] [--jobs N] [--strict] "
      "[--junit out.xml] [--markdown out.md] [--set K=V]...";
  po::variables_map vm;
  if (!parse_options(argc, argv, opts, all, usage, vm, code)) return code;
  if (inputs.empty()) {
    std::cerr << "meshsim: no scenario file or directory given\n" << usage << "\n";
    return kUsage;
  }
  if (!finish_run_options(s)) return kUsage;
  std::vector<scenarios::SuiteEntry> entries;
  try {
    entries = scenarios::discover_scenarios(inputs);
  } catch (const std::exception& e) {
    std::cerr << "meshsim: " << e.what() << "\n";
    return kUsage;
  }
  if (entries.empty()) {
    std::cerr << "meshsim: no scenario (no file with an Experiment) under the given paths\n";
    return kUsage;
  }

  std::vector<Loaded> loaded;
  for (const auto& e : entries) loaded.push_back(load_one(e, s.overrides, s));
  std::vector<analysis::RunJob> jobs;
  std::vector<std::pair<size_t, size_t>> slices(loaded.size());  // [first job, count)
  for (size_t i = 0; i < loaded.size(); ++i) {
    if (!loaded[i].scenario) continue;
    const auto& exp = loaded[i].scenario->mesh.experiment;
    slices[i] = {jobs.size(), exp.check.replications};
    for (uint64_t seed : analysis::replication_seeds(exp, exp.check.replications))
      jobs.push_back({&loaded[i].scenario->mesh, seed});
  }
  if (!s.quiet && isatty(fileno(stderr)))
    std::fprintf(stderr, "meshsim check: %zu scenario(s), %zu run(s)\n", entries.size(), jobs.size());
  std::vector<analysis::Replication> reps;
  if (!run_jobs(jobs, s, reps)) return kRunFailed;

  std::vector<analysis::ScenarioCheck> checks;
  bool broken = false;
  for (size_t i = 0; i < loaded.size(); ++i) {
    analysis::ScenarioCheck c;
    c.name = loaded[i].name;
    if (!loaded[i].scenario) {
      c.error = loaded[i].error;
      broken = true;
    } else {
      const auto [first, count] = slices[i];
      const std::span<const analysis::Replication> mine(reps.data() + first, count);
      c.result = analysis::evaluate_check(loaded[i].scenario->mesh.experiment, mine);
      c.elapsed_s = c.result.wall_s;
    }
    checks.push_back(std::move(c));
  }
  if (!report(s, analysis::check_text(checks, strict), checks,
              [&] { return analysis::check_junit(checks, strict); },
              [&] { return analysis::check_markdown(checks, strict); }))
    return kRunFailed;
  if (broken) return kUsage;
  const bool failed = std::any_of(checks.begin(), checks.end(), [&](const analysis::ScenarioCheck& c) {
    return c.result.failed(strict);
  });
  return failed ? kFailed : kOk;
}

}  // namespace meshsim::cli
