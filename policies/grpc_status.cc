// Envoy's HTTP <-> gRPC status tables and Istio's status names; see grpc_status.h.
#include "policies/grpc_status.h"

#include <array>

namespace meshsim::policies {

uint8_t http_to_grpc_status(uint32_t http_status) {
  switch (http_status) {
    case 400: return kGrpcInternal;
    case 401: return kGrpcUnauthenticated;
    case 403: return kGrpcPermissionDenied;
    case 404: return kGrpcUnimplemented;
    case 429:
    case 502:
    case 503:
    case 504: return kGrpcUnavailable;
    default: return kGrpcUnknown;
  }
}

uint32_t grpc_to_http_status(uint8_t grpc_status) {
  static constexpr std::array<uint32_t, 17> kHttp = {200, 499, 500, 400, 504, 404, 409, 403, 429,
                                                     400, 409, 400, 501, 500, 503, 500, 401};
  return grpc_status < kHttp.size() ? kHttp[grpc_status] : 500;
}

std::span<const std::string_view> grpc_status_names() {
  static constexpr std::array<std::string_view, 17> kNames = {
      "OK",
      "CANCELLED",
      "UNKNOWN",
      "INVALID_ARGUMENT",
      "DEADLINE_EXCEEDED",
      "NOT_FOUND",
      "ALREADY_EXISTS",
      "PERMISSION_DENIED",
      "RESOURCE_EXHAUSTED",
      "FAILED_PRECONDITION",
      "ABORTED",
      "OUT_OF_RANGE",
      "UNIMPLEMENTED",
      "INTERNAL",
      "UNAVAILABLE",
      "DATA_LOSS",
      "UNAUTHENTICATED",
  };
  return kNames;
}

std::optional<uint8_t> grpc_status_code(std::string_view name) {
  const auto names = grpc_status_names();
  for (uint8_t code = 0; code < names.size(); ++code) {
    if (names[code] == name) return code;
  }
  return std::nullopt;
}

std::string_view grpc_status_name(uint8_t code) {
  const auto names = grpc_status_names();
  return code < names.size() ? names[code] : std::string_view();
}

}  // namespace meshsim::policies
