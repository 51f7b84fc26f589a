// A FIFO queue on a power-of-two ring buffer: O(1) push/pop, no allocation once it has grown
// to the largest backlog seen.  std::deque would allocate and free a block every few hundred
// elements as a queue breathes, which a service queue does all the time.
// Thread safety: none.
#pragma once

#include <cassert>
#include <cstddef>
#include <vector>

namespace meshsim::simcore {

template <class T>
class RingQueue {
 public:
  bool empty() const { return size_ == 0; }
  size_t size() const { return size_; }
  void push(const T& v) {
    if (size_ == buf_.size()) grow();
    buf_[(head_ + size_) & (buf_.size() - 1)] = v;
    ++size_;
  }
  T& front() {
    assert(size_ > 0);
    return buf_[head_];
  }
  T pop() {
    assert(size_ > 0);
    T v = buf_[head_];
    head_ = (head_ + 1) & (buf_.size() - 1);
    --size_;
    return v;
  }
  void clear() { head_ = size_ = 0; }

 private:
  void grow() {
    std::vector<T> bigger(buf_.empty() ? 16 : buf_.size() * 2);
    for (size_t i = 0; i < size_; ++i) bigger[i] = buf_[(head_ + i) & (buf_.size() - 1)];
    buf_.swap(bigger);
    head_ = 0;
  }
  std::vector<T> buf_;
  size_t head_ = 0;
  size_t size_ = 0;
};

}  // namespace meshsim::simcore
