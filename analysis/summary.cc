// Text tables for `meshsim run`; see summary.h.
#include "analysis/summary.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <string_view>
#include <vector>

#include "analysis/istio_metrics.h"
#include "analysis/tcp_metrics.h"

namespace meshsim::analysis {
namespace {

// snprintf in the "C" locale's style (meshsim never calls setlocale), so output is stable.
template <typename... Args>
std::string printf_string(const char* format, Args... args) {
  char buffer[128];
  const int n = std::snprintf(buffer, sizeof buffer, format, args...);
  if (n < 0) return {};
  if (static_cast<size_t>(n) < sizeof buffer) return std::string(buffer, static_cast<size_t>(n));
  std::string out(static_cast<size_t>(n) + 1, '\0');
  std::snprintf(out.data(), out.size(), format, args...);
  out.resize(static_cast<size_t>(n));
  return out;
}

// Terminal columns taken by UTF-8 text: one per code point (our text has no wide characters).
size_t display_width(std::string_view s) {
  return static_cast<size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

enum class Align { kLeft, kRight };

class Table {
 public:
  struct Column {
    std::string header;
    Align align;
  };
  explicit Table(std::vector<Column> columns) : columns_(std::move(columns)) {}

  void add_row(std::vector<std::string> cells) { rows_.push_back(std::move(cells)); }

  // Two spaces between columns; a dashed rule under the header; no trailing blanks.
  void render(std::string& out, std::string_view indent) const {
    std::vector<size_t> width(columns_.size());
    for (size_t c = 0; c < columns_.size(); ++c) {
      width[c] = display_width(columns_[c].header);
      for (const auto& row : rows_) width[c] = std::max(width[c], display_width(row[c]));
    }
    std::vector<std::string> header, rule;
    for (size_t c = 0; c < columns_.size(); ++c) {
      header.push_back(columns_[c].header);
      rule.emplace_back(width[c], '-');
    }
    line(out, indent, header, width);
    line(out, indent, rule, width);
    for (const auto& row : rows_) line(out, indent, row, width);
  }

 private:
  void line(std::string& out, std::string_view indent, const std::vector<std::string>& cells,
            const std::vector<size_t>& width) const {
    std::string text(indent);
    for (size_t c = 0; c < cells.size(); ++c) {
      if (c > 0) text += "  ";
      const std::string pad(width[c] - display_width(cells[c]), ' ');
      text += columns_[c].align == Align::kRight ? pad + cells[c] : cells[c] + pad;
    }
    while (!text.empty() && text.back() == ' ') text.pop_back();
    out += text;
    out += '\n';
  }

  std::vector<Column> columns_;
  std::vector<std::vector<std::string>> rows_;
};

std::string fixed(double v, int decimals) { return printf_string("%.*f", decimals, v); }
std::string integer(uint64_t v) {
  return printf_string("%llu", static_cast<unsigned long long>(v));
}

std::string top_errors(const TrafficStats& s, const SummaryOptions& options) {
  std::string out;
  auto append = [&out](const std::string& item) {
    if (!out.empty()) out += ' ';
    out += item;
  };
  for (size_t i = 0; i < std::min(options.top_codes, s.error_codes.size()); ++i) {
    append(printf_string("%u\xC3\x97%llu", unsigned{s.error_codes[i].first},
                         static_cast<unsigned long long>(s.error_codes[i].second)));
  }
  for (size_t i = 0; i < std::min(options.top_codes, s.grpc_errors.size()); ++i) {
    append(printf_string("grpc-%u\xC3\x97%llu", unsigned{s.grpc_errors[i].first},
                         static_cast<unsigned long long>(s.grpc_errors[i].second)));
  }
  for (size_t i = 0; i < std::min(options.top_flags, s.flags.size()); ++i) {
    append(s.flags[i].first + "\xC3\x97" + integer(s.flags[i].second));
  }
  return out.empty() ? "-" : out;
}

// The figures shared by both tables, after their name columns.
void traffic_cells(const TrafficStats& s, const SummaryOptions& options,
                   std::vector<std::string>& row) {
  row.push_back(integer(s.requests));
  if (s.requests == 0) {
    row.insert(row.end(), 8, "-");  // rps .. errors
    return;
  }
  row.push_back(fixed(s.rps, 2));
  row.push_back(fixed(s.success_percent(), 2));
  row.push_back(fixed(s.percentile_ms(50), 2));
  row.push_back(fixed(s.percentile_ms(90), 2));
  row.push_back(fixed(s.percentile_ms(99), 2));
  row.push_back(integer(s.retries));
  row.push_back(integer(s.timeouts));
  row.push_back(top_errors(s, options));
}

std::vector<Table::Column> traffic_columns(std::vector<Table::Column> names) {
  for (const char* h :
       {"requests", "rps", "success %", "p50 ms", "p90 ms", "p99 ms", "retries", "timeouts"}) {
    names.push_back({h, Align::kRight});
  }
  names.push_back({"errors", Align::kLeft});
  return names;
}

// One row per destination service that carried TCP connections; nothing when none did.
void tcp_section(const MeshMetrics& metrics, const SummaryOptions& options,
                 const std::function<std::string(uint32_t)>& service_label, std::string& out) {
  if (metrics.tcp_metrics().empty()) return;
  out += "\nTCP connections (reporter=source if the service has any, else destination)\n";
  Table table({{"service", Align::kLeft},
               {"reporter", Align::kLeft},
               {"opened", Align::kRight},
               {"closed", Align::kRight},
               {"failed", Align::kRight},
               {"sent bytes", Align::kRight},
               {"received bytes", Align::kRight},
               {"failures", Align::kLeft}});
  for (const TcpServiceStats& s : metrics.tcp_metrics().services()) {
    std::string failures;
    for (size_t i = 0; i < std::min(options.top_flags, s.failed.size()); ++i) {
      if (!failures.empty()) failures += ' ';
      failures += s.failed[i].first + "\xC3\x97" + integer(s.failed[i].second);
    }
    table.add_row({service_label(s.destination_service), std::string(reporter_label(s.reporter)),
                   integer(s.stats.connections_opened), integer(s.stats.connections_closed),
                   integer(s.failed_total()), integer(s.stats.sent_bytes),
                   integer(s.stats.received_bytes), failures.empty() ? "-" : failures});
  }
  table.render(out, "");
}

}  // namespace

std::string format_summary(const MeshMetrics& metrics, const SummaryOptions& options) {
  const auto& services = metrics.catalog().services;
  const bool one_namespace = std::all_of(services.begin(), services.end(), [&](const auto& s) {
    return s.namespace_ == services.front().namespace_;
  });
  auto service_label = [&](uint32_t s) {
    std::string name(metrics.service_name(s));
    if (!one_namespace && s < services.size()) name += "." + services[s].namespace_;
    return name;
  };

  std::string out = printf_string(
      "Run: %.3f s simulated, warm-up %.3f s, measured %.3f s, interval %.3f s, %llu events\n",
      metrics.end().to_seconds(), metrics.warmup().to_seconds(), metrics.measured().to_seconds(),
      metrics.interval().to_seconds(), static_cast<unsigned long long>(metrics.events()));

  out += "\nServices (as their callers saw them: reporter=source, or client for edge traffic)\n";
  Table service_table(traffic_columns({{"service", Align::kLeft}}));
  for (const TrafficStats& s : metrics.services()) {
    if (s.requests == 0 && !options.idle_services) continue;
    std::vector<std::string> row{service_label(s.destination_service)};
    traffic_cells(s, options, row);
    service_table.add_row(std::move(row));
  }
  service_table.render(out, "");

  out += "\nEdges (caller -> destination service)\n";
  Table edge_table(traffic_columns({{"source", Align::kLeft}, {"destination", Align::kLeft}}));
  for (const TrafficStats& s : metrics.edges()) {
    std::vector<std::string> row{std::string(metrics.edge_source_name(s.source_workload)),
                                 service_label(s.destination_service)};
    traffic_cells(s, options, row);
    edge_table.add_row(std::move(row));
  }
  edge_table.render(out, "");

  tcp_section(metrics, options, service_label, out);

  out += "\nTimeline\n";
  std::vector<const models::TimelineRecord*> events;
  for (const auto& r : metrics.timeline_records()) events.push_back(&r);
  std::stable_sort(events.begin(), events.end(),
                   [](const auto* a, const auto* b) { return a->at < b->at; });
  if (events.empty()) out += "  (none)\n";
  std::vector<std::string> times;
  size_t time_width = 0;
  for (const auto* e : events) {
    times.push_back(printf_string("%.3f s", e->at.to_seconds()));
    time_width = std::max(time_width, times.back().size());
  }
  for (size_t i = 0; i < events.size(); ++i) {
    out += "  " + std::string(time_width - times[i].size(), ' ') + times[i] + "  ";
    if (events[i]->undo) out += "end: ";
    out += events[i]->description;
    out += '\n';
  }
  return out;
}

}  // namespace meshsim::analysis
