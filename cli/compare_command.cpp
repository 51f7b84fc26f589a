// meshsim compare: runs two variants of each scenario under common random numbers and reports
// what got significantly worse (docs/ci.md).
//
//   meshsim compare BASE CANDIDATE [--replications N] [--jobs N] [--max-regression K=V]...
//                   [--candidate-set K=V]... [--all] [--multiple-testing holm|bh]
//                   [--independent-streams] [--junit F] [--markdown F]
//
// Exit codes: 0 no regression (with --allow-missing-base, also when the base has no scenario:
// the candidate's are reported as new); 1 a regression; 2 bad input (usage, a scenario that does
// not load, nothing to compare); 3 a run could not finish (Ctrl-C: no report is written then) or a
// report could not be written.
#include <algorithm>
#include <charconv>
#include <filesystem>
#include <iostream>
#include <map>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <boost/program_options.hpp>

#include "analysis/check.h"
#include "analysis/check_report.h"
#include "cli/commands.h"
#include "cli/run_settings.h"
#include "scenarios/scenario.h"
#include "scenarios/suite.h"

namespace meshsim::cli {
namespace {

// "successRate=0.5%" and friends into `settings`; false after printing why.
bool apply_regression_option(const std::string& kv, models::CheckConfig& settings) {
  const auto eq = kv.find('=');
  const std::string key = kv.substr(0, eq);
  std::string value = eq == std::string::npos ? "" : kv.substr(eq + 1);
  const bool percent = !value.empty() && value.back() == '%';
  if (percent) value.pop_back();
  double v = 0;
  const auto r = std::from_chars(value.data(), value.data() + value.size(), v);
  const bool number = !value.empty() && r.ec == std::errc() && r.ptr == value.data() + value.size() && v >= 0;
  if (key == "successRate" && number && percent) {
    settings.max_success_drop = v / 100;
  } else if (key == "latency" && number && percent) {
    settings.max_latency_increase = v / 100;
  } else if (key == "retryAmplification" && number && !percent) {
    settings.max_amplification_increase = v;
  } else if (key == "slowerProbability" && number && percent && v >= 50 && v <= 100) {
    settings.max_slower_probability = v / 100;
  } else {
    std::cerr << "meshsim: --max-regression expects successRate=P%, latency=P%, "
                 "retryAmplification=X or slowerProbability=P% (50-100), got '"
              << kv << "'\n";
    return false;
  }
  return true;
}

// What pairs a scenario of one side with one of the other: the path of its Experiment's file
// below the path given ("retry-storm/meshsim.yaml"; "" when a file was given).
std::string pairing_key(const scenarios::SuiteEntry& e, const std::string& root) {
  namespace fs = std::filesystem;
  if (!fs::is_directory(root)) return "";
  return fs::path(e.experiment_file).lexically_relative(root).generic_string();
}

// Common random numbers: compare runs the candidate with the base's seeds, so that each base
// run and its candidate run see the same random draws, and judges every pair with the base's
// spec.check.  A --candidate-set of the candidate Experiment's seed or check settings would
// therefore be ignored; it is refused instead, saying why.  (Were the candidate's random
// streams made independent of the base's, a candidate seed would mean something there.)
// `first` is the index of the first --candidate-set among the candidate's overrides.  False
// after printing why.
bool candidate_overrides_apply(const scenarios::Scenario& candidate, size_t first) {
  for (size_t i = first; i < candidate.overrides.size(); ++i) {
    const scenarios::AppliedOverride& o = candidate.overrides[i];
    if (o.kind != "Experiment") continue;
    const auto under = [&](const std::string& field) {
      return o.path == field || o.path.starts_with(field + ".") || o.path.starts_with(field + "[");
    };
    std::string why;
    if (under("spec.seed")) {
      why = "compare pairs each base run with a candidate run of the same seed (common random "
            "numbers), always the base's seeds, so a candidate seed would be ignored; "
            "--set changes the seed of both";
    } else if (under("spec.check")) {
      why = "compare judges every pair with the base's spec.check; --set changes both, as do "
            "--replications and --max-regression";
    } else {
      continue;
    }
    std::cerr << "meshsim: --candidate-set '" << o.text << "' does not apply: " << why << "\n";
    return false;
  }
  return true;
}

// Scenarios pair by the path of their Experiment's file below the given paths; two single
// scenarios whose files are named differently (or two files) pair with each other, said on
// stderr.  The others are new in the candidate or removed from it: named on stderr, and listed
// as not compared in every report.
struct SuitePairs {
  std::vector<std::pair<scenarios::SuiteEntry, scenarios::SuiteEntry>> pairs;
  std::vector<scenarios::SuiteEntry> removed, added;
};

SuitePairs pair_scenarios(const std::vector<scenarios::SuiteEntry>& base_entries,
                       const std::vector<scenarios::SuiteEntry>& candidate_entries,
                       const std::string& base_root, const std::string& candidate_root) {
  SuitePairs out;
  std::map<std::string, scenarios::SuiteEntry> by_key;
  for (const auto& e : candidate_entries) by_key[pairing_key(e, candidate_root)] = e;
  for (const auto& b : base_entries) {
    const auto it = by_key.find(pairing_key(b, base_root));
    if (it == by_key.end()) {
      out.removed.push_back(b);
      continue;
    }
    out.pairs.emplace_back(b, it->second);
    by_key.erase(it);
  }
  if (out.pairs.empty() && out.removed.size() == 1 && by_key.size() == 1) {
    const auto& b = out.removed[0];
    const auto& c = by_key.begin()->second;
    if (!pairing_key(b, base_root).empty() || !pairing_key(c, candidate_root).empty())
      std::cerr << "meshsim: comparing " << b.experiment_file << " with " << c.experiment_file
                << "\n";
    out.pairs.emplace_back(b, c);
    out.removed.clear();
    return out;
  }
  // A removed scenario is named as it would be in the candidate ("mesh/old", not the path of
  // the base checkout), as the others are.
  const auto strip = [](std::string s) {
    while (s.size() > 1 && s.back() == '/') s.pop_back();
    return s;
  };
  for (auto& b : out.removed) {
    std::cerr << "meshsim: " << b.name << " has no counterpart in " << candidate_root
              << "; not compared\n";
    if (b.name.starts_with(strip(base_root)))
      b.name = strip(candidate_root) + b.name.substr(strip(base_root).size());
  }
  for (const auto& [key, e] : by_key) {
    std::cerr << "meshsim: " << e.name << " is new in " << candidate_root << "; not compared\n";
    out.added.push_back(e);
  }
  return out;
}

}  // namespace

int cmd_compare(int argc, char** argv) {
  RunSettings s;
  bool all_metrics = false, independent_streams = false, allow_missing_base = false;
  std::string multiple_testing_text;  // empty: the base Experiment's spec.check.multipleTesting
  std::vector<std::string> inputs, regression, candidate_overrides;
  po::options_description opts("meshsim compare options");
  opts.add_options()("help,h", "show this help")(
      "max-regression", po::value<std::vector<std::string>>(&regression)->composing(),
      "fail beyond this worsening: successRate=0.1%, latency=10%, retryAmplification=0.05, "
      "slowerProbability=55% (repeatable; default: the base Experiment's spec.check.regression)")(
      "candidate-set", po::value<std::vector<std::string>>(&candidate_overrides)->composing(),
      "override a field of the candidate only (after --set): KIND[/NAME].path=VALUE")(
      "all", po::bool_switch(&all_metrics), "list every metric, not only significant changes")(
      "multiple-testing", po::value<std::string>(&multiple_testing_text),
      "how the rows of a comparison share the error rate: holm (the chance of any false alarm) "
      "or bh (Benjamini-Hochberg; the share of false alarms among the flagged); default: the "
      "base Experiment's spec.check.multipleTesting, else holm")(
      "independent-streams", po::bool_switch(&independent_streams),
      "run the candidate on random streams of its own, not the base's (an A/A test)")(
      "allow-missing-base", po::bool_switch(&allow_missing_base),
      "BASE may be missing or share no scenario with CANDIDATE (a pull request that adds the "
      "first scenarios): report the candidate's scenarios as new, not compared, and exit 0");
  add_run_options(opts, s);
  po::options_description all;
  all.add(opts).add_options()("input", po::value<std::vector<std::string>>(&inputs), "scenarios");
  int code = kOk;
  const char* usage =
      "usage: meshsim compare BASE CANDIDATE [--replications N] [--jobs N] "
      "[--max-regression K=V]... [--candidate-set K=V]... [--allow-missing-base] "
      "[--junit out.xml] [--markdown out.md]";
  po::variables_map vm;
  if (!parse_options(argc, argv, opts, all, usage, vm, code)) return code;
  if (inputs.size() != 2) {
    std::cerr << "meshsim: compare takes two paths, BASE and CANDIDATE (got " << inputs.size()
              << ")\n" << usage << "\n";
    return kUsage;
  }
  if (!finish_run_options(s)) return kUsage;
  analysis::CompareOptions compare_options;
  compare_options.independent_streams = independent_streams;
  if (multiple_testing_text.empty()) {
    // the base's spec.check decides, scenario by scenario
  } else if (const auto m = analysis::parse_multiple_testing(multiple_testing_text)) {
    compare_options.multiple_testing = *m;
  } else {
    std::cerr << "meshsim: --multiple-testing expects holm or bh, got '" << multiple_testing_text
              << "'\n";
    return kUsage;
  }
  {
    models::CheckConfig scratch;  // the thresholds are checked now, applied per pair below
    for (const auto& kv : regression) {
      if (!apply_regression_option(kv, scratch)) return kUsage;
    }
  }
  std::vector<scenarios::SuiteEntry> base_entries, candidate_entries;
  try {
    // A missing base is an empty suite when allowed: the pull request adds the first scenarios.
    if (!allow_missing_base || std::filesystem::exists(inputs[0]))
      base_entries = scenarios::discover_scenarios({inputs[0]});
    candidate_entries = scenarios::discover_scenarios({inputs[1]});
  } catch (const std::exception& e) {
    std::cerr << "meshsim: " << e.what() << "\n";
    return kUsage;
  }
  const SuitePairs pairing = pair_scenarios(base_entries, candidate_entries, inputs[0], inputs[1]);
  if (pairing.pairs.empty() && !(allow_missing_base && !candidate_entries.empty())) {
    std::cerr << "meshsim: nothing to compare";
    if (!candidate_entries.empty())
      std::cerr << " (--allow-missing-base reports the candidate's scenarios as new instead)";
    std::cerr << "\n";
    return kUsage;
  }
  const auto& pairs = pairing.pairs;

  struct Pair {
    Loaded base, candidate;
    models::CheckConfig settings;
    std::string name;
    size_t first = 0, count = 0;  // base jobs at first, candidate jobs at first + count
  };
  std::vector<Pair> loaded;
  std::vector<analysis::RunJob> jobs;
  std::vector<std::string> all_candidate_overrides = s.overrides;
  all_candidate_overrides.insert(all_candidate_overrides.end(), candidate_overrides.begin(),
                                 candidate_overrides.end());
  for (const auto& [b, c] : pairs) {
    Pair p;
    // Paired by path below two suites: the candidate's name (as check names it, so the two
    // reports of a pull request agree, and without the base checkout's temporary path).  Two
    // single scenarios paired whatever their names: both.
    const bool by_path = !pairing_key(b, inputs[0]).empty();
    p.name = b.name == c.name || by_path ? c.name : b.name + " vs " + c.name;
    p.base = load_one(b, s.overrides, s);
    p.candidate = load_one(c, all_candidate_overrides, s);
    if (p.base.scenario && p.candidate.scenario) {
      p.settings = p.base.scenario->mesh.experiment.check;
      for (const auto& kv : regression) apply_regression_option(kv, p.settings);  // checked above
    }
    loaded.push_back(std::move(p));
  }
  for (const Pair& p : loaded) {
    if (p.candidate.scenario && !candidate_overrides_apply(*p.candidate.scenario, s.overrides.size()))
      return kUsage;
    if (p.base.scenario && p.candidate.scenario &&
        p.base.scenario->mesh.experiment.seed != p.candidate.scenario->mesh.experiment.seed)
      std::cerr << "meshsim: warning: " << p.name << ": the candidate's Experiment seed ("
                << p.candidate.scenario->mesh.experiment.seed
                << ") is not used; compare runs both with the base's seeds (common random numbers)\n";
    if (p.base.scenario && p.candidate.scenario &&
        !(p.base.scenario->mesh.experiment.check == p.candidate.scenario->mesh.experiment.check))
      std::cerr << "meshsim: warning: " << p.name << ": the candidate's Experiment spec.check is "
                << "not used; compare runs and judges both by the base's (replications, "
                   "confidence, regression, multipleTesting)\n";
  }
  // Jobs point into `loaded`'s scenarios, so they are made once the vector has settled.
  // Common random numbers: the candidate runs with the base's seeds (unless asked otherwise).
  for (Pair& p : loaded) {
    if (!p.base.scenario || !p.candidate.scenario) continue;
    const auto seeds =
        analysis::replication_seeds(p.base.scenario->mesh.experiment, p.settings.replications);
    p.first = jobs.size();
    p.count = seeds.size();
    for (uint64_t seed : seeds) jobs.push_back({&p.base.scenario->mesh, seed});
    for (uint64_t seed : analysis::candidate_seeds(seeds, independent_streams))
      jobs.push_back({&p.candidate.scenario->mesh, seed});
  }
  std::vector<analysis::Replication> reps;
  if (!run_jobs(jobs, s, reps)) return kRunFailed;
  std::vector<analysis::ScenarioCompare> compares;
  bool broken = false;
  for (const Pair& p : loaded) {
    analysis::ScenarioCompare c;
    c.name = p.name;
    if (!p.base.scenario || !p.candidate.scenario) {
      c.error = !p.base.error.empty() ? "base: " + p.base.error : "candidate: " + p.candidate.error;
      broken = true;
    } else {
      const std::span<const analysis::Replication> b(reps.data() + p.first, p.count);
      const std::span<const analysis::Replication> k(reps.data() + p.first + p.count, p.count);
      c.result = analysis::compare_runs(b, k, p.settings, compare_options);
      for (const auto& r : b) c.elapsed_s += r.wall_s;
      for (const auto& r : k) c.elapsed_s += r.wall_s;
    }
    compares.push_back(std::move(c));
  }
  const auto not_compared = [&](const scenarios::SuiteEntry& e, analysis::Pairing how) {
    analysis::ScenarioCompare c;
    c.name = e.name;
    c.pairing = how;
    compares.push_back(std::move(c));
  };
  for (const auto& e : pairing.removed) not_compared(e, analysis::Pairing::kRemoved);
  for (const auto& e : pairing.added) not_compared(e, analysis::Pairing::kNew);
  if (!report(s, analysis::compare_text(compares, all_metrics), compares,
              [&] { return analysis::compare_junit(compares); },
              [&] { return analysis::compare_markdown(compares, all_metrics); }))
    return kRunFailed;
  if (broken) return kUsage;
  const bool regressed = std::any_of(compares.begin(), compares.end(),
                                     [](const analysis::ScenarioCompare& c) { return c.result.regressed(); });
  return regressed ? kFailed : kOk;
}

}  // namespace meshsim::cli
