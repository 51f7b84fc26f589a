// The HDF5 results writer; see results_file.h for the contract, docs/results-format.md for the
// layout.  What goes into each table is decided in result_tables.cc; this file maps the tables
// onto HDF5 groups, datasets and attributes.
//
// Every HDF5 C call goes through check() / check_id() (the HighFive habit): a negative return
// becomes a ResultsFileError whose message is the failed step plus HDF5's error stack, walked
// from the API call down to the cause.  Identifiers are owned by Handle (RAII), so an exception
// closes everything it leaves behind.  The file is closed with H5F_CLOSE_SEMI, so closing it
// with an object still open fails loudly instead of leaving the file open.
#include "analysis/results_file.h"

#include <fcntl.h>
#include <hdf5.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <type_traits>
#include <utility>
#include <variant>

namespace meshsim::analysis {
namespace {

// ---- checked HDF5 calls ------------------------------------------------------------------

herr_t collect_error(unsigned /*n*/, const H5E_error2_t* e, void* data) {
  auto& out = *static_cast<std::string*>(data);
  if (!out.empty()) out += "; ";
  out += e->func_name ? e->func_name : "?";
  out += "(): ";
  // Some descriptions hold a newline (ctime()'s, in H5F_open's): kept on one line, so that an
  // error message is one line on a terminal and in CI logs.
  for (const char* c = e->desc ? e->desc : "?"; *c; ++c) out += *c == '\n' ? ' ' : *c;
  return 0;
}

// HDF5's error stack as one line, outermost call first; clears it.
std::string hdf5_error_stack() {
  std::string out;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, collect_error, &out);
  H5Eclear2(H5E_DEFAULT);
  return out.empty() ? "no HDF5 error recorded" : out;
}

[[noreturn]] void fail(const std::string& what) {
  throw ResultsFileError(what + " (HDF5: " + hdf5_error_stack() + ")");
}

hid_t check_id(hid_t id, const std::string& what) {
  if (id < 0) fail(what);
  return id;
}

void check(herr_t status, const std::string& what) {
  if (status < 0) fail(what);
}

// Owns one HDF5 identifier; closes it (ignoring errors) unless close() did so, checked.
class Handle {
 public:
  using Closer = herr_t (*)(hid_t);
  Handle(hid_t id, Closer closer, const std::string& what)
      : id_(check_id(id, what)), closer_(closer) {}
  Handle(Handle&& other) noexcept : id_(std::exchange(other.id_, -1)), closer_(other.closer_) {}
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  Handle& operator=(Handle&&) = delete;
  ~Handle() {
    if (id_ >= 0) closer_(id_);
  }
  hid_t get() const { return id_; }
  void close(const std::string& what) {
    const hid_t id = std::exchange(id_, -1);
    check(closer_(id), what);
  }

