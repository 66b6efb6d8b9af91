// mantissa/core/threads.hpp: the CPU thread count used by every kernel (OpenMP and Eigen).
// Results never depend on it: reductions are split the same way whatever the count, and the
// random generators are counter-based.
#pragma once

namespace mantissa {

void set_num_threads(int n);  // n >= 1
int num_threads() noexcept;

// While alive, kernels started by the calling thread run on n threads (n = 0: as they were);
// the count before is restored at the end. The CPU backend opens one around every kernel of a
// context whose threads() is set (Context<D>::set_threads).
class ThreadScope {
 public:
  explicit ThreadScope(int n) noexcept;
  ~ThreadScope();
  ThreadScope(const ThreadScope&) = delete;
  ThreadScope& operator=(const ThreadScope&) = delete;

 private:
  int saved_;  // 0: nothing to restore
};

}  // namespace mantissa
