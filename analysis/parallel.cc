// parallel_for; see parallel.h.
#include "analysis/parallel.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <thread>
#include <vector>

namespace meshsim::analysis {

void parallel_for(size_t n, size_t threads, const std::function<void(size_t)>& f) {
  std::vector<std::exception_ptr> errors(n);
  const size_t hardware = std::max(1U, std::thread::hardware_concurrency());
  const size_t workers = std::max<size_t>(1, std::min(n, threads == 0 ? hardware : threads));
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i = next++; i < n; i = next++) {
      try {
        f(i);
      } catch (...) {
        errors[i] = std::current_exception();
      }
    }
  };
  std::vector<std::thread> pool;
  for (size_t w = 1; w < workers; ++w) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();
  for (const auto& e : errors) {
    if (e) std::rethrow_exception(e);
  }
}

}  // namespace meshsim::analysis
