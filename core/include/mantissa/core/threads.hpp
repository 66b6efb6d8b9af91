// mantissa/core/threads.hpp: the CPU thread count used by every kernel (OpenMP and Eigen).
// Results never depend on it: reductions are split the same way whatever the count, and the
// random generators are counter-based.
#pragma once

namespace mantissa {

void set_num_threads(int n);  // n >= 1
int num_threads() noexcept;

}  // namespace mantissa