 private:
  hid_t id_;
  Closer closer_;
};

Handle property_list(hid_t cls) {
  Handle p(H5Pcreate(cls), H5Pclose, "creating a property list");
  // Object timestamps would make two identical runs' files differ.
  if (cls != H5P_FILE_ACCESS) {
    check(H5Pset_obj_track_times(p.get(), false), "turning off object timestamps");
  }
  return p;
}

Handle dataspace(std::initializer_list<hsize_t> dims) {
  const std::vector<hsize_t> d(dims);
  return Handle(H5Screate_simple(static_cast<int>(d.size()), d.data(), nullptr), H5Sclose,
                "creating a dataspace");
}

Handle scalar_space() { return Handle(H5Screate(H5S_SCALAR), H5Sclose, "creating a dataspace"); }

Handle group(hid_t parent, const std::string& name) {
  const Handle gcpl = property_list(H5P_GROUP_CREATE);
  return Handle(H5Gcreate2(parent, name.c_str(), H5P_DEFAULT, gcpl.get(), H5P_DEFAULT), H5Gclose,
                "creating group " + name);
}

// ---- types -------------------------------------------------------------------------------

template <typename T>
struct H5Type;
template <>
struct H5Type<uint8_t> {
  static hid_t file() { return H5T_STD_U8LE; }
  static hid_t mem() { return H5T_NATIVE_UINT8; }
};
template <>
struct H5Type<uint16_t> {
  static hid_t file() { return H5T_STD_U16LE; }
  static hid_t mem() { return H5T_NATIVE_UINT16; }
};
template <>
struct H5Type<uint32_t> {
  static hid_t file() { return H5T_STD_U32LE; }
  static hid_t mem() { return H5T_NATIVE_UINT32; }
};
template <>
struct H5Type<uint64_t> {
  static hid_t file() { return H5T_STD_U64LE; }
  static hid_t mem() { return H5T_NATIVE_UINT64; }
};
template <>
struct H5Type<int64_t> {
  static hid_t file() { return H5T_STD_I64LE; }
  static hid_t mem() { return H5T_NATIVE_INT64; }
};
template <>
struct H5Type<double> {
  static hid_t file() { return H5T_IEEE_F64LE; }
  static hid_t mem() { return H5T_NATIVE_DOUBLE; }
};

// UTF-8 string type: variable length (H5T_VARIABLE) or fixed, NUL-padded, of `size` bytes.
Handle string_type(size_t size) {
  Handle t(H5Tcopy(H5T_C_S1), H5Tclose, "creating a string type");
  check(H5Tset_size(t.get(), size), "sizing a string type");
  check(H5Tset_cset(t.get(), H5T_CSET_UTF8), "setting a string type's character set");
  if (size != H5T_VARIABLE) check(H5Tset_strpad(t.get(), H5T_STR_NULLPAD), "padding a string type");
  return t;
}

// ---- attributes --------------------------------------------------------------------------

void write_attribute(hid_t object, const std::string& name, hid_t type, hid_t space, hid_t mem_type,
                     const void* data) {
  const Handle a(H5Acreate2(object, name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT), H5Aclose,
                 "creating attribute " + name);
  check(H5Awrite(a.get(), mem_type, data), "writing attribute " + name);
}

void attribute(hid_t object, const std::string& name, const std::string& value) {
  const Handle type = string_type(H5T_VARIABLE);
  const Handle space = scalar_space();
  const char* p = value.c_str();
  write_attribute(object, name, type.get(), space.get(), type.get(), &p);
}

void attribute(hid_t object, const std::string& name, const std::vector<std::string>& values) {
  const Handle type = string_type(H5T_VARIABLE);
  const Handle space = dataspace({values.size()});
  std::vector<const char*> p;
  for (const auto& v : values) p.push_back(v.c_str());
  const char* none = nullptr;  // H5Awrite rejects a null buffer even for zero elements
  write_attribute(object, name, type.get(), space.get(), type.get(), p.empty() ? &none : p.data());
}

template <typename T>
void attribute(hid_t object, const std::string& name, T value) {
  const Handle space = scalar_space();
  write_attribute(object, name, H5Type<T>::file(), space.get(), H5Type<T>::mem(), &value);
}

void attribute(hid_t object, const std::string& name, const std::vector<double>& values) {
  const Handle space = dataspace({values.size()});
  const double none = 0;
  write_attribute(object, name, H5Type<double>::file(), space.get(), H5Type<double>::mem(),
                  values.empty() ? &none : values.data());
}

// ---- datasets ----------------------------------------------------------------------------

// Datasets of kCompressBytes or more are chunked and compressed (shuffle + deflate, whose output
// is deterministic); smaller ones are contiguous, which costs no chunk index (a few KiB each).
constexpr size_t kCompressBytes = 64 * 1024;

Handle dataset_properties(hsize_t rows, hsize_t cols, size_t bytes) {
  Handle dcpl = property_list(H5P_DATASET_CREATE);
  if (rows > 0 && bytes >= kCompressBytes && H5Zfilter_avail(H5Z_FILTER_DEFLATE) > 0) {
    const hsize_t chunk_rows = std::min<hsize_t>(rows, cols > 0 ? 4096 : 65536);
    const hsize_t chunk[2] = {chunk_rows, cols};
    check(H5Pset_chunk(dcpl.get(), cols > 0 ? 2 : 1, chunk), "setting a chunk size");
    check(H5Pset_shuffle(dcpl.get()), "setting the shuffle filter");
    check(H5Pset_deflate(dcpl.get(), 6), "setting the deflate filter");
  }
  return dcpl;
}

void write_dataset(hid_t parent, const std::string& name, hid_t file_type, hid_t mem_type,
                   hsize_t rows, hsize_t cols, const void* data, const char* units,
                   const char* metric = nullptr) {
  const Handle space = cols > 0 ? dataspace({rows, cols}) : dataspace({rows});
  const size_t bytes =
      static_cast<size_t>(rows * std::max<hsize_t>(cols, 1)) * H5Tget_size(mem_type);
  const Handle dcpl = dataset_properties(rows, cols, bytes);
  const Handle d(H5Dcreate2(parent, name.c_str(), file_type, space.get(), H5P_DEFAULT, dcpl.get(),
                            H5P_DEFAULT),
                 H5Dclose, "creating dataset " + name);
  if (rows > 0) {
    check(H5Dwrite(d.get(), mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data),
          "writing dataset " + name);
  }
  if (units != nullptr) attribute(d.get(), "units", std::string(units));
  if (metric != nullptr) attribute(d.get(), "metric", std::string(metric));
}

// ---- the tables --------------------------------------------------------------------------

void write_attribute(hid_t object, const Attribute& a) {
  std::visit([&](const auto& v) { attribute(object, a.name, v); }, a.value);
}

void write_column(hid_t parent, const Column& c) {
  const char* units = c.units.empty() ? nullptr : c.units.c_str();
  const char* metric = c.metric.empty() ? nullptr : c.metric.c_str();
  std::visit(
      [&](const auto& values) {
        using T = typename std::decay_t<decltype(values)>::value_type;
        if constexpr (std::is_same_v<T, std::string>) {
          // Fixed-length UTF-8 strings, as wide as the longest (at least 1 byte), NUL-padded.
          size_t width = 1;
          for (const auto& v : values) width = std::max(width, v.size());
          std::vector<char> buffer(values.size() * width, '\0');
          for (size_t i = 0; i < values.size(); ++i) {
            std::memcpy(buffer.data() + i * width, values[i].data(), values[i].size());
          }
          const Handle type = string_type(width);
          write_dataset(parent, c.name, type.get(), type.get(), values.size(), 0, buffer.data(),
                        units, metric);
        } else {
          write_dataset(parent, c.name, H5Type<T>::file(), H5Type<T>::mem(), values.size(), 0,
                        values.data(), units, metric);
        }
      },
      c.values);
}

// A table: a group of equally long 1-D datasets (columns), with attribute `columns` listing
// them in their intended order, then the table's own attributes.
void write_table(hid_t parent, const std::string& name, const Table& t) {
  Handle g = group(parent, name);
  std::vector<std::string> names;
  for (const Column& c : t.columns) {
    if (c.size() != t.rows()) {
      throw ResultsFileError("internal error: column length mismatch in " + name);
    }
    write_column(g.get(), c);
    names.push_back(c.name);
  }
  for (const Attribute& a : t.attributes) write_attribute(g.get(), a);
  attribute(g.get(), "columns", names);
  g.close("closing group " + name);
}

void write_matrix(hid_t parent, const std::string& name, const Matrix& m) {
  if (m.values.size() != m.rows * m.cols) {
    throw ResultsFileError("internal error: matrix size mismatch in " + name);
  }
  write_dataset(parent, name, H5Type<uint64_t>::file(), H5Type<uint64_t>::mem(), m.rows, m.cols,
                m.values.data(), nullptr);
  const Handle d(H5Dopen2(parent, name.c_str(), H5P_DEFAULT), H5Dclose, "opening " + name);
  for (const Attribute& a : m.attributes) write_attribute(d.get(), a);
}

// Turns HDF5's automatic error printing off for the writer's lifetime, then restores it.
class QuietHdf5 {
 public:
  QuietHdf5() {
    H5Eget_auto2(H5E_DEFAULT, &func_, &data_);
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  }
  QuietHdf5(const QuietHdf5&) = delete;
  QuietHdf5& operator=(const QuietHdf5&) = delete;
  ~QuietHdf5() { H5Eset_auto2(H5E_DEFAULT, func_, data_); }

