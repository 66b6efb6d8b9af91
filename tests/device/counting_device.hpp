// tests/device/counting_device.hpp: a third device that exists only in the tests, to prove
// that a device is a plug-in. Its memory is host memory behind a device type of its own (so
// the host may not touch it: Tensor<T, Counting> has no element access), its kernels are the
// CPU's behind a Backend<Counting> of its own, and it counts what crosses the seam: host
// reads (device -> host copies), host writes, allocations, and kernel launches of the ops a
// training step is made of.
//
// Nothing outside tests/device/ knows this device: the library's layers, Sequential,
// optimizers, loss scaler, metrics, checkpoints and fit are instantiated for it here.
#pragma once

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string_view>

#include <mantissa/mantissa.hpp>

struct Counting {
  static constexpr std::string_view name = "counting";
  static constexpr std::size_t alignment = 64;
  static constexpr bool host_accessible = false;

  struct Counters {
    long host_reads = 0, host_writes = 0, allocations = 0, kernels = 0;
  };
  static Counters& counters() {
    static Counters c;
    return c;
  }

  static void* allocate(std::size_t bytes) {
    ++counters().allocations;
    void* p = std::aligned_alloc(alignment, (bytes + alignment - 1) / alignment * alignment);
    if (!p) throw std::bad_alloc();
    return p;
  }
  static void deallocate(void* p) noexcept { std::free(p); }
  static void zero_bytes(void* p, std::size_t n) { std::memset(p, 0, n); }
  static void copy_within(void* d, const void* s, std::size_t n) {
    if (n) std::memmove(d, s, n);
  }
  static void copy_from_host(void* d, const void* s, std::size_t n) {
    ++counters().host_writes;
    if (n) std::memcpy(d, s, n);
  }
  static void copy_to_host(void* d, const void* s, std::size_t n) {
    ++counters().host_reads;
    if (n) std::memcpy(d, s, n);
  }
};
static_assert(mantissa::Device<Counting>);

// The CPU's kernels on Counting memory, each launch counted.
template <>
struct mantissa::Backend<Counting> : mantissa::cpu::HostKernels<Counting> {
  using Base = mantissa::cpu::HostKernels<Counting>;
  using Ctx = mantissa::Context<Counting>;
  static void count() { ++Counting::counters().kernels; }

  template <class T, class TC>
  static void gemm(Ctx& ctx, bool ta, bool tb, std::int64_t m, std::int64_t n, std::int64_t k,
                   float alpha, const T* a, std::int64_t lda, const T* b, std::int64_t ldb,
                   float beta, TC* c, std::int64_t ldc) {
    count();
    Base::gemm<T, TC>(ctx, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  }
  template <class T>
  static void activation_forward(Ctx& ctx, mantissa::Activation f, T* y, const T* x,
                                 std::int64_t rows, std::int64_t cols) {
    count();
    Base::activation_forward(ctx, f, y, x, rows, cols);
  }
  template <class T>
  static void activation_backward(Ctx& ctx, mantissa::Activation f, T* dx, const T* dy,
                                  const T* y, std::int64_t rows, std::int64_t cols) {
    count();
    Base::activation_backward(ctx, f, dx, dy, y, rows, cols);
  }
  static void unscale_and_check(Ctx& ctx, float* g, std::int64_t n, float inv_scale) {
    count();
    Base::unscale_and_check(ctx, g, n, inv_scale);
  }
  template <class T>
  static void adam_update(Ctx& ctx, float* w, const float* grad, float* m, float* v, T* compute,
                          std::int64_t n, const mantissa::AdamParams& p) {
    count();
    Base::adam_update(ctx, w, grad, m, v, compute, n, p);
  }
};

// Every op, for every dtype: the CPU's kernels run here.
template <class Op, class T>
inline constexpr bool mantissa::has_kernel<Op, Counting, T> = true;
