// What the binding files of meshsim._core share: the register functions (one per area, called
// in order by module.cpp) and the one object that crosses from run.cpp to results.cpp.
// Nothing here is visible to the C++ libraries; they know nothing of Python.
#pragma once

#include <string>

#include <pybind11/pybind11.h>

#include "analysis/result_tables.h"
#include "scenarios/diagnostics.h"

namespace meshsim::python {

// One finished run: its results as plain tables (the metrics themselves are dropped once the
// tables are built) and the text `meshsim run` would have printed.  Immutable once made, so
// numpy arrays may view its columns without copying (they keep the Python object alive).
struct RunResult {
  analysis::ResultTables tables;
  std::string summary;
};

// {code, level, message, file, line, column}: a diagnostic as ScenarioError.diagnostics and
// Scenario.warnings list it.
pybind11::dict diagnostic_dict(const scenarios::Diagnostic& d);

void register_errors(pybind11::module_& m);    // module.cpp: exception types and translation
void register_scenario(pybind11::module_& m);  // scenario.cpp: Scenario, loading, durations
void register_results(pybind11::module_& m);   // results.cpp: RunResult, tables, histograms
void register_run(pybind11::module_& m);       // run.cpp: run, run_many
void register_check(pybind11::module_& m);     // check.cpp: check, compare

}  // namespace meshsim::python
