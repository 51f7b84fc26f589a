// The HDF5 results writer; see results_file.h for the contract, docs/results-format.md for the
// layout.
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
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <limits>
#include <mutex>
#include <tuple>
#include <utility>

#include "analysis/istio_metrics.h"
#include "policies/response_flags.h"

namespace meshsim::analysis {
namespace {

// ---- checked HDF5 calls ------------------------------------------------------------------

herr_t collect_error(unsigned /*n*/, const H5E_error2_t* e, void* data) {
  auto& out = *static_cast<std::string*>(data);
  if (!out.empty()) out += "; ";
  out += e->func_name ? e->func_name : "?";
  out += "(): ";
  out += e->desc ? e->desc : "?";
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
                   hsize_t rows, hsize_t cols, const void* data, const char* units) {
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
}

// A table: a group of equally long 1-D datasets (columns), with attribute `columns` listing
// them in their intended order.
class TableWriter {
 public:
  TableWriter(hid_t parent, const std::string& name, size_t rows)
      : group_(group(parent, name)), name_(name), rows_(rows) {}

  template <typename T>
  void column(const std::string& name, const std::vector<T>& values, const char* units = nullptr) {
    assert_rows(values.size());
    write_dataset(group_.get(), name, H5Type<T>::file(), H5Type<T>::mem(), rows_, 0, values.data(),
                  units);
    names_.push_back(name);
  }

  // Fixed-length UTF-8 strings, as wide as the longest (at least 1 byte), NUL-padded.
  void column(const std::string& name, const std::vector<std::string>& values) {
    assert_rows(values.size());
    size_t width = 1;
    for (const auto& v : values) width = std::max(width, v.size());
    std::vector<char> buffer(values.size() * width, '\0');
    for (size_t i = 0; i < values.size(); ++i) {
      std::memcpy(buffer.data() + i * width, values[i].data(), values[i].size());
    }
    const Handle type = string_type(width);
    write_dataset(group_.get(), name, type.get(), type.get(), rows_, 0, buffer.data(), nullptr);
    names_.push_back(name);
  }

  hid_t get() const { return group_.get(); }

  void finish() {
    attribute(group_.get(), "columns", names_);
    group_.close("closing group " + name_);
  }

 private:
  void assert_rows(size_t n) const {
    if (n != rows_) throw ResultsFileError("internal error: column length mismatch in " + name_);
  }

