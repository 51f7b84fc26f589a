// Binding: results.  A RunResult's tables (analysis/result_tables.h) as numpy arrays that view
// the C++ columns without copying, its metadata, saving it as the HDF5 results file, and exact
// percentiles of merged histograms (so that Python's per-service figures are computed by the
// very code the CLI's summary uses).
#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include "analysis/histogram.h"
#include "analysis/results_file.h"
#include "python/src/core.h"

namespace py = pybind11;

namespace meshsim::python {
namespace {

using analysis::Attribute;
using analysis::Column;
using analysis::Matrix;
using analysis::Table;

py::object attribute_value(const analysis::AttributeValue& value) {
  return std::visit([](const auto& v) -> py::object { return py::cast(v); }, value);
}

py::dict attributes(const std::vector<Attribute>& attrs) {
  py::dict out;
  for (const Attribute& a : attrs) out[py::str(a.name)] = attribute_value(a.value);
  return out;
}

// A read-only numpy array viewing `data` (no copy), keeping `owner` alive while it exists.
template <typename T>
py::array view(const T* data, std::vector<py::ssize_t> shape, py::handle owner) {
  py::array_t<T> a(std::move(shape), data, owner);
  a.attr("setflags")(py::arg("write") = false);
  return a;
}

// Numeric columns: numpy arrays of the stored element type.  String columns: lists of str
// (pandas keeps strings as Python objects anyway).
py::object column_values(const Column& c, py::handle owner) {
  return std::visit(
      [&](const auto& values) -> py::object {
        using T = typename std::decay_t<decltype(values)>::value_type;
        if constexpr (std::is_same_v<T, std::string>) {
          py::list out(values.size());
          for (size_t i = 0; i < values.size(); ++i) out[i] = py::str(values[i]);
          return out;
        } else {
          return view(values.data(), {static_cast<py::ssize_t>(values.size())}, owner);
        }
      },
      c.values);
}

py::dict table_columns(const Table& t, py::handle owner) {
  py::dict out;  // insertion order = the table's column order
  for (const Column& c : t.columns) out[py::str(c.name)] = column_values(c, owner);
  return out;
}

py::array matrix_values(const Matrix& m, py::handle owner) {
  return view(m.values.data(), {static_cast<py::ssize_t>(m.rows), static_cast<py::ssize_t>(m.cols)},
              owner);
}

py::dict tables(py::object self) {
  const RunResult& r = self.cast<const RunResult&>();
  const analysis::ResultTables& t = r.tables;
  py::dict out;
  out["metadata"] = attributes(t.metadata);
  out["catalog/workloads"] = table_columns(t.catalog_workloads, self);
  out["catalog/services"] = table_columns(t.catalog_services, self);
  out["catalog/loads"] = table_columns(t.catalog_loads, self);
  out["series/requests"] = table_columns(t.series_requests, self);
  out["series/latency_buckets"] = matrix_values(t.series_latency_buckets, self);
  out["series/histograms"] = table_columns(t.series_histograms, self);
  out["totals/requests"] = table_columns(t.totals_requests, self);
  out["totals/latency_buckets"] = matrix_values(t.totals_latency_buckets, self);
  out["totals/histograms"] = table_columns(t.totals_histograms, self);
  out["series/tcp"] = table_columns(t.series_tcp, self);
  out["totals/tcp"] = table_columns(t.totals_tcp, self);
  out["timeline"] = table_columns(t.timeline, self);
  out["traces"] = table_columns(t.traces, self);
  return out;
}

using U64Array = py::array_t<uint64_t, py::array::c_style | py::array::forcecast>;

// Whether [lower, upper) is one bucket of the histogram's layout: recording `lower` alone must
// land in exactly that bucket.  (Histogram::from_parts only asserts it.)
bool is_layout_bucket(uint64_t lower, uint64_t upper) {
  if (lower > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return false;
  analysis::Histogram probe;
  probe.record(static_cast<int64_t>(lower));
  const auto b = probe.buckets();
  return b.size() == 1 && b[0].lower == lower && b[0].upper_exclusive == upper;
}

std::vector<int64_t> histogram_percentiles(const U64Array& lower, const U64Array& upper,
                                           const U64Array& count, int64_t min_ns, int64_t max_ns,
                                           uint64_t sum_ns,
                                           const std::vector<double>& percentiles) {
  if (lower.ndim() != 1 || upper.ndim() != 1 || count.ndim() != 1 || lower.size() != upper.size() ||
      lower.size() != count.size()) {
    throw std::invalid_argument("lower_ns, upper_ns and count must be 1-D and equally long");
  }
  for (double p : percentiles) {
    if (!(p >= 0.0 && p <= 100.0)) {
      throw std::invalid_argument("percentiles must be in [0, 100], got " + std::to_string(p));
    }
  }
  std::vector<analysis::Bucket> parts;
  parts.reserve(static_cast<size_t>(lower.size()));
  for (py::ssize_t i = 0; i < lower.size(); ++i) {
    if (count.at(i) != 0) parts.push_back({lower.at(i), upper.at(i), count.at(i)});
  }
  // Rows of several series: the same bucket may appear once per row; merging adds the counts.
  std::sort(parts.begin(), parts.end(),
            [](const auto& a, const auto& b) { return a.lower < b.lower; });
  std::vector<analysis::Bucket> merged;
  for (const auto& b : parts) {
    if (!merged.empty() && merged.back().lower == b.lower) {
      if (merged.back().upper_exclusive != b.upper_exclusive) {
        throw std::invalid_argument("two buckets start at " + std::to_string(b.lower) +
                                    " ns with different upper bounds");
      }
      merged.back().count += b.count;
    } else {
      if (!is_layout_bucket(b.lower, b.upper_exclusive)) {
        throw std::invalid_argument("[" + std::to_string(b.lower) + ", " +
                                    std::to_string(b.upper_exclusive) +
                                    ") ns is not a bucket of meshsim's latency histograms");
      }
      merged.push_back(b);
    }
  }
  const auto h =
      analysis::Histogram::from_parts(merged, min_ns, max_ns, static_cast<long double>(sum_ns));
  std::vector<int64_t> out;
  out.reserve(percentiles.size());
  for (double p : percentiles) out.push_back(h.value_at_percentile(p));
  return out;
}

}  // namespace

void register_results(py::module_& m) {
  py::class_<RunResult, std::shared_ptr<RunResult>>(
      m, "RunResult",
      "One finished run's results: the tables of the HDF5 results file (docs/results-format.md), "
      "held in C++.  meshsim.Results wraps it.")
      .def("tables", &tables,
           "Every table as {'metadata': {attribute: value}, 'catalog/workloads': {column: "
           "values}, ..., 'series/latency_buckets': 2-D array, ...}, keyed by the HDF5 path.  "
           "Numeric columns are read-only numpy arrays of the stored type viewing the C++ data "
           "(no copy; they keep this object alive); string columns are lists of str.")
      .def_property_readonly(
          "metadata", [](const RunResult& r) { return attributes(r.tables.metadata); },
          "The /metadata attributes as a dict.")
      .def_property_readonly(
          "summary", [](const RunResult& r) { return r.summary; },
          "The summary tables `meshsim run` prints (analysis::format_summary).")
      .def(
          "save",
          [](const RunResult& r, const std::filesystem::path& path) {
            // The GIL stays held: the HDF5 C library is not thread-safe and h5py, in this
            // process, calls it under the GIL.
            analysis::write_results_file(path, r.tables);
          },
          py::arg("path"),
          "Writes the HDF5 results file `meshsim run --out` writes (atomically: a temporary file "
          "renamed on success).  Raises OSError on failure.");

  m.def("histogram_percentiles", &histogram_percentiles, py::arg("lower_ns"), py::arg("upper_ns"),
        py::arg("count"), py::arg("min_ns"), py::arg("max_ns"), py::arg("sum_ns"),
        py::arg("percentiles"),
        "Percentiles (p in [0, 100]) in integer ns of the histogram whose non-empty buckets are "
        "(lower_ns, upper_ns, count) -- rows of /totals/histograms, several series' buckets may "
        "be given together and are merged -- with the exact min, max and sum of all samples.  "
        "Exactly analysis::Histogram::value_at_percentile, as the CLI's summary computes it.  "
        "0 for an empty histogram.");
}

}  // namespace meshsim::python
