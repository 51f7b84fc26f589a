// Binding: scenarios.  Loading (files, directories, text; with --set overrides) into an
// immutable Scenario, its names and sources, and Go-style durations.  The GIL is released while
// the loader reads and checks YAML; errors become meshsim.ScenarioError (module.cpp).
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "python/src/core.h"
#include "scenarios/scenario.h"

namespace py = pybind11;

namespace meshsim::python {
namespace {

using scenarios::Scenario;

std::shared_ptr<Scenario> load_files(std::vector<std::string> paths,
                                     std::vector<std::string> overrides) {
  std::shared_ptr<Scenario> out;
  {
    py::gil_scoped_release release;
    out = std::make_shared<Scenario>(
        scenarios::load_scenario(paths, scenarios::LoadOptions{std::move(overrides)}));
  }
  return out;
}

std::shared_ptr<Scenario> load_text(std::string text, std::string name,
                                    std::vector<std::string> overrides) {
  std::shared_ptr<Scenario> out;
  {
    py::gil_scoped_release release;
    out = std::make_shared<Scenario>(
        scenarios::load_scenario_text(text, name, scenarios::LoadOptions{std::move(overrides)}));
  }
  return out;
}

template <typename T>
std::vector<std::string> names_of(const std::vector<T>& items) {
  std::vector<std::string> out;
  out.reserve(items.size());
  for (const auto& item : items) out.push_back(item.name);
  return out;
}

double seconds(simcore::Time t) { return static_cast<double>(t.ns()) / 1e9; }

}  // namespace

void register_scenario(py::module_& m) {
  py::class_<Scenario, std::shared_ptr<Scenario>>(
      m, "Scenario",
      "A loaded, validated, immutable scenario (scenarios::Scenario).  Made by load_scenario() "
      "or load_scenario_text(); run by run() and run_many().")
      .def_property_readonly(
          "services", [](const Scenario& s) { return names_of(s.mesh.services); },
          "Service names, in catalog order.")
      .def_property_readonly(
          "workloads", [](const Scenario& s) { return names_of(s.mesh.workloads); },
          "Workload names, in catalog order.")
      .def_property_readonly(
          "loads", [](const Scenario& s) { return names_of(s.mesh.loads); },
          "Load names, in catalog order.")
      .def_property_readonly(
          "sources",
          [](const Scenario& s) {
            std::vector<std::pair<std::string, std::string>> out;
            for (const auto& f : s.sources) out.emplace_back(f.path, f.text);
            return out;
          },
          "Every file read, as (path, text), in load order.")
      .def_property_readonly(
          "warnings",
          [](const Scenario& s) {
            py::list out;
            for (const auto& d : s.warnings) out.append(diagnostic_dict(d));
            return out;
          },
          "Warnings and notes of the load, as dicts like ScenarioError.diagnostics.")
      .def_property_readonly(
          "ignored_kinds", [](const Scenario& s) { return s.ignored_kinds; },
          "Kinds meshsim does not model, with their counts: 'ServiceAccount (4)'.")
      .def_property_readonly(
          "seed", [](const Scenario& s) { return s.mesh.experiment.seed; },
          "The Experiment's seed.")
      .def_property_readonly(
          "duration_s", [](const Scenario& s) { return seconds(s.mesh.experiment.duration); },
          "The Experiment's simulated duration, in seconds.")
      .def_property_readonly(
          "warmup_s", [](const Scenario& s) { return seconds(s.mesh.experiment.warmup); },
          "The Experiment's warm-up, in seconds.")
      .def_property_readonly(
          "interval_s", [](const Scenario& s) { return seconds(s.mesh.experiment.interval); },
          "The Experiment's time-series interval, in seconds.")
      .def_property_readonly(
          "check_settings",
          [](const Scenario& s) {
            const auto& c = s.mesh.experiment.check;
            py::dict d;
            d["replications"] = c.replications;
            d["confidence"] = c.confidence;
            d["max_success_drop"] = c.max_success_drop;
            d["max_latency_increase"] = c.max_latency_increase;
            d["max_amplification_increase"] = c.max_amplification_increase;
            d["max_slower_probability"] = c.max_slower_probability;
            d["multiple_testing"] = c.false_discovery_rate ? "bh" : "holm";
            return d;
          },
          "The Experiment's spec.check, as fractions: how check and compare run and judge it.");

  m.def("load_scenario", &load_files, py::arg("paths"),
        py::arg("overrides") = std::vector<std::string>{},
        "Reads files and directories (recursively, *.yaml/*.yml sorted by path) and the files "
        "their Experiment includes, applies the --set overrides "
        "('KIND[/NAME].path=VALUE') in order, and checks everything.  Raises ScenarioError with "
        "every error found.");
  m.def("load_scenario_text", &load_text, py::arg("text"), py::arg("name") = "<string>",
        py::arg("overrides") = std::vector<std::string>{},
        "As load_scenario, from YAML text; `name` stands for the file name in error locations, "
        "and relative include/apply paths are resolved against its directory.");
  m.def(
      "parse_duration",
      [](const std::string& text) -> std::optional<int64_t> {
        const auto t = scenarios::parse_duration(text);
        if (!t) return std::nullopt;
        return t->ns();
      },
      py::arg("text"),
      "A Go/Istio duration ('500ms', '1.5s', '1h30m') in integer nanoseconds, or None if "
      "`text` is not one (a bare number, an unknown unit, overflow).");
}

}  // namespace meshsim::python
