// gRPC status codes as Envoy maps them to and from HTTP status codes (envoy
// source/common/grpc/status.cc, Grpc::Utility::httpToGrpcStatus / grpcToHttpStatus), and the
// names Istio accepts for them (istio pkg/util/grpc/codes.go SupportedGRPCStatus).
//
// Where the mesh uses them:
//   * http_to_grpc_status: the grpc-status of a sidecar's local reply to a gRPC request (no
//     route, no healthy upstream, overflow, connect failure, timeout, fault abort with
//     httpStatus): Envoy sends it trailers-only, HTTP :status 200 with that grpc-status
//     (source/common/http/utility.cc sendLocalReply/prepareLocalReply).  Also Istio's
//     `grpc_response_status` label of a gRPC response that carries no grpc-status.
//     A route timeout (504 UT) therefore gives 14 UNAVAILABLE, not 4 DEADLINE_EXCEEDED, in
//     Envoy 1.28-1.35 (envoy PR #44479 changes that behind a runtime guard, later).
//   * grpc_to_http_status: what the router reports to outlier detection for a response whose
//     headers carry a grpc-status (router.cc onUpstreamHeaders).
// gRPC's own client-side table (grpc doc/http-grpc-status-mapping.md) agrees with Envoy's except
// 431 -> INTERNAL; Envoy's table is the one used here.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace meshsim::policies {

// The canonical codes (grpc/status.h).
inline constexpr uint8_t kGrpcOk = 0;
inline constexpr uint8_t kGrpcCancelled = 1;
inline constexpr uint8_t kGrpcUnknown = 2;
inline constexpr uint8_t kGrpcInvalidArgument = 3;
inline constexpr uint8_t kGrpcDeadlineExceeded = 4;
inline constexpr uint8_t kGrpcNotFound = 5;
inline constexpr uint8_t kGrpcAlreadyExists = 6;
inline constexpr uint8_t kGrpcPermissionDenied = 7;
inline constexpr uint8_t kGrpcResourceExhausted = 8;
inline constexpr uint8_t kGrpcFailedPrecondition = 9;
inline constexpr uint8_t kGrpcAborted = 10;
inline constexpr uint8_t kGrpcOutOfRange = 11;
inline constexpr uint8_t kGrpcUnimplemented = 12;
inline constexpr uint8_t kGrpcInternal = 13;
inline constexpr uint8_t kGrpcUnavailable = 14;
inline constexpr uint8_t kGrpcDataLoss = 15;
inline constexpr uint8_t kGrpcUnauthenticated = 16;

// "No grpc-status": a response of a non-gRPC request, or one whose server sent none.
inline constexpr uint8_t kNoGrpcStatus = 0xFF;

// Envoy httpToGrpcStatus: 400 -> 13, 401 -> 16, 403 -> 7, 404 -> 12, 429/502/503/504 -> 14,
// anything else (200 included) -> 2 UNKNOWN.
uint8_t http_to_grpc_status(uint32_t http_status);

// Envoy grpcToHttpStatus: 0 -> 200, 1 -> 499, 2 -> 500, 3 -> 400, 4 -> 504, 5 -> 404, 6 -> 409,
// 7 -> 403, 8 -> 429, 9 -> 400, 10 -> 409, 11 -> 400, 12 -> 501, 13 -> 500, 14 -> 503,
// 15 -> 500, 16 -> 401, anything else -> 500.
uint32_t grpc_to_http_status(uint8_t grpc_status);

// Istio's SupportedGRPCStatus: the canonical upper-case names ("OK", "CANCELLED", ...,
// "UNAUTHENTICATED") to codes 0..16; nullopt for anything else (Istio validation rejects it).
std::optional<uint8_t> grpc_status_code(std::string_view name);
// The names, in code order (for "expected one of" messages and for printing).
std::span<const std::string_view> grpc_status_names();
// The name of a code ("UNAVAILABLE"); "" for kNoGrpcStatus and codes above 16.
std::string_view grpc_status_name(uint8_t code);

}  // namespace meshsim::policies
