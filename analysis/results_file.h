// Writing a run's results as one HDF5 file (layout: docs/results-format.md).  The tables are
// built by build_result_tables() (result_tables.h); this file only writes them.
//
// Contract:
//   * All or nothing.  The file is written under a temporary name `<path>.tmp-<pid>` in the same
//     directory, flushed, closed and fsync'ed, then rename()d onto `path` (replacing any file
//     there).  On any failure the temporary file is removed, `path` is left as it was, and
//     ResultsFileError is thrown; its message names the file and the step that failed and
//     carries HDF5's own error stack (HDF5's automatic printing to stderr is off meanwhile).
//   * Deterministic.  Rows are written in sorted order and HDF5 object timestamps are off, so
//     two runs with equal metrics and metadata give byte-identical files; the only wall-clock
//     fields are the attributes /metadata/wall_time_s and /metadata/created_utc.
// Thread safety: safe to call from several threads; the HDF5 C library is not reentrant, so
// writes are serialised on a process-wide mutex.
#pragma once

#include <filesystem>
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "analysis/mesh_metrics.h"
#include "analysis/result_tables.h"

namespace meshsim::analysis {

class ResultsFileError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct ResultsFileOptions {
  // Called after each top-level group ("metadata", "catalog", "series", "totals", "timeline",
  // "traces") has been written, e.g. for progress.  An exception thrown from it aborts the write
  // like any failure (the temporary file is removed; ResultsFileError carries its message).
  std::function<void(std::string_view group)> after_group;
};

// Writes `metrics` (which must have finished()) and `metadata` to `path`; see the contract above.
// Equivalent to write_results_file(path, build_result_tables(metrics, metadata), options).
void write_results_file(const std::filesystem::path& path, const MeshMetrics& metrics,
                        const RunMetadata& metadata, const ResultsFileOptions& options = {});

// Writes tables built by build_result_tables() (e.g. kept by the Python bindings after the
// metrics are gone); same contract.
void write_results_file(const std::filesystem::path& path, const ResultTables& tables,
                        const ResultsFileOptions& options = {});

// The temporary name write_results_file() uses for `path` in this process.
std::filesystem::path results_temp_path(const std::filesystem::path& path);

}  // namespace meshsim::analysis
