// meshsim: the command line.  Thin by design: it parses options, calls the libraries, prints.
//
//   meshsim run FILE_OR_DIR... [--seed N] [--duration D] [--warmup D] [--out results.h5] [--set K=V]...
//   meshsim validate FILE_OR_DIR... [--set K=V]...
//   meshsim graph FILE_OR_DIR... [--format dot|json] [--set K=V]...
//   meshsim check / compare: see check_commands.cpp, compare_command.cpp
//
// Options (values, the --out directory) are checked before the scenario is loaded or run.
// Exit codes: 0 ok; 1 invalid scenario (or, later, a failed expectation); 2 usage error;
// 3 the run could not finish (interrupted by Ctrl-C, or the results file could not be written;
// none is left behind).
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include "analysis/fingerprint.h"
#include "analysis/results_file.h"
#include "analysis/recovery.h"
#include "analysis/resource_guard.h"
#include "analysis/runner.h"
#include "analysis/summary.h"
#include "cli/commands.h"
#include "scenarios/scenario.h"
#include "scenarios/service_graph.h"

namespace po = boost::program_options;
using meshsim::simcore::Time;

namespace {

constexpr int kOk = 0, kInvalid = 1, kUsage = 2, kRunFailed = 3;
constexpr const char* kVersion = "0.1.0";

void print_usage(std::ostream& o) {
  o << "meshsim " << kVersion << ": a discrete-event simulator for Istio/Envoy service meshes\n\n"
       "usage: meshsim <command> [options] FILE_OR_DIR...\n\n"
       "commands:\n"
       "  run       simulate the scenario, print a summary, optionally write an HDF5 results file\n"
       "  validate  check the scenario and report every error with file:line:column\n"
       "  graph     print the service graph (Graphviz DOT or JSON)\n"
       "  check     run replications and judge the scenarios' expectations (CI: exit 1 on failure)\n"
       "  compare   compare two variants under common random numbers (CI: exit 1 on regression)\n"
       "  version   print the version\n\n"
       "`meshsim <command> --help` lists a command's options.\n"
       "exit codes: 0 ok, 1 invalid scenario, 2 usage error, 3 the run could not finish\n"
       "  (check: 1 an expectation failed, 2 bad input; compare: 1 a regression, 2 bad input)\n";
}

struct Common {
  std::vector<std::string> inputs;
  std::vector<std::string> overrides;
};

po::options_description common_options(Common& c) {
  po::options_description d("scenario");
  d.add_options()
      ("set", po::value<std::vector<std::string>>(&c.overrides)->composing(),
       "override a field: KIND[/NAME].path.to.field=VALUE (repeatable), e.g. Load/users.spec.rate=500")
      ("input", po::value<std::vector<std::string>>(&c.inputs), "scenario files or directories");
  return d;
}

// Parses a command's options and requires an input; returns false (and sets `code`) if the
// command should exit now.
bool parse(int argc, char** argv, po::options_description& visible, po::options_description& all,
           const char* usage, int& code) {
  po::variables_map vm;
  if (!meshsim::cli::parse_options(argc, argv, visible, all, usage, vm, code)) return false;
  if (!vm.count("input")) {
    std::cerr << "meshsim: no scenario file or directory given\n" << usage << "\n";
    code = kUsage;
    return false;
  }
  return true;
}

bool load(const Common& c, meshsim::scenarios::Scenario& out) {
  try {
    out = meshsim::scenarios::load_scenario(c.inputs, {c.overrides});
  } catch (const meshsim::scenarios::ScenarioError& e) {
    std::cerr << e.what() << "\n";
    std::cerr << e.diagnostics.size() << " error(s); the scenario was not run\n";
    return false;
  }
  for (const auto& w : out.warnings) std::cerr << w.to_string() << "\n";
  return true;
}

// A duration option's value (positive, or with `positive` false not negative); nothing after
// printing why not.
std::optional<Time> duration_option(const std::string& name, const std::string& v, bool positive) {
  const auto t = meshsim::scenarios::parse_duration(v);
  if (!t || *t < Time::zero() || (positive && *t == Time::zero())) {
    std::cerr << "meshsim: --" << name << " expects a " << (positive ? "positive " : "")
              << "duration like '60s' or '500ms', got '" << v << "'\n";
    return std::nullopt;
  }
  return t;
}

int cmd_run(int argc, char** argv) {
  Common c;
  std::string seed_text, duration_text, warmup_text, out_path;
  bool quiet = false;
  po::options_description opts("meshsim run options");
  opts.add_options()("help,h", "show this help")(
      "seed", po::value<std::string>(&seed_text), "run seed (overrides the Experiment's)")(
      "duration", po::value<std::string>(&duration_text), "simulated duration, e.g. 120s")(
      "warmup", po::value<std::string>(&warmup_text), "observations before this are dropped")(
      "out,o", po::value<std::string>(&out_path), "write an HDF5 results file here (its directory must exist)")(
      "quiet,q", po::bool_switch(&quiet), "print no summary");
  po::options_description all;
  all.add(opts).add(common_options(c));
  po::options_description visible;
  visible.add(opts).add(common_options(c));
  int code = kOk;
  if (!parse(argc, argv, visible, all,
             "usage: meshsim run FILE_OR_DIR... [--seed N] [--duration D] [--warmup D] [--out results.h5] [--set K=V]...",
             code))
    return code;
  // Every option is checked before the scenario is loaded and run, so a mistake costs nothing.
  std::optional<uint64_t> seed;
  std::optional<Time> duration, warmup;
  if (!seed_text.empty()) {
    try {
      size_t used = 0;
      seed = std::stoull(seed_text, &used);
      if (used != seed_text.size() || seed_text[0] == '-') throw std::invalid_argument("not a seed");
    } catch (const std::exception&) {
      std::cerr << "meshsim: --seed expects a non-negative integer, got '" << seed_text << "'\n";
      return kUsage;
    }
  }
  if (!duration_text.empty() && !(duration = duration_option("duration", duration_text, true))) return kUsage;
  if (!warmup_text.empty() && !(warmup = duration_option("warmup", warmup_text, false))) return kUsage;
  if (!out_path.empty() && !meshsim::cli::check_output_path("out", out_path)) return kUsage;
  meshsim::scenarios::Scenario s;
  if (!load(c, s)) return kInvalid;
  auto& exp = s.mesh.experiment;
  // An option replaces what a --set of the same Experiment field said: said, not silent.
  for (const auto& o : s.overrides) {
    const char* option = nullptr;
    if (o.kind != "Experiment") continue;
    if (seed && o.path == "spec.seed") option = "--seed";
    if (duration && o.path == "spec.duration") option = "--duration";
    if (warmup && o.path == "spec.warmup") option = "--warmup";
    if (option)
      std::cerr << "meshsim: warning: " << option << " replaces --set '" << o.text << "'\n";
  }
  if (seed) exp.seed = *seed;
  if (duration) exp.duration = *duration;
  if (warmup) exp.warmup = *warmup;
  if (exp.warmup >= exp.duration) {
    std::cerr << "meshsim: the warm-up (" << exp.warmup.to_seconds() << " s) must be shorter than the duration ("
              << exp.duration.to_seconds() << " s)\n";
    return kUsage;
  }

  namespace analysis = meshsim::analysis;
  analysis::RunOptions options;
  options.metadata.meshsim_version = kVersion;
  for (const auto& f : s.sources) options.metadata.sources.emplace_back(f.path, f.text);
  options.stop = meshsim::cli::stop_on_interrupt();
  // Progress on a terminal for runs longer than a second: simulated time, events/s, ETA.
  const bool tty = isatty(fileno(stderr)) != 0;
  bool shown = false;
  double last_print = 0;
  if (tty) {
    options.progress = [&](const analysis::RunProgress& p) {
      if (p.wall_s <= 1.0 || p.wall_s - last_print <= 0.2) return;
      const double frac = p.simulated.to_seconds() / p.duration.to_seconds();
      std::fprintf(stderr, "\r  simulated %.1f / %.1f s  %.2f M events/s  ETA %.0f s   ",
                   p.simulated.to_seconds(), p.duration.to_seconds(),
                   static_cast<double>(p.events) / p.wall_s / 1e6, p.wall_s / frac - p.wall_s);
      last_print = p.wall_s;
      shown = true;
    };
  }
  analysis::RunOutput run;
  try {
    run = analysis::run_one({&s.mesh, exp.seed}, options);
  } catch (const analysis::ResourceLimitExceeded& e) {
    if (shown) std::fprintf(stderr, "\r%80s\r", "");
    std::cerr << "meshsim: " << e.what() << "\nno results written\n";
    return kRunFailed;
  }
  if (shown) std::fprintf(stderr, "\r%80s\r", "");
  if (run.stopped) {
    std::cerr << "meshsim: interrupted at " << run.events << " events; no results written\n";
    return kRunFailed;
  }
  const double wall = run.wall_s;
  if (!quiet) {
    std::cout << analysis::format_summary(*run.metrics);
    if (const std::string r = analysis::format_recovery(analysis::assess_recovery(*run.metrics), *run.metrics);
        !r.empty())
      std::cout << "\n" << r;
    std::printf("\nseed %llu, %.0f s simulated (%.0f s warm-up), %llu events in %.2f s wall (%.2f M events/s)\n",
                static_cast<unsigned long long>(exp.seed), exp.duration.to_seconds(), exp.warmup.to_seconds(),
                static_cast<unsigned long long>(run.events), wall, static_cast<double>(run.events) / wall / 1e6);
    if (!s.ignored_kinds.empty()) {
      std::printf("not modelled (ignored): ");
      for (size_t i = 0; i < s.ignored_kinds.size(); ++i) std::printf("%s%s", i ? ", " : "", s.ignored_kinds[i].c_str());
      std::printf("\n");
    }
  }
  // The fingerprint is printed even with --quiet: CI jobs compare it across commits.
  std::printf("fingerprint %s\n", analysis::fingerprint_hex(run.fingerprint).c_str());
  if (!out_path.empty()) {
    try {
      analysis::write_results_file(out_path, run.tables);
    } catch (const std::exception& e) {
      std::cerr << "meshsim: could not write " << out_path << ": " << e.what() << "\n";
      return kRunFailed;
    }
    if (!quiet) std::printf("results: %s\n", out_path.c_str());
  }
  return kOk;
}

int cmd_validate(int argc, char** argv) {
  Common c;
  po::options_description opts("meshsim validate options");
  opts.add_options()("help,h", "show this help");
  po::options_description all;
  all.add(opts).add(common_options(c));
  int code = kOk;
  if (!parse(argc, argv, all, all, "usage: meshsim validate FILE_OR_DIR... [--set K=V]...", code)) return code;
  meshsim::scenarios::Scenario s;
  if (!load(c, s)) return kInvalid;
  std::printf("ok: %zu service(s), %zu workload(s), %zu load(s), %zu timeline event(s), %zu Istio manifest(s)\n",
              s.mesh.services.size(), s.mesh.workloads.size(), s.mesh.loads.size(), s.mesh.timeline.size(),
              s.istio.size());
  return kOk;
}

int cmd_graph(int argc, char** argv) {
  Common c;
  std::string format = "dot";
  po::options_description opts("meshsim graph options");
  opts.add_options()("help,h", "show this help")(
      "format", po::value<std::string>(&format)->default_value("dot"), "dot or json");
  po::options_description all;
  all.add(opts).add(common_options(c));
  int code = kOk;
  if (!parse(argc, argv, all, all, "usage: meshsim graph FILE_OR_DIR... [--format dot|json] [--set K=V]...", code))
    return code;
  if (format != "dot" && format != "json") {
    std::cerr << "meshsim: --format must be dot or json, not '" << format << "'\n";
    return kUsage;
  }
  meshsim::scenarios::Scenario s;
  if (!load(c, s)) return kInvalid;
  const auto g = meshsim::scenarios::build_service_graph(s);
  std::cout << (format == "dot" ? meshsim::scenarios::graph_to_dot(g) : meshsim::scenarios::graph_to_json(g));
  return kOk;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    print_usage(std::cerr);
    return kUsage;
  }
  const std::string cmd = argv[1];
  try {
    if (cmd == "run") return cmd_run(argc - 1, argv + 1);
    if (cmd == "validate") return cmd_validate(argc - 1, argv + 1);
    if (cmd == "graph") return cmd_graph(argc - 1, argv + 1);
    if (cmd == "check") return meshsim::cli::cmd_check(argc - 1, argv + 1);
    if (cmd == "compare") return meshsim::cli::cmd_compare(argc - 1, argv + 1);
    if (cmd == "version" || cmd == "--version") {
      std::cout << "meshsim " << kVersion << "\n";
      return kOk;
    }
    if (cmd == "--help" || cmd == "-h" || cmd == "help") {
      print_usage(std::cout);
      return kOk;
    }
  } catch (const std::exception& e) {
    // Anything that reaches here is a bug, not bad input; say so plainly.
    std::cerr << "meshsim: internal error: " << e.what() << "\n";
    return kRunFailed;
  }
  std::cerr << "meshsim: unknown command '" << cmd << "'\n";
  print_usage(std::cerr);
  return kUsage;
}
