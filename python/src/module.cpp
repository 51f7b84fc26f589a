// meshsim._core: the compiled half of the `meshsim` Python package.  The friendly API (pandas,
// plots, sweeps) is the pure-Python package in python/meshsim; this module only exposes the C++
// libraries, one binding file per area (the arbor pyarb.cpp layout), and translates their
// exceptions into Python's, here and nowhere else.
//
// Exceptions (every binding file relies on this table):
//   scenarios::ScenarioError   -> meshsim.ScenarioError (a ValueError), same message, plus
//                                 .diagnostics: [{code, level, message, file, line, column}]
//   analysis::ResultsFileError -> OSError, same message
//   std::invalid_argument, std::out_of_range, ... -> ValueError, IndexError, ... (pybind11's own)
#include <pybind11/pybind11.h>

#include "analysis/results_file.h"
#include "python/src/core.h"
#include "scenarios/diagnostics.h"

namespace py = pybind11;

namespace meshsim::python {

py::dict diagnostic_dict(const scenarios::Diagnostic& d) {
  py::dict out;
  out["code"] = d.code;
  out["level"] = std::string(scenarios::to_string(d.level));
  out["message"] = d.message;
  out["file"] = d.where.file;
  out["line"] = d.where.line;
  out["column"] = d.where.column;
  return out;
}

void register_errors(py::module_& m) {
  // A static: the type must outlive every translation, and pybind11 2.10 has no
  // gil_safe_call_once_and_store (the documented idiom for this version).
  static py::exception<scenarios::ScenarioError> scenario_error(m, "ScenarioError",
                                                                PyExc_ValueError);
  scenario_error.doc() =
      "An invalid scenario.  str(e) is every error, one per line, as\n"
      "'file:line:column: error MSHxxxx: message'; e.diagnostics lists them as dicts with the\n"
      "keys code, level, message, file, line and column.";
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const scenarios::ScenarioError& e) {
      py::list diagnostics;
      for (const auto& d : e.diagnostics) diagnostics.append(diagnostic_dict(d));
      // An instance with the attribute set, not PyErr_SetString (which is what
      // py::exception's own call operator does).
      const py::object& type = scenario_error;
      py::object error = type(py::str(e.what()));
      error.attr("diagnostics") = diagnostics;
      PyErr_SetObject(scenario_error.ptr(), error.ptr());
    } catch (const analysis::ResultsFileError& e) {
      PyErr_SetString(PyExc_OSError, e.what());
    }
  });
}

}  // namespace meshsim::python

PYBIND11_MODULE(_core, m) {
  m.doc() = "meshsim._core: the C++ simulator behind the meshsim package (use `import meshsim`).";
  m.attr("__version__") = MESHSIM_VERSION;
  // Order matters where a signature names a type: errors first (every area may raise them),
  // then Scenario (run() takes one), then RunResult (run() returns one), then run itself.
  meshsim::python::register_errors(m);
  meshsim::python::register_scenario(m);
  meshsim::python::register_results(m);
  meshsim::python::register_run(m);
  meshsim::python::register_check(m);
}
