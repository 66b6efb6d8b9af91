// mantissa/core/threads.hpp: the CPU thread count used by every kernel (OpenMP and Eigen).
// Results never depend on it: reductions are split the same way whatever the count, and the
// random generators are counter-based.
#pragma once

namespace mantissa {

void set_num_threads(int n);  // 1 <= n <= max_threads(), else ValueError
int num_threads() noexcept;

// The instruction-set level the CPU kernels (GEMM, conversions) run at: "avx512_bf16",
// "avx512", "avx2" or "scalar". The highest this CPU supports, chosen once per process, unless
// the environment variable MANTISSA_CPU names a lower one (for testing the slower paths).
const char* cpu_kernels() noexcept;

// The most threads a count may ask for: 4x the hardware threads, at least 64. OpenMP aborts
// the process when it cannot create the threads asked for (a typo'd --threads 1000000), which
// no exception can catch; a count this far past the cores never runs faster, so it is refused
// up front instead.
int max_threads() noexcept;

// Throws ValueError naming `who` and n unless 1 <= n <= max_threads() (0 too, when zero_ok).
void check_thread_count(const char* who, int n, bool zero_ok = false);

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
