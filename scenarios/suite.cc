// Finding the scenarios of a suite; see suite.h.
#include "scenarios/suite.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <yaml-cpp/yaml.h>

namespace meshsim::scenarios {
namespace {

namespace fs = std::filesystem;

bool is_yaml(const fs::path& p) {
  const auto ext = p.extension().string();
  return ext == ".yaml" || ext == ".yml";
}

// Whether the file holds a meshsim Experiment; unreadable or malformed files say yes, so that
// loading them reports why.
bool holds_experiment(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return true;
  std::ostringstream text;
  text << in.rdbuf();
  try {
    for (const YAML::Node& doc : YAML::LoadAll(text.str())) {
      if (doc.IsMap() && doc["kind"] && doc["kind"].IsScalar() &&
          doc["kind"].Scalar() == "Experiment")
        return true;
    }
  } catch (const YAML::Exception&) {
    return true;
  }
  return false;
}

std::vector<fs::path> sorted_children(const fs::path& dir) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

// Whether a subdirectory of `dir`, at any depth, holds an Experiment.
bool any_experiment_below(const fs::path& dir) {
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.is_regular_file() && e.path().parent_path() != dir && is_yaml(e.path()) &&
        holds_experiment(e.path()))
      return true;
  }
  return false;
}

void walk(const fs::path& dir, const std::string& name, std::vector<SuiteEntry>& out) {
  const auto children = sorted_children(dir);
  std::vector<fs::path> experiments;  // own files holding an Experiment
  for (const fs::path& p : children) {
    if (fs::is_regular_file(p) && is_yaml(p) && holds_experiment(p)) experiments.push_back(p);
  }
  if (experiments.size() == 1 && !any_experiment_below(dir)) {  // a scenario, read whole
    out.push_back({name, dir.generic_string(), experiments.front().generic_string()});
    return;
  }
  for (const fs::path& p : children) {
    const std::string child = name + "/" + p.filename().generic_string();
    if (fs::is_directory(p)) {
      walk(p, child, out);
    } else if (std::find(experiments.begin(), experiments.end(), p) != experiments.end()) {
      out.push_back({child, p.generic_string(), p.generic_string()});
    }
  }
}

}  // namespace

std::vector<SuiteEntry> discover_scenarios(const std::vector<std::string>& paths) {
  std::vector<SuiteEntry> out;
  for (const std::string& given : paths) {
    const fs::path p(given);
    std::string name = given;
    while (name.size() > 1 && name.back() == '/') name.pop_back();
    if (fs::is_directory(p)) {
      walk(p, name, out);
    } else if (fs::exists(p)) {
      out.push_back({name, given, given});
    } else {
      throw std::runtime_error("no such file or directory: " + given);
    }
  }
  return out;
}

}  // namespace meshsim::scenarios
