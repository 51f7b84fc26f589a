// Tests for analysis/results_file.*: the HDF5 layout of docs/results-format.md read back with
// the HDF5 C API, the all-or-nothing write (temporary name, rename, clean-up on failure), and
// determinism (equal inputs give byte-identical files; the wall-clock attributes are the only
// difference otherwise).
//
// Source of truth: the hand-made run of mesh_fixture.h (figures computed there by hand), the
// layout document, and LevelDB's SetCurrentFile pattern (write a temporary, rename on success).
#include "analysis/results_file.h"

#include <hdf5.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "analysis/istio_metrics.h"
#include "mesh_fixture.h"
#include "support/temp_dir.h"
#include "tcp_fixture.h"

namespace {

namespace fs = std::filesystem;
using meshsim::analysis::Bucket;
using meshsim::analysis::Histogram;
using meshsim::analysis::MeshMetrics;
using meshsim::analysis::ResultsFileError;
using meshsim::analysis::RunMetadata;
using meshsim::analysis::SeriesKey;
using meshsim::analysis::SeriesStats;
using meshsim::analysis::write_results_file;
using meshsim::simcore::Time;
namespace t = meshsim::testing;

using meshsim::testing::TempDir;  // tests/support/temp_dir.h

MeshMetrics bookinfo() {
  MeshMetrics m(Time::from_s(10));
  t::feed_bookinfo(m);
  return m;
}

RunMetadata metadata() {
  RunMetadata meta;
  meta.meshsim_version = "0.1.0";
  meta.seed = 42;
  meta.sources = {{"bookinfo.yaml", "services:\n  - name: productpage\n"},
                  {"chaos.yaml", "timeline: []"}};
  meta.wall_time_s = 1.25;
  meta.created_utc = "2025-01-31T12:00:00Z";
  return meta;
}

std::string file_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// ---- reading with the HDF5 C API ---------------------------------------------------------

class File {
 public:
  explicit File(const fs::path& p) : id_(H5Fopen(p.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT)) {
    REQUIRE(id_ >= 0);
  }
  ~File() { H5Fclose(id_); }
  hid_t id() const { return id_; }

  bool exists(const std::string& path) const {
    return H5Lexists(id_, path.c_str(), H5P_DEFAULT) > 0;
  }

  template <typename T>
  std::vector<T> column(const std::string& path, hid_t mem_type) const {
    const hid_t d = H5Dopen2(id_, path.c_str(), H5P_DEFAULT);
    REQUIRE(d >= 0);
    const hid_t space = H5Dget_space(d);
    std::vector<T> out(static_cast<size_t>(H5Sget_simple_extent_npoints(space)));
    if (!out.empty()) REQUIRE(H5Dread(d, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()) >= 0);
    H5Sclose(space);
    H5Dclose(d);
    return out;
  }
  std::vector<uint64_t> u64(const std::string& path) const {
    return column<uint64_t>(path, H5T_NATIVE_UINT64);
  }
  std::vector<int64_t> i64(const std::string& path) const {
    return column<int64_t>(path, H5T_NATIVE_INT64);
  }
  std::vector<double> f64(const std::string& path) const {
    return column<double>(path, H5T_NATIVE_DOUBLE);
  }
  std::vector<uint16_t> u16(const std::string& path) const {
    return column<uint16_t>(path, H5T_NATIVE_UINT16);
  }

  std::vector<std::string> strings(const std::string& path) const {
    const hid_t d = H5Dopen2(id_, path.c_str(), H5P_DEFAULT);
    REQUIRE(d >= 0);
    const hid_t type = H5Dget_type(d);
    REQUIRE(H5Tget_class(type) == H5T_STRING);
    REQUIRE(H5Tis_variable_str(type) == 0);
    const size_t width = H5Tget_size(type);
    const hid_t space = H5Dget_space(d);
    const auto n = static_cast<size_t>(H5Sget_simple_extent_npoints(space));
    std::vector<char> buffer(n * width);
    if (n > 0) REQUIRE(H5Dread(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buffer.data()) >= 0);
    std::vector<std::string> out;
    for (size_t i = 0; i < n; ++i) {
      std::string s(buffer.data() + i * width, width);
      s.resize(s.find('\0') == std::string::npos ? width : s.find('\0'));
      out.push_back(s);
    }
    H5Sclose(space);
    H5Tclose(type);
    H5Dclose(d);
    return out;
  }

