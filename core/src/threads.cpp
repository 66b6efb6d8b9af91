// core/src/threads.cpp: one thread count for OpenMP and Eigen; the CPU kernels' level; the
// error of a thread that cannot start (thread_start.hpp).
#include "mantissa/core/threads.hpp"

#include <omp.h>

#include <Eigen/Core>
#include <algorithm>
#include <string>
#include <thread>

#include "cpu/cpu_level.hpp"
#include "mantissa/core/error.hpp"
#include "mantissa/core/thread_start.hpp"

namespace mantissa {

int max_threads() noexcept {
  const auto hw = static_cast<int>(std::thread::hardware_concurrency());  // 0: unknown
  return std::max(64, 4 * hw);
}

void check_thread_count(const char* who, int n, bool zero_ok) {
  if (n < (zero_ok ? 0 : 1))
    throw ValueError(std::string(who) + ": need at least " + (zero_ok ? "0" : "1") +
                     " threads, got " + std::to_string(n));
  if (n > max_threads())
    throw ValueError(std::string(who) + ": " + std::to_string(n) + " threads is more than " +
                     std::to_string(max_threads()) + " (4x the " +
                     std::to_string(std::thread::hardware_concurrency()) +
                     " hardware threads, at least 64); ask for at most the core count");
}

void set_num_threads(int n) {
  check_thread_count("set_num_threads", n);
  omp_set_num_threads(n);
  Eigen::setNbThreads(n);
}

Error thread_start_error(std::string_view who, std::string_view what, std::string_view reason,
                         std::string_view fix) {
  std::string msg(who);
  msg.append(": cannot start ").append(what).append(": ").append(reason);
  if (!fix.empty()) msg.append("; ").append(fix);
  return Error(msg);
}

int num_threads() noexcept { return omp_get_max_threads(); }

const char* cpu_kernels() noexcept { return cpu::detail::cpu_level_name(cpu::detail::cpu_level()); }

ThreadScope::ThreadScope(int n) noexcept : saved_(n > 0 ? omp_get_max_threads() : 0) {
  if (n > 0 && n != saved_) omp_set_num_threads(n);
}

ThreadScope::~ThreadScope() {
  if (saved_ > 0 && omp_get_max_threads() != saved_) omp_set_num_threads(saved_);
}

}  // namespace mantissa
