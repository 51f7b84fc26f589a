// Hand-made TCP connection records on mesh_fixture.h's Bookinfo catalog, shared by the
// TcpMetrics, results-table, results-file, summary and fingerprint tests.  Every figure is
// computed by hand below.
//
//   warm-up 10 s, interval 5 s, run ends at 30 s (as mesh_fixture.h)
//   a  productpage-v1 -> reviews (reviews-v1), both sidecars report:
//        source:       opened 11 s; bytes 11.5 s (received 100, sent 1000) and 12 s (50, 500);
//                      closed 16 s
//        destination:  opened 11 s; bytes 11.5 s (100, 1000); closed 16 s
//   b  productpage-v1 -> reviews, connect failed (no pod): source opened 17 s, closed 17 s UF,URX
//   c  productpage-v1 -> reviews, refused by maxConnections: source opened 21 s, closed 21 s UO
//   d  productpage-v1 -> ratings (ratings-v1): source opened 9.9 s (warm-up: dropped), closed
//      10.5 s (kept: a closed connection the window never saw open)
//   e  edge client (no sidecar) -> productpage (productpage-v1): only the destination reports:
//      opened 26 s, bytes 27 s (received 10, sent 20); never closed
//
// Per interval (k: [5k, 5k + 5) s), keys in TcpKey order (reporter, source, service, workload,
// flags), as (opened, closed, sent, received):
//   2  source pp-v1 reviews reviews-v1 -        (1, 0, 1500, 150)
//      source pp-v1 ratings ratings-v1 -        (0, 1, 0, 0)
//      destination pp-v1 reviews reviews-v1 -   (1, 0, 1000, 100)
//   3  source pp-v1 reviews reviews-v1 -        (0, 1, 0, 0)
//      source pp-v1 reviews unknown -           (1, 0, 0, 0)
//      source pp-v1 reviews unknown UF,URX      (0, 1, 0, 0)
//      destination pp-v1 reviews reviews-v1 -   (0, 1, 0, 0)
//   4  source pp-v1 reviews unknown -           (1, 0, 0, 0)
//      source pp-v1 reviews unknown UO          (0, 1, 0, 0)
//   5  destination unknown productpage productpage-v1 -   (1, 0, 20, 10)
// 14 records kept, 1 dropped.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "analysis/mesh_metrics.h"
#include "mesh_fixture.h"
#include "models/observation.h"
#include "policies/response_flags.h"
#include "simcore/time.h"

namespace meshsim::testing {

using models::TcpRecord;

inline TcpRecord tcp(TcpRecord::Kind kind, Reporter reporter, uint32_t source, uint32_t service,
                     uint32_t destination, int64_t at_ms, uint32_t flags = 0, uint64_t received = 0,
                     uint64_t sent = 0) {
  TcpRecord r;
  r.at = Time::from_ms(at_ms);
  r.kind = kind;
  r.reporter = reporter;
  r.source_workload = source;
  r.destination_service = service;
  r.destination_workload = destination;
  r.response_flags = flags;
  r.received_bytes = received;
  r.sent_bytes = sent;
  return r;
}

inline std::vector<TcpRecord> bookinfo_tcp_records() {
  using namespace policies;
  constexpr uint32_t kNo = models::kNoWorkload;
  constexpr auto kOpen = TcpRecord::kOpened;
  constexpr auto kBytes = TcpRecord::kBytes;
  constexpr auto kClose = TcpRecord::kClosed;
  constexpr auto kSrc = Reporter::kSource;
  constexpr auto kDst = Reporter::kDestination;
  return {
      // d, opened during the warm-up
      tcp(kOpen, kSrc, kProductpageV1, kRatings, kRatingsV1, 9'900),
      tcp(kClose, kSrc, kProductpageV1, kRatings, kRatingsV1, 10'500),
      // a
      tcp(kOpen, kSrc, kProductpageV1, kReviews, kReviewsV1, 11'000),
      tcp(kOpen, kDst, kProductpageV1, kReviews, kReviewsV1, 11'000),
      tcp(kBytes, kSrc, kProductpageV1, kReviews, kReviewsV1, 11'500, 0, 100, 1000),
      tcp(kBytes, kDst, kProductpageV1, kReviews, kReviewsV1, 11'500, 0, 100, 1000),
      tcp(kBytes, kSrc, kProductpageV1, kReviews, kReviewsV1, 12'000, 0, 50, 500),
      tcp(kClose, kSrc, kProductpageV1, kReviews, kReviewsV1, 16'000),
      tcp(kClose, kDst, kProductpageV1, kReviews, kReviewsV1, 16'000),
      // b
      tcp(kOpen, kSrc, kProductpageV1, kReviews, kNo, 17'000),
      tcp(kClose, kSrc, kProductpageV1, kReviews, kNo, 17'000,
          kUpstreamConnectionFailure | kUpstreamRetryLimitExceeded),
      // c
      tcp(kOpen, kSrc, kProductpageV1, kReviews, kNo, 21'000),
      tcp(kClose, kSrc, kProductpageV1, kReviews, kNo, 21'000, kUpstreamOverflow),
      // e
      tcp(kOpen, kDst, kNo, kProductpage, kProductpageV1, 26'000),
      tcp(kBytes, kDst, kNo, kProductpage, kProductpageV1, 27'000, 0, 10, 20),
  };
}

// The TCP records alone (no calls) fed into `m` in two batches; the run ends at 30 s.
inline void feed_tcp_only(analysis::MeshMetrics& m) {
  m.begin(bookinfo_catalog(), Time::from_s(5));
  const auto records = bookinfo_tcp_records();
  const std::span<const TcpRecord> all(records);
  m.tcp(all.first(6));
  m.tcp(all.subspan(6));
  m.finish(Time::from_s(30), 1'000);
}

}  // namespace meshsim::testing