  std::vector<size_t> dims(const std::string& path) const {
    const hid_t d = H5Dopen2(id_, path.c_str(), H5P_DEFAULT);
    REQUIRE(d >= 0);
    const hid_t space = H5Dget_space(d);
    hsize_t dims[4] = {0, 0, 0, 0};
    const int rank = H5Sget_simple_extent_dims(space, dims, nullptr);
    H5Sclose(space);
    H5Dclose(d);
    return std::vector<size_t>(dims, dims + rank);
  }

  std::string string_attribute(const std::string& object, const std::string& name) const {
    const hid_t a = H5Aopen_by_name(id_, object.c_str(), name.c_str(), H5P_DEFAULT, H5P_DEFAULT);
    REQUIRE(a >= 0);
    const hid_t type = H5Aget_type(a);
    REQUIRE(H5Tis_variable_str(type) > 0);
    char* value = nullptr;
    REQUIRE(H5Aread(a, type, &value) >= 0);
    std::string out(value);
    H5free_memory(value);
    H5Tclose(type);
    H5Aclose(a);
    return out;
  }

  template <typename T>
  T attribute(const std::string& object, const std::string& name, hid_t mem_type) const {
    const hid_t a = H5Aopen_by_name(id_, object.c_str(), name.c_str(), H5P_DEFAULT, H5P_DEFAULT);
    REQUIRE(a >= 0);
    T value{};
    REQUIRE(H5Aread(a, mem_type, &value) >= 0);
    H5Aclose(a);
    return value;
  }

