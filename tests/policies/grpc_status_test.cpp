// gRPC <-> HTTP status mapping.  Source: envoy source/common/grpc/status.cc
// (Grpc::Utility::httpToGrpcStatus, grpcToHttpStatus); names: istio pkg/util/grpc/codes.go.
#include <catch2/catch.hpp>

#include "policies/grpc_status.h"

using namespace meshsim::policies;

TEST_CASE("Envoy httpToGrpcStatus: local replies to gRPC requests", "[grpc_status]") {
  CHECK(http_to_grpc_status(400) == 13);
  CHECK(http_to_grpc_status(401) == 16);
  CHECK(http_to_grpc_status(403) == 7);
  CHECK(http_to_grpc_status(404) == 12);  // NR
  CHECK(http_to_grpc_status(429) == 14);
  CHECK(http_to_grpc_status(502) == 14);
  CHECK(http_to_grpc_status(503) == 14);  // UH, UF, UO, UC, NC
  CHECK(http_to_grpc_status(504) == 14);  // UT: UNAVAILABLE, not DEADLINE_EXCEEDED (Envoy <= 1.35)
  CHECK(http_to_grpc_status(200) == 2);
  CHECK(http_to_grpc_status(408) == 2);
  CHECK(http_to_grpc_status(500) == 2);
  CHECK(http_to_grpc_status(431) == 2);  // Envoy's table; grpc's own says INTERNAL
  CHECK(http_to_grpc_status(301) == 2);
}

TEST_CASE("Envoy grpcToHttpStatus: what outlier detection sees", "[grpc_status]") {
  const uint32_t expected[17] = {200, 499, 500, 400, 504, 404, 409, 403, 429,
                                 400, 409, 400, 501, 500, 503, 500, 401};
  for (uint8_t g = 0; g < 17; ++g) CHECK(grpc_to_http_status(g) == expected[g]);
  CHECK(grpc_to_http_status(17) == 500);
  CHECK(grpc_to_http_status(kNoGrpcStatus) == 500);
}

TEST_CASE("Istio: gRPC status names map to codes (pkg/util/grpc SupportedGRPCStatus)",
          "[grpc_status]") {
  CHECK(grpc_status_code("OK") == 0);
  CHECK(grpc_status_code("UNAVAILABLE") == 14);
  CHECK(grpc_status_code("UNAUTHENTICATED") == 16);
  CHECK_FALSE(grpc_status_code("unavailable").has_value());
  CHECK(grpc_status_name(kGrpcUnavailable) == "UNAVAILABLE");
  CHECK(grpc_status_name(kGrpcDeadlineExceeded) == "DEADLINE_EXCEEDED");
  CHECK(grpc_status_name(kNoGrpcStatus).empty());
}
