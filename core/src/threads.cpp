// core/src/threads.cpp: one thread count for OpenMP and Eigen.
#include "mantissa/core/threads.hpp"

#include <omp.h>

#include <Eigen/Core>
#include <string>

#include "mantissa/core/error.hpp"

namespace mantissa {

void set_num_threads(int n) {
  if (n < 1) throw ValueError("set_num_threads: need at least 1 thread, got " + std::to_string(n));
  omp_set_num_threads(n);
  Eigen::setNbThreads(n);
}

int num_threads() noexcept { return omp_get_max_threads(); }

ThreadScope::ThreadScope(int n) noexcept : saved_(n > 0 ? omp_get_max_threads() : 0) {
  if (n > 0 && n != saved_) omp_set_num_threads(n);
}

ThreadScope::~ThreadScope() {
  if (saved_ > 0 && omp_get_max_threads() != saved_) omp_set_num_threads(saved_);
}

}  // namespace mantissa
