// mistake: an op on a device that has no kernel for it (relu on a device whose backend has none)
// expect-first: static assertion failed: mantissa: this device has no kernel for this
// expect-head: this device has no kernel for this op and dtype
// expect-head: has_kernel<mantissa::op::activation, Npu, float>
#include <cstddef>
#include <string_view>

#include "mantissa/core/core.hpp"

using namespace mantissa;

// A device with memory functions and an empty backend: it has no kernels yet.
struct Npu {
  static constexpr std::string_view name = "npu";
  static constexpr std::size_t alignment = 64;
  static constexpr bool host_accessible = false;
  static void* allocate(std::size_t);
  static void deallocate(void*) noexcept;
  static void zero_bytes(void*, std::size_t);
  static void copy_within(void*, const void*, std::size_t);
  static void copy_from_host(void*, const void*, std::size_t);
  static void copy_to_host(void*, const void*, std::size_t);
};
template <>
struct mantissa::Backend<Npu> {};

Tensor<float, Npu> f(const Tensor<float, Npu>& x) { return relu(x); }
