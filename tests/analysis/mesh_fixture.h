// A small hand-made run shared by the MeshMetrics, summary and results-file tests: a Bookinfo-
// like catalog and a few dozen CallRecords whose every figure is computed by hand below.
//
//   warm-up 10 s, interval 5 s, run ends at 30 s (measured window 20 s)
//   client -> productpage      10 requests, reporter=client, 200, latencies 1..10 ms, load "users"
//   productpage-v1 -> reviews   6 requests, reporter=source:
//                               2x 200 via reviews-v1 (2 ms), 2x 200 via reviews-v2 (2 ms),
//                               1x 503 UO, no pod (0.1 ms), 1x 504 UT after 3 attempts (30 ms)
//                               + 3 reporter=destination records (not counted per service/edge)
//   reviews-v1 -> ratings       1x 200 (1 ms)
//   reviews-v2 -> ratings       1x 200 (1 ms), 1x 200 after 2 attempts (3 ms), 1x reset 0 UC (5 ms)
//   one client request ending at 9.999 s (before the warm-up): dropped
#pragma once

#include <cstdint>
#include <vector>

#include "analysis/mesh_metrics.h"
#include "models/observation.h"
#include "policies/response_flags.h"
#include "simcore/time.h"

namespace meshsim::testing {

using models::CallRecord;
using models::Reporter;
using simcore::Time;

enum Workload : uint32_t { kProductpageV1 = 0, kReviewsV1 = 1, kReviewsV2 = 2, kRatingsV1 = 3 };
enum Service : uint32_t { kProductpage = 0, kReviews = 1, kRatings = 2 };

inline models::MeshCatalog bookinfo_catalog() {
  models::MeshCatalog c;
  c.workloads = {{"productpage-v1", "productpage", "default", "v1", "productpage"},
                 {"reviews-v1", "reviews", "default", "v1", "reviews"},
                 {"reviews-v2", "reviews", "default", "v2", "reviews"},
                 {"ratings-v1", "ratings", "default", "v1", "ratings"}};
  c.services = {{"productpage", "default"}, {"reviews", "default"}, {"ratings", "default"}};
  c.loads = {"users"};
  return c;
}

// A record of `latency_us` microseconds ending at `end_ms`.
inline CallRecord call(Reporter reporter, uint32_t source, uint32_t service, uint32_t destination,
                       uint16_t code, uint32_t flags, int64_t end_ms, int64_t latency_us,
                       uint8_t attempts = 1) {
  CallRecord r;
  r.end = Time::from_ms(end_ms);
  r.start = r.end - Time::from_us(latency_us);
  r.reporter = reporter;
  r.source_workload = source;
  r.destination_service = service;
  r.destination_workload = destination;
  r.response_code = code;
  r.response_flags = flags;
  r.attempts = attempts;
  r.load = 0;
  return r;
}

inline std::vector<CallRecord> bookinfo_calls() {
  using namespace policies;
  constexpr uint32_t kNo = models::kNoWorkload;
  std::vector<CallRecord> v;
  v.push_back(call(Reporter::kClient, kNo, kProductpage, kProductpageV1, 200, 0, 9'999, 1'000));
  // client -> productpage: one request per 100 ms from 11 s on; latencies 1..10 ms.  Ends at
  // 11.1 .. 12.0 s, all in interval 2 ([10 s, 15 s)).
  for (int i = 0; i < 10; ++i) {
    v.push_back(call(Reporter::kClient, kNo, kProductpage, kProductpageV1, 200, 0, 11'100 + 100 * i,
                     1'000 * (i + 1)));
  }
  // productpage-v1 -> reviews, in interval 3 ([15 s, 20 s)) ...
  v.push_back(call(Reporter::kSource, kProductpageV1, kReviews, kReviewsV1, 200, 0, 16'000, 2'000));
  v.push_back(call(Reporter::kSource, kProductpageV1, kReviews, kReviewsV1, 200, 0, 16'100, 2'000));
  v.push_back(call(Reporter::kSource, kProductpageV1, kReviews, kReviewsV2, 200, 0, 16'200, 2'000));
  v.push_back(call(Reporter::kSource, kProductpageV1, kReviews, kReviewsV2, 200, 0, 16'300, 2'000));
  v.push_back(
      call(Reporter::kSource, kProductpageV1, kReviews, kNo, 503, kUpstreamOverflow, 16'400, 100));
  // ... and one in interval 4 ([20 s, 25 s)), started in interval 3.
  v.push_back(call(Reporter::kSource, kProductpageV1, kReviews, kReviewsV2, 504,
                   kUpstreamRequestTimeout, 20'010, 30'000, 3));
  for (int i = 0; i < 3; ++i) {
    v.push_back(call(Reporter::kDestination, kProductpageV1, kReviews, kReviewsV2, 200, 0,
                     20'000 + i, 9'000));
  }
  // reviews -> ratings, in interval 5 ([25 s, 30 s)).
  v.push_back(call(Reporter::kSource, kReviewsV1, kRatings, kRatingsV1, 200, 0, 25'000, 1'000));
  v.push_back(call(Reporter::kSource, kReviewsV2, kRatings, kRatingsV1, 200, 0, 25'100, 1'000));
  v.push_back(call(Reporter::kSource, kReviewsV2, kRatings, kRatingsV1, 200, 0, 25'200, 3'000, 2));
  v.push_back(call(Reporter::kSource, kReviewsV2, kRatings, kRatingsV1, 0,
                   kUpstreamConnectionTermination, 25'300, 5'000));
  return v;
}

// The whole run fed into a MeshMetrics, in three batches, with a timeline and two spans.
inline void feed_bookinfo(analysis::MeshMetrics& m) {
  m.begin(bookinfo_catalog(), Time::from_s(5));
  const auto calls = bookinfo_calls();
  const std::span<const CallRecord> all(calls);
  m.calls(all.first(5));
  m.calls(all.subspan(5, 10));
  m.calls(all.subspan(15));
  m.timeline({Time::from_s(15), "kill 1 pod(s) of reviews-v3 (zone-a): reviews-v3-0", false});
  m.timeline({Time::from_s(12), "inject 503 into ratings", false});
  m.timeline({Time::from_s(22), "inject 503 into ratings", true});
  models::SpanRecord server;
  server.trace_id = 7;
  server.span_id = 2;
  server.parent_span_id = 1;
  server.start = Time::from_ms(11'101);
  server.end = Time::from_ms(11'102);
  server.workload = kProductpageV1;
  server.peer_service = kProductpage;
  server.response_code = 200;
  server.kind = Reporter::kDestination;
  models::SpanRecord client = server;
  client.span_id = 1;
  client.parent_span_id = 0;
  client.start = Time::from_ms(11'100);
  client.workload = models::kNoWorkload;
  client.kind = Reporter::kSource;
  m.spans(std::vector<models::SpanRecord>{server, client});
  m.finish(Time::from_s(30), 123'456);
}

}  // namespace meshsim::testing
