// A run's results as plain tables of columns, before any file format: the tables the HDF5 results
// file holds (docs/results-format.md), built once here so that the HDF5 writer (results_file.h)
// and the Python bindings (python/src/results.cpp) hand out the same rows, in the same order, with
// the same element types, and neither repeats the other's work.
//
// Contract: build_result_tables() reads a finished MeshMetrics and returns values only (no
// reference into the metrics survives).  Every Table's columns are equally long; a column's
// element type is the type the file stores (uint16 for response_code, uint8 for undo, ...), and
// the order of `columns` is the file's `columns` attribute.  Rows are in the orders the layout
// document gives, so equal metrics give equal tables.  Wall-clock values appear only in the
// metadata attributes wall_time_s and created_utc.
// Thread safety: build_result_tables() only reads its arguments; the types are plain values.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "analysis/mesh_metrics.h"

namespace meshsim::analysis {

// What the results carry besides the metrics.
struct RunMetadata {
  std::string meshsim_version;
  uint64_t seed = 0;
  // The scenario's source files as (path, text), in the order they were read.
  std::vector<std::pair<std::string, std::string>> sources;
  double wall_time_s = 0;   // wall-clock time the run took
  std::string created_utc;  // "2025-01-31T12:00:00Z"; empty: the current time (utc_now())
};

// One column's values; the element type is the type the file stores.
using ColumnValues =
    std::variant<std::vector<uint8_t>, std::vector<uint16_t>, std::vector<uint32_t>,
                 std::vector<uint64_t>, std::vector<int64_t>, std::vector<double>,
                 std::vector<std::string>>;

// An attribute's value: a scalar or a 1-D array, of the types the file stores.
using AttributeValue = std::variant<std::string, uint32_t, uint64_t, double,
                                    std::vector<std::string>, std::vector<double>>;

struct Attribute {
  std::string name;
  AttributeValue value;
};

struct Column {
  std::string name;
  ColumnValues values;
  std::string units;   // "s", "ms" or "ns"; empty: none
  std::string metric;  // the Istio metric the column counts (written as its attribute); or empty
  size_t size() const;
};

// Equally long columns in their intended order, plus the table's own attributes (e.g. "metric";
// the list of column names is not among them: it is `columns` itself).
struct Table {
  std::vector<Column> columns;
  std::vector<Attribute> attributes;

  size_t rows() const { return columns.empty() ? 0 : columns.front().size(); }
  // The column called `name`; throws std::out_of_range if there is none.
  const Column& column(std::string_view name) const;
  template <typename T>
  void add(std::string name, std::vector<T> values, std::string units = {},
           std::string metric = {}) {
    columns.push_back(
        {std::move(name), ColumnValues(std::move(values)), std::move(units), std::move(metric)});
  }
};

// A row-major rows x cols matrix of counts, with its attributes ("le", "metric", "units").
struct Matrix {
  size_t rows = 0;
  size_t cols = 0;
  std::vector<uint64_t> values;  // rows * cols
  std::vector<Attribute> attributes;
};

// Every table of the results file, named after its HDF5 path.
struct ResultTables {
  std::vector<Attribute> metadata;  // /metadata's attributes, in the order written
  Table catalog_workloads;          // /catalog/workloads
  Table catalog_services;           // /catalog/services
  Table catalog_loads;              // /catalog/loads
  Table series_requests;            // /series/requests
  Matrix series_latency_buckets;    // /series/latency_buckets
  Table series_histograms;          // /series/histograms
  Table totals_requests;            // /totals/requests
  Matrix totals_latency_buckets;    // /totals/latency_buckets
  Table totals_histograms;          // /totals/histograms
  Table series_tcp;                 // /series/tcp
  Table totals_tcp;                 // /totals/tcp
  Table timeline;                   // /timeline
  Table traces;                     // /traces
};

// The tables of `metrics` (which should have finished(); otherwise sim_duration_s is 0) and
// `metadata`.  Allocates; O(rows).
ResultTables build_result_tables(const MeshMetrics& metrics, const RunMetadata& metadata);

// The sources concatenated, each preceded by a line "# --- file: <path>" and ending in a newline:
// the /metadata/scenario_text attribute.
std::string scenario_text(const std::vector<std::pair<std::string, std::string>>& sources);

// The current UTC time as "YYYY-MM-DDTHH:MM:SSZ" (always 20 characters).
std::string utc_now();

// Results format version, /metadata/format_version; bumped when the layout changes incompatibly.
inline constexpr uint32_t kResultsFormatVersion = 1;

}  // namespace meshsim::analysis