 private:
  hid_t id_;
};

TEST_CASE("Results file: metadata attributes, scenario text with file headers", "[results_file]") {
  TempDir dir;
  const fs::path path = dir.path() / "run.h5";
  write_results_file(path, bookinfo(), metadata());
  CHECK(dir.entries() == std::vector<std::string>{"run.h5"});

  File f(path);
  CHECK(f.string_attribute("metadata", "meshsim_version") == "0.1.0");
  CHECK(f.attribute<uint64_t>("metadata", "seed", H5T_NATIVE_UINT64) == 42);
  CHECK(f.string_attribute("metadata", "scenario_text") ==
        "# --- file: bookinfo.yaml\nservices:\n  - name: productpage\n"
        "# --- file: chaos.yaml\ntimeline: []\n");
  CHECK(f.attribute<double>("metadata", "wall_time_s", H5T_NATIVE_DOUBLE) == 1.25);
  CHECK(f.attribute<double>("metadata", "sim_duration_s", H5T_NATIVE_DOUBLE) == 30.0);
  CHECK(f.attribute<double>("metadata", "warmup_s", H5T_NATIVE_DOUBLE) == 10.0);
  CHECK(f.attribute<double>("metadata", "interval_s", H5T_NATIVE_DOUBLE) == 5.0);
  CHECK(f.attribute<uint64_t>("metadata", "events", H5T_NATIVE_UINT64) == 123'456);
  CHECK(f.attribute<uint32_t>("metadata", "format_version", H5T_NATIVE_UINT32) ==
        meshsim::analysis::kResultsFormatVersion);
  CHECK(f.string_attribute("metadata", "created_utc") == "2025-01-31T12:00:00Z");
}

TEST_CASE("Results file: the catalog", "[results_file]") {
  TempDir dir;
  const fs::path path = dir.path() / "run.h5";
  write_results_file(path, bookinfo(), metadata());
  File f(path);
  CHECK(f.strings("/catalog/workloads/name") ==
        std::vector<std::string>{"productpage-v1", "reviews-v1", "reviews-v2", "ratings-v1"});
  CHECK(f.strings("/catalog/workloads/version") ==
        std::vector<std::string>{"v1", "v1", "v2", "v1"});
  CHECK(f.strings("/catalog/services/fqdn") ==
        std::vector<std::string>{"productpage.default.svc.cluster.local",
                                 "reviews.default.svc.cluster.local",
                                 "ratings.default.svc.cluster.local"});
  CHECK(f.strings("/catalog/loads/name") == std::vector<std::string>{"users"});
}

TEST_CASE("Results file: /series rows per (interval, series) in sorted order, with Istio buckets",
          "[results_file]") {
  TempDir dir;
  const fs::path path = dir.path() / "run.h5";
  write_results_file(path, bookinfo(), metadata());
  File f(path);
  // Interval 2 (10 s): the client series; 3 (15 s): pp->reviews-v1, ->reviews-v2, ->none 503;
  // 4 (20 s): the 504, then the destination series; 5 (25 s): the three ratings series.
  CHECK(f.f64("/series/requests/interval_start_s") ==
        std::vector<double>{10, 15, 15, 15, 20, 20, 25, 25, 25});
  CHECK(f.strings("/series/requests/reporter") ==
        std::vector<std::string>{"client", "source", "source", "source", "source", "destination",
                                 "source", "source", "source"});
  CHECK(f.u64("/series/requests/count") == std::vector<uint64_t>{10, 2, 2, 1, 1, 3, 1, 1, 2});
  CHECK(f.u16("/series/requests/response_code") ==
        std::vector<uint16_t>{200, 200, 200, 503, 504, 200, 200, 0, 200});
  CHECK(f.strings("/series/requests/response_flags") ==
        std::vector<std::string>{"-", "-", "-", "UO", "UT", "-", "-", "UC", "-"});
  CHECK(f.strings("/series/requests/destination_workload")[3] == "unknown");
  CHECK(f.strings("/series/requests/source_workload")[0] == "unknown");
  CHECK(f.strings("/series/requests/destination_version")[2] == "v2");
  CHECK(f.strings("/series/requests/destination_service_name")[0] == "productpage");
  CHECK(f.strings("/series/requests/destination_service")[1] ==
        "reviews.default.svc.cluster.local");
  CHECK(f.strings("/series/requests/load")[0] == "users");
  CHECK(f.u64("/series/requests/retries")[4] == 2);
  const auto sum_ms = f.f64("/series/requests/latency_sum_ms");
  CHECK(sum_ms[0] == Approx(55.0));  // 1 + 2 + ... + 10 ms
  CHECK(sum_ms[4] == Approx(30.0));
  CHECK(f.f64("/series/requests/latency_p99_ms")[4] == Approx(30.0));  // a single sample: exact

  CHECK(f.dims("/series/latency_buckets") == std::vector<size_t>{9, 20});
  const auto b = f.u64("/series/latency_buckets");
  // Row 0: 1..10 ms -> le 0.5: 0, le 1: 1, le 5: 5, le 10 and above: 10.
  CHECK(std::vector<uint64_t>(b.begin(), b.begin() + 5) == std::vector<uint64_t>{0, 1, 5, 10, 10});
  CHECK(b[19] == 10);
  // Row 3: the 0.1 ms 503 -> 1 in every bucket.
  CHECK(std::vector<uint64_t>(b.begin() + 60, b.begin() + 80) == std::vector<uint64_t>(20, 1));
}

TEST_CASE("Results file: /totals rebuild each series' histogram exactly", "[results_file]") {
  TempDir dir;
  const fs::path path = dir.path() / "run.h5";
  const MeshMetrics m = bookinfo();
  write_results_file(path, m, metadata());
  File f(path);
  // SeriesKey order: source rows (by caller, service, destination workload, code), then the
  // destination row, then the client row.
  CHECK(f.u64("/totals/requests/count") == std::vector<uint64_t>{2, 2, 1, 1, 1, 1, 2, 3, 10});
  CHECK(f.u16("/totals/requests/response_code") ==
        std::vector<uint16_t>{200, 200, 504, 503, 200, 0, 200, 200, 200});
  CHECK(f.dims("/totals/latency_buckets") == std::vector<size_t>{9, 20});

  const auto rows = f.u64("/totals/histograms/row");
  const auto lower = f.u64("/totals/histograms/lower_ns");
  const auto upper = f.u64("/totals/histograms/upper_ns");
  const auto count = f.u64("/totals/histograms/count");
  const auto min_ns = f.i64("/totals/requests/latency_min_ns");
  const auto max_ns = f.i64("/totals/requests/latency_max_ns");
  const auto sum_ns = f.u64("/totals/requests/latency_sum_ns");
  std::vector<Histogram> expected;
  m.for_each_total([&](const SeriesKey&, const SeriesStats& s) { expected.push_back(s.latency); });
  REQUIRE(expected.size() == 9);
  for (size_t r = 0; r < expected.size(); ++r) {
    std::vector<Bucket> parts;
    for (size_t i = 0; i < rows.size(); ++i) {
      if (rows[i] == r) parts.push_back({lower[i], upper[i], count[i]});
    }
    INFO("row " << r);
    CHECK(Histogram::from_parts(parts, min_ns[r], max_ns[r], static_cast<long double>(sum_ns[r])) ==
          expected[r]);
  }
}

TEST_CASE("Results file: timeline in time order, traces by trace and start", "[results_file]") {
  TempDir dir;
  const fs::path path = dir.path() / "run.h5";
  write_results_file(path, bookinfo(), metadata());
  File f(path);
  CHECK(f.f64("/timeline/at_s") == std::vector<double>{12, 15, 22});
  CHECK(f.strings("/timeline/description") ==
        std::vector<std::string>{"inject 503 into ratings",
                                 "kill 1 pod(s) of reviews-v3 (zone-a): reviews-v3-0",
                                 "inject 503 into ratings"});
  CHECK(f.column<uint8_t>("/timeline/undo", H5T_NATIVE_UINT8) == std::vector<uint8_t>{0, 0, 1});
  CHECK(f.u64("/traces/span_id") == std::vector<uint64_t>{1, 2});
  CHECK(f.u64("/traces/parent_span_id") == std::vector<uint64_t>{0, 1});
  CHECK(f.strings("/traces/kind") == std::vector<std::string>{"client", "server"});
  CHECK(f.strings("/traces/workload") == std::vector<std::string>{"unknown", "productpage-v1"});
  CHECK(f.strings("/traces/peer_service")[0] == "productpage.default.svc.cluster.local");
  CHECK(f.f64("/traces/start_s")[0] == Approx(11.1));
}

TEST_CASE("Results file: an empty run writes empty tables", "[results_file]") {
  TempDir dir;
  const fs::path path = dir.path() / "empty.h5";
  MeshMetrics m;
  m.begin(meshsim::models::MeshCatalog{}, Time::from_s(1));
  m.finish(Time::from_s(1), 0);
  write_results_file(path, m, RunMetadata{});
  File f(path);
  CHECK(f.u64("/series/requests/count").empty());
  CHECK(f.dims("/series/latency_buckets") == std::vector<size_t>{0, 20});
  CHECK(f.strings("/traces/kind").empty());
  CHECK(f.u64("/series/tcp/connections_opened").empty());
  CHECK(f.strings("/totals/tcp/reporter").empty());
  CHECK(f.string_attribute("metadata", "created_utc").size() == 20);  // filled with the time
}

TEST_CASE(
    "Results file: /series/tcp and /totals/tcp read back as built, columns listed, each "
    "counter naming its Istio metric",
    "[results_file]") {
  TempDir dir;
  const fs::path path = dir.path() / "tcp.h5";
  MeshMetrics m(Time::from_s(10));
  t::feed_tcp_only(m);
  write_results_file(path, m, metadata());
  File f(path);
  // tcp_fixture.h's rows.
  CHECK(f.f64("/series/tcp/interval_start_s") ==
        std::vector<double>{10, 10, 10, 15, 15, 15, 15, 20, 20, 25});
  CHECK(f.strings("/series/tcp/reporter")[2] == "destination");
  CHECK(f.strings("/series/tcp/response_flags")[5] == "UF,URX");
  CHECK(f.strings("/series/tcp/destination_service_namespace")[0] == "default");
  CHECK(f.u64("/series/tcp/connections_opened") ==
        std::vector<uint64_t>{1, 0, 1, 0, 1, 0, 0, 1, 0, 1});
  CHECK(f.u64("/series/tcp/sent_bytes") ==
        std::vector<uint64_t>{1500, 0, 1000, 0, 0, 0, 0, 0, 0, 20});
  CHECK(f.u64("/series/tcp/received_bytes") ==
        std::vector<uint64_t>{150, 0, 100, 0, 0, 0, 0, 0, 0, 10});
  CHECK(f.u64("/totals/tcp/connections_closed") == std::vector<uint64_t>{1, 0, 1, 1, 1, 1, 0});
  CHECK(f.strings("/totals/tcp/response_flags") ==
        std::vector<std::string>{"-", "-", "UO", "UF,URX", "-", "-", "-"});
  CHECK(f.string_attribute("/series/tcp/interval_start_s", "units") == "s");
  CHECK(f.string_attribute("/series/tcp/connections_opened", "metric") ==
        "istio_tcp_connections_opened_total");
  CHECK(f.string_attribute("/totals/tcp/connections_closed", "metric") ==
        "istio_tcp_connections_closed_total");
  CHECK(f.string_attribute("/totals/tcp/sent_bytes", "metric") == "istio_tcp_sent_bytes_total");
  CHECK(f.string_attribute("/totals/tcp/received_bytes", "metric") ==
        "istio_tcp_received_bytes_total");

  // The group's `columns` attribute lists the columns in their intended order.
  const hid_t a = H5Aopen_by_name(f.id(), "/totals/tcp", "columns", H5P_DEFAULT, H5P_DEFAULT);
  REQUIRE(a >= 0);
  const hid_t type = H5Aget_type(a);
  const hid_t space = H5Aget_space(a);
  std::vector<char*> raw(static_cast<size_t>(H5Sget_simple_extent_npoints(space)));
  REQUIRE(H5Aread(a, type, raw.data()) >= 0);
  std::vector<std::string> columns(raw.begin(), raw.end());
  H5Dvlen_reclaim(type, space, H5P_DEFAULT, raw.data());
  H5Sclose(space);
  H5Tclose(type);
  H5Aclose(a);
  CHECK(columns == std::vector<std::string>{
                       "reporter", "source_workload", "source_version", "destination_service",
                       "destination_service_name", "destination_service_namespace",
                       "destination_workload", "destination_version", "response_flags",
                       "connections_opened", "connections_closed", "sent_bytes", "received_bytes"});
}

TEST_CASE(
    "Results file: large tables are chunked and compressed, read back unchanged and "
    "written deterministically",
    "[results_file]") {
  // 5000 one-millisecond intervals, one record each: 5000 series rows, so the string columns
  // (33-byte FQDNs) and the bucket matrix pass the compression threshold.
  auto run = [] {
    MeshMetrics m;
    m.begin(t::bookinfo_catalog(), Time::from_ms(1));
    std::vector<meshsim::models::CallRecord> calls;
    for (int64_t i = 0; i < 5000; ++i) {
      calls.push_back(t::call(meshsim::models::Reporter::kSource, t::kReviewsV1, t::kRatings,
                              t::kRatingsV1, 200, 0, i, 1 + i % 7));
    }
    m.calls(calls);
    m.finish(Time::from_s(5), 5000);
    return m;
  };
  TempDir dir;
  write_results_file(dir.path() / "a.h5", run(), metadata());
  write_results_file(dir.path() / "b.h5", run(), metadata());
  CHECK(file_bytes(dir.path() / "a.h5") == file_bytes(dir.path() / "b.h5"));

  File f(dir.path() / "a.h5");
  auto layout = [&](const std::string& path) {
    const hid_t d = H5Dopen2(f.id(), path.c_str(), H5P_DEFAULT);
    const hid_t dcpl = H5Dget_create_plist(d);
    const H5D_layout_t l = H5Pget_layout(dcpl);
    H5Pclose(dcpl);
    H5Dclose(d);
    return l;
  };
  CHECK(layout("/series/requests/destination_service") == H5D_CHUNKED);
  CHECK(layout("/series/latency_buckets") == H5D_CHUNKED);
  CHECK(layout("/series/requests/response_code") == H5D_CONTIGUOUS);  // 10 KB
  const auto fqdn = f.strings("/series/requests/destination_service");
  REQUIRE(fqdn.size() == 5000);
  CHECK(std::all_of(fqdn.begin(), fqdn.end(),
                    [](const std::string& s) { return s == "ratings.default.svc.cluster.local"; }));
  const auto start = f.f64("/series/requests/interval_start_s");
  CHECK(start[4999] == 4.999);
  const auto b = f.u64("/series/latency_buckets");
  REQUIRE(b.size() == 5000 * 20);
  CHECK(b[4999 * 20] == 1);  // every latency is a few us: in le=0.5 ms
}

TEST_CASE("Results file: no HDF5 object carries a timestamp", "[results_file]") {
  TempDir dir;
  const fs::path path = dir.path() / "run.h5";
  write_results_file(path, bookinfo(), metadata());
  File f(path);
  struct Seen {
    int objects = 0;
    int stamped = 0;
  } seen;
  const auto visit = [](hid_t, const char*, const H5O_info_t* info, void* data) -> herr_t {
    auto* s = static_cast<Seen*>(data);
    ++s->objects;
    if (info->atime != 0 || info->mtime != 0 || info->ctime != 0 || info->btime != 0) ++s->stamped;
    return 0;
  };
  REQUIRE(H5Ovisit2(f.id(), H5_INDEX_NAME, H5_ITER_INC, visit, &seen, H5O_INFO_ALL) >= 0);
  CHECK(seen.objects > 50);
  CHECK(seen.stamped == 0);
}

TEST_CASE(
    "Results file: two writes of the same run are byte-identical; with other wall-clock "
    "fields they differ only in those",
    "[results_file]") {
  TempDir dir;
  const MeshMetrics m = bookinfo();
  write_results_file(dir.path() / "a.h5", m, metadata());
  write_results_file(dir.path() / "b.h5", bookinfo(), metadata());
  const std::string a = file_bytes(dir.path() / "a.h5");
  REQUIRE(!a.empty());
  CHECK(a == file_bytes(dir.path() / "b.h5"));

  RunMetadata other = metadata();
  other.wall_time_s = 99.5;
  other.created_utc = "2031-12-24T23:59:58Z";
  write_results_file(dir.path() / "c.h5", m, other);
  const std::string c = file_bytes(dir.path() / "c.h5");
  REQUIRE(c.size() == a.size());
  size_t differing = 0;
  for (size_t i = 0; i < a.size(); ++i) differing += a[i] != c[i] ? 1 : 0;
  CHECK(differing > 0);
  CHECK(differing <= 8 + 20);  // at most a double and the 20-character timestamp
  File fc(dir.path() / "c.h5");
  CHECK(fc.attribute<double>("metadata", "wall_time_s", H5T_NATIVE_DOUBLE) == 99.5);
  CHECK(fc.string_attribute("metadata", "created_utc") == "2031-12-24T23:59:58Z");
}

TEST_CASE(
    "Results file: a path in a missing directory throws with HDF5's reason and leaves "
    "no file",
    "[results_file]") {
  TempDir dir;
  const fs::path path = dir.path() / "no-such-dir" / "run.h5";
  try {
    write_results_file(path, bookinfo(), metadata());
    FAIL("no exception");
  } catch (const ResultsFileError& e) {
    const std::string what = e.what();
    INFO(what);
    CHECK(what.find(path.string()) != std::string::npos);
    CHECK(what.find("H5Fcreate") != std::string::npos);
    CHECK(what.find("No such file or directory") != std::string::npos);
    // One line (HDF5's H5F_open description holds ctime()'s newline): issue #15.
    CHECK(what.find('\n') == std::string::npos);
  }
  CHECK(dir.entries().empty());
}

TEST_CASE("Results file: a failure mid-write removes the temporary file and keeps the old file",
          "[results_file]") {
  TempDir dir;
  const fs::path path = dir.path() / "run.h5";
  { std::ofstream(path) << "previous results"; }
  std::vector<std::string> written;
  meshsim::analysis::ResultsFileOptions options;
  options.after_group = [&](std::string_view group) {
    written.emplace_back(group);
    // The temporary file exists while writing, beside the target.
    CHECK(fs::exists(meshsim::analysis::results_temp_path(path)));
    if (group == "series") throw std::runtime_error("injected failure");
  };
  try {
    write_results_file(path, bookinfo(), metadata(), options);
    FAIL("no exception");
  } catch (const ResultsFileError& e) {
    CHECK(std::string(e.what()).find("injected failure") != std::string::npos);
  }
  CHECK(written == std::vector<std::string>{"metadata", "catalog", "series"});
  CHECK(dir.entries() == std::vector<std::string>{"run.h5"});
  CHECK(file_bytes(path) == "previous results");
}

TEST_CASE("Results file: a failing rename (target is a directory) removes the temporary file",
          "[results_file]") {
  TempDir dir;
  const fs::path path = dir.path() / "run.h5";
  fs::create_directory(path);
  CHECK_THROWS_AS(write_results_file(path, bookinfo(), metadata()), ResultsFileError);
  CHECK(dir.entries() == std::vector<std::string>{"run.h5"});
  CHECK(fs::is_directory(path));
}

TEST_CASE("Results file: an existing file is replaced", "[results_file]") {
  TempDir dir;
  const fs::path path = dir.path() / "run.h5";
  { std::ofstream(path) << "previous results"; }
  write_results_file(path, bookinfo(), metadata());
  File f(path);
  CHECK(f.exists("/series/requests/count"));
  CHECK(dir.entries() == std::vector<std::string>{"run.h5"});
}

}  // namespace
