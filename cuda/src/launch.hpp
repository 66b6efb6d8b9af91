// cuda/src/launch.hpp: how device code runs. Kernel math is written once, as functors whose
// call operator is MANTISSA_HD (__host__ __device__); for_each runs one over an index range:
//   - under nvcc, as a grid-stride CUDA kernel on the context's stream;
//   - in the emulation build (MANTISSA_CUDA_EMULATE: these same sources compiled as C++), as
//     a host loop in index order.
// So the code the emulated parity suite runs on the host is the code the GPU runs; only the
// launch mechanism differs. Functors take plain pointers and sizes (no references to host
// objects: they are copied to the device by value).
//
// A functor must give the same result whatever order its indices run in (each index writes
// its own outputs; shared outputs go through the atomics below). Reductions over many
// elements are two for_each passes: per-chunk partial sums into the workspace, then one
// pass over the partials (reduce_chunks), which keeps them deterministic.
#pragma once

#include <cstdint>

#if defined(__CUDACC__)
#include <cuda_runtime.h>
#endif

#include "mantissa/core/context.hpp"
#include "mantissa/core/host_device.hpp"

namespace mantissa::cuda {

#if defined(__CUDACC__)
void throw_launch_error(cudaError_t status, const char* kernel);  // context.cpp

template <class F>
__global__ void for_each_kernel(std::int64_t n, F f) {
  for (std::int64_t i = blockIdx.x * std::int64_t{blockDim.x} + threadIdx.x; i < n;
       i += std::int64_t{gridDim.x} * blockDim.x)
    f(i);
}
#endif

inline constexpr int threads_per_block = 256;

// f(i) for every i in [0, n), on ctx's stream. `name` names the kernel in a launch error.
template <class F>
void for_each(Context<Cuda>& ctx, std::int64_t n, const F& f, const char* name) {
  if (n <= 0) return;
#if defined(__CUDACC__)
  // Enough blocks to fill an H100/H200 several times over; the grid-stride loop covers more.
  const std::int64_t blocks = (n + threads_per_block - 1) / threads_per_block;
  const auto grid = static_cast<unsigned>(blocks < 8192 ? blocks : 8192);
  for_each_kernel<F><<<grid, threads_per_block, 0, ctx.stream()>>>(n, f);
  const cudaError_t status = cudaGetLastError();
  if (status != cudaSuccess) throw_launch_error(status, name);
#else
  (void)ctx;
  (void)name;
  for (std::int64_t i = 0; i < n; ++i) f(i);
#endif
}

// ---- atomics: device atomics on the GPU, plain updates in the (sequential) emulation ----
MANTISSA_HD inline void atomic_add(float* p, float v) {
#if defined(__CUDA_ARCH__)
  atomicAdd(p, v);
#else
  *p += v;
#endif
}
MANTISSA_HD inline void atomic_add(std::int64_t* p, std::int64_t v) {
#if defined(__CUDA_ARCH__)
  atomicAdd(reinterpret_cast<unsigned long long*>(p), static_cast<unsigned long long>(v));
#else
  *p += v;
#endif
}
MANTISSA_HD inline void atomic_min(std::int64_t* p, std::int64_t v) {
#if defined(__CUDA_ARCH__)
  atomicMin(reinterpret_cast<long long*>(p), static_cast<long long>(v));
#else
  if (v < *p) *p = v;
#endif
}

// ---- rounding: IEEE products and sums, each rounded on its own ----
// The CPU is built without contraction (-std=c++20); nvcc would contract a * b + c into
// one fma, which rounds once. The whole backend is compiled with --fmad=false for that
// reason; these say it where a kernel depends on it (the optimizers, BatchNorm).
MANTISSA_HD inline float mul_rn(float a, float b) {
#if defined(__CUDA_ARCH__)
  return __fmul_rn(a, b);
#else
  return a * b;
#endif
}
MANTISSA_HD inline float add_rn(float a, float b) {
#if defined(__CUDA_ARCH__)
  return __fadd_rn(a, b);
#else
  return a + b;
#endif
}
MANTISSA_HD inline float sub_rn(float a, float b) {
#if defined(__CUDA_ARCH__)
  return __fsub_rn(a, b);
#else
  return a - b;
#endif
}
MANTISSA_HD inline double dmul_rn(double a, double b) {
#if defined(__CUDA_ARCH__)
  return __dmul_rn(a, b);
#else
  return a * b;
#endif
}

// std::min / std::max are host functions; these run on both sides.
MANTISSA_HD inline std::int64_t min64(std::int64_t a, std::int64_t b) { return a < b ? a : b; }
MANTISSA_HD inline std::int64_t max64(std::int64_t a, std::int64_t b) { return a > b ? a : b; }

// Chunking for two-pass reductions: `chunks` partials of about `per` elements each.
struct Chunks {
  std::int64_t count;  // number of chunks
  std::int64_t per;    // elements per chunk (the last may have fewer)
};
// About 4096 elements a chunk, at most 1024 chunks (so the second pass is short).
inline Chunks chunks_for(std::int64_t n) {
  std::int64_t per = 4096;
  if ((n + per - 1) / per > 1024) per = (n + 1023) / 1024;
  if (per < 1) per = 1;
  return {n > 0 ? (n + per - 1) / per : 0, per};
}

}  // namespace mantissa::cuda
