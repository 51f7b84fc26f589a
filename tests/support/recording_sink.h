// A test ObservationSink that keeps everything a run emits, for tests that look inside a run.
// Shared by tests/models and tests/validation.
#pragma once

#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "models/observation.h"

namespace meshsim::testing {

struct RecordingSink : models::ObservationSink {
  models::MeshCatalog catalog;
  std::vector<models::CallRecord> records;
  std::vector<models::SpanRecord> span_records;
  std::vector<models::TcpRecord> tcp_records;
  std::vector<models::TimelineRecord> events;
  simcore::Time end;
  uint64_t event_count = 0;

  void begin(const models::MeshCatalog& c, simcore::Time) override { catalog = c; }
  void calls(std::span<const models::CallRecord> r) override { records.insert(records.end(), r.begin(), r.end()); }
  void spans(std::span<const models::SpanRecord> r) override {
    span_records.insert(span_records.end(), r.begin(), r.end());
  }
  void tcp(std::span<const models::TcpRecord> r) override { tcp_records.insert(tcp_records.end(), r.begin(), r.end()); }
  void timeline(const models::TimelineRecord& r) override { events.push_back(r); }
  void finish(simcore::Time e, uint64_t n) override {
    end = e;
    event_count = n;
  }
  // The index of a service or workload by name (the test fails when there is none).
  uint32_t service_index(const std::string& name) const {
    for (uint32_t i = 0; i < catalog.services.size(); ++i)
      if (catalog.services[i].name == name) return i;
    throw std::invalid_argument("no service " + name);
  }
  uint32_t workload_index(const std::string& name) const {
    for (uint32_t i = 0; i < catalog.workloads.size(); ++i)
      if (catalog.workloads[i].name == name) return i;
    throw std::invalid_argument("no workload " + name);
  }
  // The records of one reporter (optionally only those towards one service).
  std::vector<models::CallRecord> of(models::Reporter r) const {
    std::vector<models::CallRecord> out;
    for (const auto& x : records)
      if (x.reporter == r) out.push_back(x);
    return out;
  }
  std::vector<models::CallRecord> of(models::Reporter r, uint32_t service) const {
    std::vector<models::CallRecord> out;
    for (const auto& x : records)
      if (x.reporter == r && x.destination_service == service) out.push_back(x);
    return out;
  }
};

}  // namespace meshsim::testing