 private:
  H5E_auto2_t func_ = nullptr;
  void* data_ = nullptr;
};

void fsync_file(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 || ::fsync(fd) != 0) {
    const int err = errno;
    if (fd >= 0) ::close(fd);
    throw ResultsFileError("cannot sync " + path.string() + ": " + std::strerror(err));
  }
  ::close(fd);
}

void write_file(const std::filesystem::path& temp, const ResultTables& t,
                const ResultsFileOptions& options) {
  auto done = [&](std::string_view section) {
    if (options.after_group) options.after_group(section);
  };
  const Handle fcpl = property_list(H5P_FILE_CREATE);
  const Handle fapl = property_list(H5P_FILE_ACCESS);
  check(H5Pset_fclose_degree(fapl.get(), H5F_CLOSE_SEMI), "setting the file close degree");
  Handle file(H5Fcreate(temp.c_str(), H5F_ACC_TRUNC, fcpl.get(), fapl.get()), H5Fclose,
              "cannot create " + temp.string());
  {
    Handle g = group(file.get(), "metadata");
    for (const Attribute& a : t.metadata) write_attribute(g.get(), a);
    g.close("closing /metadata");
  }
  done("metadata");
  {
    Handle g = group(file.get(), "catalog");
    write_table(g.get(), "workloads", t.catalog_workloads);
    write_table(g.get(), "services", t.catalog_services);
    write_table(g.get(), "loads", t.catalog_loads);
    g.close("closing /catalog");
  }
  done("catalog");
  {
    Handle g = group(file.get(), "series");
    write_table(g.get(), "requests", t.series_requests);
    write_matrix(g.get(), "latency_buckets", t.series_latency_buckets);
    write_table(g.get(), "histograms", t.series_histograms);
    write_table(g.get(), "tcp", t.series_tcp);
    g.close("closing /series");
  }
  done("series");
  {
    Handle g = group(file.get(), "totals");
    write_table(g.get(), "requests", t.totals_requests);
    write_matrix(g.get(), "latency_buckets", t.totals_latency_buckets);
    write_table(g.get(), "histograms", t.totals_histograms);
    write_table(g.get(), "tcp", t.totals_tcp);
    g.close("closing /totals");
  }
  done("totals");
  write_table(file.get(), "timeline", t.timeline);
  done("timeline");
  write_table(file.get(), "traces", t.traces);
  done("traces");
  check(H5Fflush(file.get(), H5F_SCOPE_GLOBAL), "flushing " + temp.string());
  file.close("closing " + temp.string());
}

}  // namespace

