// Typed indices for the runtime's tables, and who makes a call.
//
// Every runtime table is a vector indexed by a small integer.  A PodId cannot be passed where a
// LoadId is meant: each index is its own type, and IdVector only accepts its own.  A call is made
// either by a pod's application or by a load generator; `Caller` says which, so no index carries
// a marker bit.
#pragma once

#include <cstdint>
#include <vector>

namespace meshsim::models {

inline constexpr uint32_t kNone = UINT32_MAX;

template <class Tag>
struct Id {
  uint32_t value = kNone;

  constexpr Id() = default;
  constexpr explicit Id(uint32_t v) : value(v) {}
  constexpr bool valid() const { return value != kNone; }
  friend constexpr bool operator==(Id a, Id b) = default;
  friend constexpr auto operator<=>(Id a, Id b) = default;
};

using PodId = Id<struct PodTag>;
using WorkloadId = Id<struct WorkloadTag>;
using ServiceId = Id<struct ServiceTag>;
using LoadId = Id<struct LoadTag>;

// A vector indexed by one kind of Id.
template <class IdT, class T>
class IdVector {
 public:
  T& operator[](IdT i) { return items_[i.value]; }
  const T& operator[](IdT i) const { return items_[i.value]; }
  IdT push_back(T v) {
    items_.push_back(std::move(v));
    return IdT(static_cast<uint32_t>(items_.size() - 1));
  }
  uint32_t size() const { return static_cast<uint32_t>(items_.size()); }
  bool empty() const { return items_.empty(); }
  auto begin() { return items_.begin(); }
  auto end() { return items_.end(); }
  auto begin() const { return items_.begin(); }
  auto end() const { return items_.end(); }

 private:
  std::vector<T> items_;
};

// Who makes a call: a pod's application, or a load generator (the root of a request).
struct Caller {
  enum class Kind : uint8_t { kPod, kLoad };
  Kind kind = Kind::kLoad;
  uint32_t index = kNone;

  static Caller pod(PodId p) { return {Kind::kPod, p.value}; }
  static Caller load(LoadId l) { return {Kind::kLoad, l.value}; }
  bool is_load() const { return kind == Kind::kLoad; }
  PodId as_pod() const { return PodId(kind == Kind::kPod ? index : kNone); }
  LoadId as_load() const { return LoadId(kind == Kind::kLoad ? index : kNone); }
  // A number naming the caller, below 2^32 (indices stay below 2^31).
  uint64_t key() const { return (uint64_t{index} << 1) | static_cast<uint8_t>(kind); }
};

}  // namespace meshsim::models
