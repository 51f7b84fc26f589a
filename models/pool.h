// A pool of T with generations: (index, generation) names an object; a stale name (the object
// was freed, maybe reused) is detected by the generation.  No allocation once grown.
//
// T must have `uint32_t gen` and `bool live` members.  References into the pool are invalidated
// by alloc() (the vector may grow): re-read after allocating.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace meshsim::models {

template <class T>
class Pool {
 public:
  uint32_t alloc() {
    uint32_t i;
    if (!free_.empty()) {
      i = free_.back();
      free_.pop_back();
    } else {
      i = static_cast<uint32_t>(items_.size());
      items_.emplace_back();
      items_.back().gen = 0;
    }
    const uint32_t g = items_[i].gen;
    items_[i] = T{};
    items_[i].gen = g;
    items_[i].live = true;
    ++live_;
    return i;
  }
  void release(uint32_t i) {
    items_[i].live = false;
    items_[i].gen = (items_[i].gen + 1) & 0xffffffu;  // 24 bits travel in an event payload
    free_.push_back(i);
    --live_;
  }
  T& operator[](uint32_t i) { return items_[i]; }
  const T& operator[](uint32_t i) const { return items_[i]; }
  bool is(uint32_t i, uint32_t gen) const {
    return i < items_.size() && items_[i].live && items_[i].gen == gen;
  }
  size_t size() const { return items_.size(); }
  size_t live() const { return live_; }

 private:
  std::vector<T> items_;
  std::vector<uint32_t> free_;
  size_t live_ = 0;
};

}  // namespace meshsim::models
