// Random-number streams keyed by identity, not by creation order.
//
// A stream is named by (run seed, entity name, purpose), e.g. (42, "reviews-v2-0", "service").
// The name is hashed (XXH3-64) into the key of a counter-based generator, Random123's
// Philox4x64-10; the stream's draws are Philox(key, counter) for counter = 0, 1, 2, ...
// Consequences, which are the point of this design (the Arbor habit):
//   * adding or removing an entity changes no other entity's draws, so a baseline and a
//     candidate scenario share common random numbers wherever their entities coincide;
//   * draws do not depend on which thread runs which stream, or in what order streams are made;
//   * a stream is 64 bytes of plain state: copyable, no allocation, no global state.
// Replications use different run seeds.  Thread safety: a Stream is not shared between threads;
// distinct Streams are independent objects.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include <Random123/philox.h>

namespace meshsim::simcore {

// The 64-bit identity of a stream, from its entity name and purpose.  Stable across platforms
// and releases (XXH3-64 is specified), so seeds in saved scenarios keep their meaning.
uint64_t stream_id(std::string_view entity, std::string_view purpose);

class Stream {
 public:
  // A placeholder (seed 0, id 0) so that Streams can live in default-constructed structs;
  // assign a named stream before drawing from it.
  Stream() : Stream(0, uint64_t{0}) {}
  Stream(uint64_t run_seed, uint64_t stream_id);
  Stream(uint64_t run_seed, std::string_view entity, std::string_view purpose)
      : Stream(run_seed, stream_id(entity, purpose)) {}

  // A uniformly distributed 64-bit word.
  uint64_t next_u64() {
    if (pos_ == 4) refill();
    return buf_[pos_++];
  }
  // Uniform on [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }
  // Uniform on (0, 1]: safe to take the logarithm of.
  double uniform_pos() { return static_cast<double>((next_u64() >> 11) + 1) * 0x1.0p-53; }
  // Uniform integer in [0, n), n > 0, without modulo bias (Lemire's multiply-shift).
  uint64_t below(uint64_t n);

  // How many 64-bit words this stream has produced; a run reports it as a fingerprint ingredient.
  uint64_t draws() const { return (counter_ - 1) * 4 + pos_; }

 private:
  using Philox = r123::Philox4x64;
  void refill();

  Philox::key_type key_;
  uint64_t counter_ = 0;
  std::array<uint64_t, 4> buf_{};
  uint32_t pos_ = 4;
};

}  // namespace meshsim::simcore
