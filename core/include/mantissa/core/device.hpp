// mantissa/core/device.hpp: device tags. The device is part of a tensor's type, so a kernel
// for the wrong device is a compile error, not a segfault on a host read of device memory.
//
// What a device is (the concept below; Cpu and Cuda are two, and a test can add its own):
// a tag type naming how its memory is allocated, freed, zeroed and copied, and whether the
// host may read it directly. Its kernels live in Backend<D> (backend.hpp), its execution
// state (threads, streams, handles, scratch) in Context<D> (context.hpp). Cpu's functions
// live in core/; Cuda's are defined by the cuda/ library when mantissa is built with CUDA,
// and otherwise throw CudaError naming the build option.
#pragma once

#include <concepts>
#include <cstddef>
#include <string_view>

namespace mantissa {

// requires: allocate returns `alignment`-aligned memory or throws; deallocate(nullptr) is a
// no-op; the copies move `bytes` bytes in the direction their names say (host memory on the
// host side) and are complete when they return.
template <class D>
concept Device = requires(std::size_t n, void* p, const void* q) {
  { D::name } -> std::convertible_to<std::string_view>;
  { D::alignment } -> std::convertible_to<std::size_t>;
  { D::host_accessible } -> std::convertible_to<bool>;  // may the host dereference it?
  { D::allocate(n) } -> std::same_as<void*>;
  D::deallocate(p);
  D::zero_bytes(p, n);
  D::copy_within(p, q, n);     // this device -> this device
  D::copy_from_host(p, q, n);  // host -> this device
  D::copy_to_host(p, q, n);    // this device -> host: the "host read" a step does once
};

template <class D>
inline constexpr bool is_device_v = Device<D>;

struct Cpu {
  static constexpr std::string_view name = "cpu";
  static constexpr std::size_t alignment = 64;  // one cache line, one AVX-512 register
  static constexpr bool host_accessible = true;
  static void* allocate(std::size_t bytes);
  static void deallocate(void* p) noexcept;
  static void zero_bytes(void* p, std::size_t bytes);
  static void copy_within(void* dst, const void* src, std::size_t bytes);
  static void copy_from_host(void* dst, const void* src, std::size_t bytes);
  static void copy_to_host(void* dst, const void* src, std::size_t bytes);
};

struct Cuda {
  static constexpr std::string_view name = "cuda";
  static constexpr std::size_t alignment = 256;  // cudaMalloc's guarantee
  static constexpr bool host_accessible = false;
  static void* allocate(std::size_t bytes);
  static void deallocate(void* p) noexcept;
  static void zero_bytes(void* p, std::size_t bytes);
  static void copy_within(void* dst, const void* src, std::size_t bytes);
  static void copy_from_host(void* dst, const void* src, std::size_t bytes);
  static void copy_to_host(void* dst, const void* src, std::size_t bytes);
  static bool available() noexcept;  // built with CUDA and a device is present
};

// Named for the compiler's note when host code touches device memory (false for a non-device).
template <class D>
inline constexpr bool is_host_device = false;
template <Device D>
inline constexpr bool is_host_device<D> = D::host_accessible;

// Raw byte copy between devices: within one device, or between the host and a device. Two
// accelerators never copy directly (go through to<Cpu>).
template <Device To, Device From>
void copy_bytes(void* dst, const void* src, std::size_t bytes) {
  if constexpr (std::same_as<To, From>) {
    To::copy_within(dst, src, bytes);
  } else if constexpr (std::same_as<To, Cpu>) {
    From::copy_to_host(dst, src, bytes);
  } else if constexpr (std::same_as<From, Cpu>) {
    To::copy_from_host(dst, src, bytes);
  } else {
    static_assert(std::same_as<To, Cpu> || std::same_as<From, Cpu>,
                  "mantissa::copy_bytes: two accelerators do not copy directly; go through the "
                  "host: to<Cpu>(x), then to<D>(...)");
  }
}

// Number of bytes allocated and still live on the CPU through Cpu::allocate, and the count of
// allocations made; tests use them to prove a step allocates nothing.
struct AllocationStats {
  std::size_t live_bytes;
  std::size_t peak_bytes;
  std::size_t allocations;
};
AllocationStats cpu_allocation_stats() noexcept;

}  // namespace mantissa
