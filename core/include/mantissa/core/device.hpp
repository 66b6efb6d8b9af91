// mantissa/core/device.hpp: device tags. The device is part of a tensor's type, so a kernel
// for the wrong device is a compile error, not a segfault on a host read of device memory.
//
// Each tag names how its memory is allocated, freed and copied. Cpu's functions live in
// core/; Cuda's are defined by the cuda/ library when mantissa is built with CUDA, and
// otherwise throw CudaError naming the build option.
#pragma once

#include <concepts>
#include <cstddef>
#include <string_view>

namespace mantissa {

struct Cpu {
  static constexpr std::string_view name = "cpu";
  static constexpr std::size_t alignment = 64;  // one cache line, one AVX-512 register
  static void* allocate(std::size_t bytes);
  static void deallocate(void* p) noexcept;
  static void zero_bytes(void* p, std::size_t bytes);
};

struct Cuda {
  static constexpr std::string_view name = "cuda";
  static constexpr std::size_t alignment = 256;  // cudaMalloc's guarantee
  static void* allocate(std::size_t bytes);
  static void deallocate(void* p) noexcept;
  static void zero_bytes(void* p, std::size_t bytes);
  static bool available() noexcept;  // built with CUDA and a device is present
};

template <class D>
concept Device = std::same_as<D, Cpu> || std::same_as<D, Cuda>;

template <class D>
inline constexpr bool is_device_v = Device<D>;

// Raw byte copy between devices (host<->host is memcpy; any side on Cuda goes through the
// CUDA runtime). Defined next to the allocators.
template <Device To, Device From>
void copy_bytes(void* dst, const void* src, std::size_t bytes);

// Number of bytes allocated and still live on the CPU through Cpu::allocate, and the count of
// allocations made; tests use them to prove a step allocates nothing.
struct AllocationStats {
  std::size_t live_bytes;
  std::size_t peak_bytes;
  std::size_t allocations;
};
AllocationStats cpu_allocation_stats() noexcept;

}  // namespace mantissa
