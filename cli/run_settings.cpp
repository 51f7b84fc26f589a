// The run options, loading, running and report writing that check and compare share; see
// run_settings.h.
#include "cli/run_settings.h"

#include <unistd.h>

#include <charconv>
#include <filesystem>
#include <fstream>
#include <set>

#include "analysis/runner.h"

using meshsim::simcore::Time;

namespace meshsim::cli {

void add_run_options(po::options_description& d, RunSettings& s) {
  d.add_options()
      ("replications,n", po::value<std::string>(&s.replications_text),
       "replications per scenario (default: the Experiment's spec.check.replications, else 5)")
      ("duration", po::value<std::string>(&s.duration_text), "simulated duration of each run, e.g. 60s")
      ("jobs,j", po::value<std::string>(&s.jobs_text), "runs at once (default: one per core); results do not depend on it")
      ("set", po::value<std::vector<std::string>>(&s.overrides)->composing(),
       "override a field of every scenario: KIND[/NAME].path=VALUE (repeatable)")
      ("junit", po::value<std::string>(&s.junit_path), "write a JUnit XML report here")
      ("markdown", po::value<std::string>(&s.markdown_path), "write a Markdown report (for a pull-request comment) here")
      ("quiet,q", po::bool_switch(&s.quiet), "print only the final line");
}

bool finish_run_options(RunSettings& s) {
  auto integer = [](const std::string& text, const char* name, uint64_t lo, uint64_t hi,
                    uint64_t& out) {
    const auto r = std::from_chars(text.data(), text.data() + text.size(), out);
    if (r.ec != std::errc() || r.ptr != text.data() + text.size() || out < lo || out > hi) {
      std::cerr << "meshsim: --" << name << " expects an integer from " << lo << " to " << hi
                << ", got '" << text << "'\n";
      return false;
    }
    return true;
  };
  uint64_t v = 0;
  if (!s.replications_text.empty()) {
    if (!integer(s.replications_text, "replications", 2, 10'000, v)) return false;
    s.replications = static_cast<uint32_t>(v);
  }
  if (!s.jobs_text.empty()) {
    if (!integer(s.jobs_text, "jobs", 1, 4096, v)) return false;
    s.jobs = v;
  }
  if (!s.duration_text.empty()) {
    const auto t = scenarios::parse_duration(s.duration_text);
    if (!t || *t <= Time::zero()) {
      std::cerr << "meshsim: --duration expects a duration like '60s', got '" << s.duration_text
                << "'\n";
      return false;
    }
    s.duration = *t;
  }
  // Report paths are checked now, not after minutes of runs.
  if (!s.junit_path.empty() && !check_output_path("junit", s.junit_path)) return false;
  if (!s.markdown_path.empty() && !check_output_path("markdown", s.markdown_path)) return false;
  return true;
}

bool write_report(const std::string& path, const std::string& text) {
  namespace fs = std::filesystem;
  const std::string tmp = path + ".tmp" + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
    out.flush();
    if (!out) {
      std::cerr << "meshsim: could not write " << path << "\n";
      std::error_code ec;
      fs::remove(tmp, ec);
      return false;
    }
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) {
    std::cerr << "meshsim: could not write " << path << ": " << ec.message() << "\n";
    fs::remove(tmp, ec);
    return false;
  }
  return true;
}


bool run_jobs(const std::vector<analysis::RunJob>& jobs, const RunSettings& s,
              std::vector<analysis::Replication>& out) {
  try {
    auto reps = analysis::run_replications(jobs, s.jobs, stop_on_interrupt());
    if (!reps) {
      std::cerr << "meshsim: interrupted; no report written\n";
      return false;
    }
    out = std::move(*reps);
  } catch (const std::exception& e) {
    std::cerr << "meshsim: a run could not finish: " << e.what() << "\n";
    return false;
  }
  return true;
}


namespace {

// An option replaces what a --set of the same Experiment field said: said once (the same
// overrides apply to every scenario and side), not silently (issue #15), as `meshsim run` does.
void warn_replaced_overrides(const std::vector<scenarios::AppliedOverride>& overrides,
                             const RunSettings& s) {
  static std::set<std::string> said;  // the CLI loads its scenarios on one thread
  for (const auto& o : overrides) {
    if (o.kind != "Experiment") continue;
    const char* option = nullptr;
    if (s.duration && o.path == "spec.duration") option = "--duration";
    if (s.replications && (o.path == "spec.check.replications" || o.path == "spec.check"))
      option = "--replications";
    if (option && said.insert(o.text).second)
      std::cerr << "meshsim: warning: " << option << " replaces --set '" << o.text << "'\n";
  }
}

}  // namespace

Loaded load_one(const scenarios::SuiteEntry& entry, const std::vector<std::string>& overrides,
                const RunSettings& s) {
  Loaded l;
  l.name = entry.name;
  try {
    l.scenario = scenarios::load_scenario({entry.path}, {overrides});
  } catch (const scenarios::ScenarioError& e) {
    l.error = e.what();
    return l;
  }
  auto& exp = l.scenario->mesh.experiment;
  warn_replaced_overrides(l.scenario->overrides, s);
  if (s.replications) exp.check.replications = *s.replications;
  if (s.duration) exp.duration = *s.duration;
  if (exp.warmup >= exp.duration) {
    l.error = "the warm-up (" + std::to_string(exp.warmup.to_seconds()) +
              " s) must be shorter than the duration (" +
              std::to_string(exp.duration.to_seconds()) + " s)";
    l.scenario.reset();
  }
  return l;
}


}  // namespace meshsim::cli
