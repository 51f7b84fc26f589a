// The runtime's events: what happened (kind) and to whom (index, generation), packed into the
// kernel's 64-bit payload.  Mesh::handle dispatches them with one switch; the generation makes
// an event for a freed-and-reused pool slot a no-op.
#pragma once

#include <cstdint>

namespace meshsim::models {

enum EventKind : uint32_t {
  kLoadArrival,       // index = load
  kUserStart,         // index = load, generation field = user (closed loop)
  kArriveAtPod,       // index = exchange
  kComputeDone,       // index = exchange
  kResponseAtCaller,  // index = exchange
  kCallTimeout,       // index = call
  kTimelineStart,     // index = timeline event
  kTimelineEnd,       // index = timeline event
  kFlush,             // time-series interval boundary
  kStreamRoute,       // index = sidecar stream: the fault delay is over, route it
  kStreamBackoff,     // index = sidecar stream: the retry backoff is over, try again
  kStreamPerTry,      // index = sidecar stream: per-try timeout (timer)
  kStreamGlobal,      // index = sidecar stream: route timeout (timer)
  kOutlierSweep,      // index = client cluster: outlier detection interval
  kStreamDone,        // index = sidecar stream: its answer goes back to the application
  kConnected,         // index = connecting entry: an upstream connection is established
  kCpuDone,           // index = pod: the next compute under its CPU limit is due (timer)
  kEndpointSlice,     // index = pod, generation field = ready: the EndpointSlice changed
  kKubeProxy,         // index = pod, generation field = ready: kube-proxy's rules change
  kDebounce,          // istiod's debounce timer
  kEdsPush,           // index = client sidecar, generation field = endpoint snapshot
  kPodLifecycle,      // index = pod, generation field = PodLifecycle step and incarnation
  kTcpConnect,        // index = TCP connection: its connect attempt's outcome is known
};

struct Packed {
  static uint64_t make(EventKind k, uint32_t index, uint32_t gen) {
    return (uint64_t{index} << 32) | (uint64_t{gen & 0xffffffu} << 8) | k;
  }
  static EventKind kind(uint64_t p) { return static_cast<EventKind>(p & 0xff); }
  static uint32_t gen(uint64_t p) { return static_cast<uint32_t>((p >> 8) & 0xffffffu); }
  static uint32_t index(uint64_t p) { return static_cast<uint32_t>(p >> 32); }
};

}  // namespace meshsim::models
