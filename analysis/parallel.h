// Independent runs on a pool of threads: what the runner's run_all (runner.h) runs jobs on.
// Each job writes only its own slot, so results do not depend on the number of threads
// or on which thread ran which job.
// Thread safety: f must be safe to call concurrently for different indices.
#pragma once

#include <cstddef>
#include <functional>

namespace meshsim::analysis {

// Calls f(i) for every i in [0, n) on `threads` threads (0: one per hardware thread; never more
// than n; the calling thread is one of them).  If calls throw, waits for all, then rethrows the
// exception of the lowest failed index.
void parallel_for(size_t n, size_t threads, const std::function<void(size_t)>& f);

}  // namespace meshsim::analysis