  Handle group_;
  std::string name_;
  size_t rows_;
  std::vector<std::string> names_;
};

void matrix(hid_t parent, const std::string& name, const std::vector<uint64_t>& values,
            size_t cols) {
  write_dataset(parent, name, H5Type<uint64_t>::file(), H5Type<uint64_t>::mem(),
                values.size() / cols, cols, values.data(), nullptr);
}

// ---- the sections ------------------------------------------------------------------------

// Divisions, not Time::to_seconds()'s multiplication by 1e-9, so that whole numbers of seconds
// or milliseconds are stored exactly (12 s is 12.0, not 12.000000000000002).
double ns_to_ms(int64_t ns) { return static_cast<double>(ns) / 1e6; }
double seconds(simcore::Time t) { return static_cast<double>(t.ns()) / 1e9; }

void write_metadata(hid_t file, const MeshMetrics& m, const RunMetadata& meta) {
  Handle g = group(file, "metadata");
  attribute(g.get(), "format", std::string("meshsim-results"));
  attribute(g.get(), "format_version", kResultsFormatVersion);
  attribute(g.get(), "meshsim_version", meta.meshsim_version);
  attribute(g.get(), "seed", meta.seed);
  attribute(g.get(), "scenario_text", scenario_text(meta.sources));
  std::vector<std::string> paths;
  for (const auto& [path, text] : meta.sources) paths.push_back(path);
  attribute(g.get(), "scenario_files", paths);
  attribute(g.get(), "wall_time_s", meta.wall_time_s);
  attribute(g.get(), "sim_duration_s", seconds(m.end()));
  attribute(g.get(), "warmup_s", seconds(m.warmup()));
  attribute(g.get(), "interval_s", seconds(m.interval()));
  attribute(g.get(), "events", m.events());
  attribute(g.get(), "requests_recorded", m.recorded());
  attribute(g.get(), "requests_dropped_warmup", m.dropped());
  attribute(g.get(), "created_utc", meta.created_utc.empty() ? utc_now() : meta.created_utc);
  g.close("closing /metadata");
}

void write_catalog(hid_t file, const MeshMetrics& m) {
  const models::MeshCatalog& c = m.catalog();
  Handle g = group(file, "catalog");
  {
    TableWriter t(g.get(), "workloads", c.workloads.size());
    std::vector<std::string> name, service, ns, version, app;
    for (const auto& w : c.workloads) {
      name.push_back(w.name);
      service.push_back(w.service);
      ns.push_back(w.namespace_);
      version.push_back(w.version);
      app.push_back(w.app);
    }
    t.column("name", name);
    t.column("service", service);
    t.column("namespace", ns);
    t.column("version", version);
    t.column("app", app);
    t.finish();
  }
  {
    TableWriter t(g.get(), "services", c.services.size());
    std::vector<std::string> name, ns, fqdn;
    for (const auto& s : c.services) {
      name.push_back(s.name);
      ns.push_back(s.namespace_);
      fqdn.push_back(s.fqdn());
    }
    t.column("name", name);
    t.column("namespace", ns);
    t.column("fqdn", fqdn);
    t.finish();
  }
  {
    TableWriter t(g.get(), "loads", c.loads.size());
    t.column("name", c.loads);
    t.finish();
  }
  g.close("closing /catalog");
}

// The label and figure columns shared by /series/requests and /totals/requests.
struct RequestColumns {
  std::vector<std::string> reporter, source_workload, source_version, destination_service,
      destination_service_name, destination_service_namespace, destination_workload,
      destination_version, response_flags, load;
  std::vector<uint16_t> response_code;
  std::vector<uint64_t> count, retries;
  std::vector<double> sum_ms, p50_ms, p90_ms, p99_ms;
  std::vector<uint64_t> buckets;  // rows x IstioBucketCounts

  void add(const MeshMetrics& m, const SeriesKey& k, const SeriesStats& s) {
    reporter.emplace_back(reporter_label(k.reporter));
    source_workload.emplace_back(m.workload_name(k.source_workload));
    source_version.emplace_back(m.workload_version(k.source_workload));
    destination_service.emplace_back(m.service_fqdn(k.destination_service));
    destination_service_name.emplace_back(m.service_name(k.destination_service));
    destination_service_namespace.emplace_back(m.service_namespace(k.destination_service));
    destination_workload.emplace_back(m.workload_name(k.destination_workload));
    destination_version.emplace_back(m.workload_version(k.destination_workload));
    response_code.push_back(k.response_code);
    response_flags.push_back(policies::response_flags_string(k.response_flags));
    load.emplace_back(m.load_name(k.load));
    count.push_back(s.count);
    retries.push_back(s.retries());
    sum_ms.push_back(static_cast<double>(s.latency.sum() / 1e6L));
    p50_ms.push_back(ns_to_ms(s.latency.value_at_percentile(50)));
    p90_ms.push_back(ns_to_ms(s.latency.value_at_percentile(90)));
    p99_ms.push_back(ns_to_ms(s.latency.value_at_percentile(99)));
    const IstioBucketCounts b = s.istio_buckets.cumulative();
    buckets.insert(buckets.end(), b.begin(), b.end());
  }

  void write_labels(TableWriter& t) const {
    t.column(std::string(kLabelReporter), reporter);
    t.column(std::string(kLabelSourceWorkload), source_workload);
    t.column(std::string(kLabelSourceVersion), source_version);
    t.column(std::string(kLabelDestinationService), destination_service);
    t.column(std::string(kLabelDestinationServiceName), destination_service_name);
    t.column(std::string(kLabelDestinationServiceNamespace), destination_service_namespace);
    t.column(std::string(kLabelDestinationWorkload), destination_workload);
    t.column(std::string(kLabelDestinationVersion), destination_version);
    t.column(std::string(kLabelResponseCode), response_code);
    t.column(std::string(kLabelResponseFlags), response_flags);
    t.column("load", load);
  }