std::filesystem::path results_temp_path(const std::filesystem::path& path) {
  return std::filesystem::path(path.string() + ".tmp-" + std::to_string(::getpid()));
}

void write_results_file(const std::filesystem::path& path, const MeshMetrics& metrics,
                        const RunMetadata& metadata, const ResultsFileOptions& options) {
  if (!metrics.finished()) {
    throw ResultsFileError("results file " + path.string() + ": the run has not finished");
  }
  write_results_file(path, build_result_tables(metrics, metadata), options);
}

void write_results_file(const std::filesystem::path& path, const ResultTables& tables,
                        const ResultsFileOptions& options) {
  static std::mutex hdf5_mutex;  // the HDF5 C library is not reentrant
  const std::lock_guard lock(hdf5_mutex);
  const QuietHdf5 quiet;
  const std::filesystem::path temp = results_temp_path(path);
  auto discard_temp = [&] {
    std::error_code ignored;
    std::filesystem::remove(temp, ignored);
    H5Eclear2(H5E_DEFAULT);
  };
  const std::string prefix = "results file " + path.string() + ": ";
  try {
    write_file(temp, tables, options);
    fsync_file(temp);
    if (std::rename(temp.c_str(), path.c_str()) != 0) {
      const int err = errno;
      throw ResultsFileError("cannot rename " + temp.string() + " to " + path.string() + ": " +
                             std::strerror(err));
    }
  } catch (const std::exception& e) {
    discard_temp();
    throw ResultsFileError(prefix + e.what());
  }
}

}  // namespace meshsim::analysis
