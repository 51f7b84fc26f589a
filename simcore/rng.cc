// Philox refill and the stream-id hash; see rng.h for the design.
#include "simcore/rng.h"

#include <string>

#include <xxhash.h>

namespace meshsim::simcore {

uint64_t stream_id(std::string_view entity, std::string_view purpose) {
  // Hash "entity\0purpose" so ("ab","c") and ("a","bc") differ.
  std::string key;
  key.reserve(entity.size() + 1 + purpose.size());
  key.append(entity).push_back('\0');
  key.append(purpose);
  return XXH3_64bits(key.data(), key.size());
}

Stream::Stream(uint64_t run_seed, uint64_t id) {
  key_ = Philox::key_type{{run_seed, id}};
}

void Stream::refill() {
  const Philox::ctr_type ctr{{counter_++, 0, 0, 0}};
  const Philox::ctr_type out = Philox()(ctr, key_);
  for (int i = 0; i < 4; ++i) buf_[i] = out[i];
  pos_ = 0;
}

uint64_t Stream::below(uint64_t n) {
  // Lemire, "Fast Random Integer Generation in an Interval" (2019).
  uint64_t x = next_u64();
  __uint128_t m = static_cast<__uint128_t>(x) * n;
  auto low = static_cast<uint64_t>(m);
  if (low < n) {
    const uint64_t threshold = (0 - n) % n;
    while (low < threshold) {
      x = next_u64();
      m = static_cast<__uint128_t>(x) * n;
      low = static_cast<uint64_t>(m);
    }
  }
  return static_cast<uint64_t>(m >> 64);
}

}  // namespace meshsim::simcore