  void write_figures(TableWriter& t) const {
    t.column("count", count);
    t.column("retries", retries);
    t.column("latency_sum_ms", sum_ms, "ms");
    t.column("latency_p50_ms", p50_ms, "ms");
    t.column("latency_p90_ms", p90_ms, "ms");
    t.column("latency_p99_ms", p99_ms, "ms");
  }
};

void write_bucket_matrix(hid_t parent, const std::vector<uint64_t>& buckets) {
  constexpr size_t kCols = std::tuple_size_v<IstioBucketCounts>;
  matrix(parent, "latency_buckets", buckets, kCols);
  const Handle d(H5Dopen2(parent, "latency_buckets", H5P_DEFAULT), H5Dclose,
                 "opening latency_buckets");
  std::vector<double> le(kIstioDurationBucketsMs.begin(), kIstioDurationBucketsMs.end());
  le.push_back(std::numeric_limits<double>::infinity());
  attribute(d.get(), "le", le);
  attribute(d.get(), "metric", std::string(kRequestDuration) + "_bucket");
  attribute(d.get(), "units", std::string("ms"));
}

void write_series(hid_t file, const MeshMetrics& m) {
  RequestColumns cols;
  std::vector<double> interval_start_s;
  m.for_each_interval_series([&](int64_t k, const SeriesKey& key, const SeriesStats& s) {
    interval_start_s.push_back(seconds(m.interval() * k));
    cols.add(m, key, s);
  });
  Handle g = group(file, "series");
  {
    TableWriter t(g.get(), "requests", interval_start_s.size());
    t.column("interval_start_s", interval_start_s, "s");
    cols.write_labels(t);
    cols.write_figures(t);
    attribute(t.get(), "metric", std::string(kRequestsTotal));
    t.finish();
  }
  write_bucket_matrix(g.get(), cols.buckets);
  g.close("closing /series");
}

void write_totals(hid_t file, const MeshMetrics& m) {
  RequestColumns cols;
  std::vector<int64_t> min_ns, max_ns;
  std::vector<uint64_t> sum_ns;
  std::vector<uint64_t> h_row, h_lower, h_upper, h_count;
  uint64_t row = 0;
  m.for_each_total([&](const SeriesKey& key, const SeriesStats& s) {
    cols.add(m, key, s);
    min_ns.push_back(s.latency.min());
    max_ns.push_back(s.latency.max());
    sum_ns.push_back(static_cast<uint64_t>(s.latency.sum()));
    for (const Bucket& b : s.latency.buckets()) {
      h_row.push_back(row);
      h_lower.push_back(b.lower);
      h_upper.push_back(b.upper_exclusive);
      h_count.push_back(b.count);
    }
    ++row;
  });
  Handle g = group(file, "totals");
  {
    TableWriter t(g.get(), "requests", cols.count.size());
    cols.write_labels(t);
    cols.write_figures(t);
    t.column("latency_min_ns", min_ns, "ns");
    t.column("latency_max_ns", max_ns, "ns");
    t.column("latency_sum_ns", sum_ns, "ns");
    attribute(t.get(), "metric", std::string(kRequestsTotal));
    t.finish();
  }
  write_bucket_matrix(g.get(), cols.buckets);
  {
    TableWriter t(g.get(), "histograms", h_row.size());
    t.column("row", h_row);
    t.column("lower_ns", h_lower, "ns");
    t.column("upper_ns", h_upper, "ns");
    t.column("count", h_count);
    t.finish();
  }
  g.close("closing /totals");
}

void write_timeline(hid_t file, const MeshMetrics& m) {
  std::vector<const models::TimelineRecord*> order;
  for (const auto& r : m.timeline_records()) order.push_back(&r);
  std::stable_sort(order.begin(), order.end(),
                   [](const auto* a, const auto* b) { return a->at < b->at; });
  std::vector<double> at_s;
  std::vector<std::string> description;
  std::vector<uint8_t> undo;
  for (const auto* r : order) {
    at_s.push_back(seconds(r->at));
    description.push_back(r->description);
    undo.push_back(r->undo ? 1 : 0);
  }
  TableWriter t(file, "timeline", order.size());
  t.column("at_s", at_s, "s");
  t.column("description", description);
  t.column("undo", undo);
  t.finish();
}

void write_traces(hid_t file, const MeshMetrics& m) {
  std::vector<const models::SpanRecord*> order;
  for (const auto& s : m.span_records()) order.push_back(&s);
  std::sort(order.begin(), order.end(), [](const auto* a, const auto* b) {
    return std::tie(a->trace_id, a->start, a->span_id, a->end) <
           std::tie(b->trace_id, b->start, b->span_id, b->end);
  });
  std::vector<uint64_t> trace_id, span_id, parent;
  std::vector<double> start_s, end_s;
  std::vector<std::string> workload, peer_service, flags, kind;
  std::vector<uint16_t> code;
  for (const auto* s : order) {
    trace_id.push_back(s->trace_id);
    span_id.push_back(s->span_id);
    parent.push_back(s->parent_span_id);
    start_s.push_back(seconds(s->start));
    end_s.push_back(seconds(s->end));
    workload.emplace_back(m.workload_name(s->workload));
    peer_service.emplace_back(m.service_fqdn(s->peer_service));
    code.push_back(s->response_code);
    flags.push_back(policies::response_flags_string(s->response_flags));
    kind.emplace_back(s->kind == models::Reporter::kDestination ? "server" : "client");
  }
  TableWriter t(file, "traces", order.size());
  t.column("trace_id", trace_id);
  t.column("span_id", span_id);
  t.column("parent_span_id", parent);
  t.column("start_s", start_s, "s");
  t.column("end_s", end_s, "s");
  t.column("workload", workload);
  t.column("peer_service", peer_service);
  t.column("response_code", code);
  t.column("response_flags", flags);
  t.column("kind", kind);
  t.finish();
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

void write_file(const std::filesystem::path& temp, const MeshMetrics& m, const RunMetadata& meta,
                const ResultsFileOptions& options) {
  auto done = [&](std::string_view section) {
    if (options.after_group) options.after_group(section);
  };
  const Handle fcpl = property_list(H5P_FILE_CREATE);
  const Handle fapl = property_list(H5P_FILE_ACCESS);
  check(H5Pset_fclose_degree(fapl.get(), H5F_CLOSE_SEMI), "setting the file close degree");
  Handle file(H5Fcreate(temp.c_str(), H5F_ACC_TRUNC, fcpl.get(), fapl.get()), H5Fclose,
              "cannot create " + temp.string());
  write_metadata(file.get(), m, meta);
  done("metadata");
  write_catalog(file.get(), m);
  done("catalog");
  write_series(file.get(), m);
  done("series");
  write_totals(file.get(), m);
  done("totals");
  write_timeline(file.get(), m);
  done("timeline");
  write_traces(file.get(), m);
  done("traces");
  check(H5Fflush(file.get(), H5F_SCOPE_GLOBAL), "flushing " + temp.string());
  file.close("closing " + temp.string());
}

}  // namespace

std::string scenario_text(const std::vector<std::pair<std::string, std::string>>& sources) {
  std::string out;
  for (const auto& [path, text] : sources) {
    out += "# --- file: " + path + "\n";
    out += text;
    if (!text.empty() && text.back() != '\n') out += '\n';
  }
  return out;
}

std::string utc_now() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buffer;
}

std::filesystem::path results_temp_path(const std::filesystem::path& path) {
  return std::filesystem::path(path.string() + ".tmp-" + std::to_string(::getpid()));
}

void write_results_file(const std::filesystem::path& path, const MeshMetrics& metrics,
                        const RunMetadata& metadata, const ResultsFileOptions& options) {
  if (!metrics.finished()) {
    throw ResultsFileError("results file " + path.string() + ": the run has not finished");
  }
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
    write_file(temp, metrics, metadata, options);
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
