// core/src/device_cpu.cpp: host memory for Tensor<T, Cpu>, with allocation counters.
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>

#include "mantissa/core/device.hpp"
#include "mantissa/core/error.hpp"

namespace mantissa {

namespace {
std::atomic<std::size_t> g_live{0};
std::atomic<std::size_t> g_peak{0};
std::atomic<std::size_t> g_count{0};

// The block's size is kept in the 64 bytes before it, so deallocate can keep the counters.
constexpr std::size_t kHeader = Cpu::alignment;
}  // namespace

void* Cpu::allocate(std::size_t bytes) {
  // The rounding below must not wrap (a wrapped total would be a tiny block).
  if (bytes > SIZE_MAX - kHeader - alignment)
    throw Error("Cpu::allocate: out of host memory allocating " + std::to_string(bytes) +
                " bytes");
  const std::size_t total = (bytes + kHeader + alignment - 1) / alignment * alignment;
  void* raw = std::aligned_alloc(alignment, total);
  if (!raw)
    throw Error("Cpu::allocate: out of host memory allocating " + std::to_string(bytes) +
                " bytes");
  std::memcpy(raw, &bytes, sizeof bytes);
  const std::size_t live = g_live.fetch_add(bytes) + bytes;
  std::size_t peak = g_peak.load();
  while (live > peak && !g_peak.compare_exchange_weak(peak, live)) {
  }
  g_count.fetch_add(1);
  return static_cast<char*>(raw) + kHeader;
}

void Cpu::deallocate(void* p) noexcept {
  if (!p) return;
  char* raw = static_cast<char*>(p) - kHeader;
  std::size_t bytes;
  std::memcpy(&bytes, raw, sizeof bytes);
  g_live.fetch_sub(bytes);
  std::free(raw);
}

void Cpu::zero_bytes(void* p, std::size_t bytes) { std::memset(p, 0, bytes); }

AllocationStats cpu_allocation_stats() noexcept {
  return {g_live.load(), g_peak.load(), g_count.load()};
}

void Cpu::copy_within(void* dst, const void* src, std::size_t bytes) {
  if (bytes) std::memcpy(dst, src, bytes);
}
void Cpu::copy_from_host(void* dst, const void* src, std::size_t bytes) {
  if (bytes) std::memcpy(dst, src, bytes);
}
void Cpu::copy_to_host(void* dst, const void* src, std::size_t bytes) {
  if (bytes) std::memcpy(dst, src, bytes);
}

}  // namespace mantissa
