// tests/cuda/parity.hpp: what the CUDA parity suites share. Each op runs on the CPU backend
// and on the CUDA backend (a GPU, or the emulation build's host loops over the same kernel
// code) from the same inputs; the results must agree within a tolerance per dtype, or
// bit for bit where the kernels promise it (casts, max pooling, dropout masks).
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>

#include "mantissa/mantissa.hpp"

#define MANTISSA_REQUIRE_GPU() \
  if (!mantissa::Cuda::available()) GTEST_SKIP() << "no CUDA device on this machine"

namespace mt_cuda {

using mantissa::Cpu;
using mantissa::Cuda;

// The calling thread's contexts, where a test runs an op on both backends.
inline mantissa::Context<Cpu>& cpu_ctx() { return mantissa::default_context<Cpu>(); }
inline mantissa::Context<Cuda>& gpu_ctx() { return mantissa::default_context<Cuda>(); }

// The tolerance for one result element: |cuda - cpu| <= abs + rel * |cpu|. `rel` reflects
// the dtype's rounding (half 2^-10, bfloat16 2^-7: one rounding step either side) and a
// different summation order; `abs` covers values near zero after cancellation.
struct Tolerance {
  float abs;
  float rel;
};
template <class T>
constexpr Tolerance tolerance_for() {
  if constexpr (std::same_as<T, float>) return {1e-5f, 1e-5f};
  else if constexpr (std::same_as<T, mantissa::half>) return {2e-3f, 2e-3f};
  else return {1.6e-2f, 1.6e-2f};
}

// A float32 result computed from exactly widened inputs with the same float operations,
// where only CUDA's exp / log against Eigen's (an ulp or two) or the order of a double sum
// can differ.
inline constexpr Tolerance float32_result{1e-5f, 1e-5f};

// The floating dtypes, named in test names ("float16").
using FloatDtypes = ::testing::Types<float, mantissa::half, mantissa::bfloat16>;
struct DtypeName {
  template <class T>
  static std::string GetName(int) {
    return std::string(mantissa::dtype_name<T>);
  }
};

// t[i] = v, rounded to T.
template <class T>
void set(mantissa::Tensor<T, Cpu>& t, std::int64_t i, float v) {
  t[i] = mantissa::convert_scalar<T>(v);
}

// Uniform values in [lo, hi) of dtype T on the CPU, seeded.
template <class T>
mantissa::Tensor<T, Cpu> random(mantissa::Shape shape, std::uint64_t seed, float lo = -2.0f,
                                float hi = 2.0f) {
  mantissa::Generator gen(seed);
  return mantissa::uniform<T, Cpu>(shape, lo, hi, gen);
}

// Values on a grid of 0.25, so that maxima tie, within a chunk and across chunks.
template <class T>
mantissa::Tensor<T, Cpu> tied(const mantissa::Shape& s, std::uint64_t seed) {
  auto x = random<T>(s, seed, -2.0f, 2.0f);
  for (std::int64_t i = 0; i < x.numel(); ++i)
    set(x, i, std::round(static_cast<float>(x[i]) * 4.0f) / 4.0f);
  return x;
}

// Expects `cuda` (copied back) to match `cpu` element by element within `tol`; names the
// first element that does not and how many do not.
template <class T, class U>
::testing::AssertionResult near(const mantissa::Tensor<T, Cpu>& cpu,
                                const mantissa::Tensor<U, Cuda>& cuda, Tolerance tol) {
  static_assert(std::same_as<T, U>, "compare tensors of one dtype");
  const auto back = mantissa::to<Cpu>(cuda);
  if (back.shape() != cpu.shape())
    return ::testing::AssertionFailure() << "shapes differ: cpu " << cpu.shape().str()
                                         << ", cuda " << back.shape().str();
  std::int64_t bad = 0, first = -1;
  for (std::int64_t i = 0; i < cpu.numel(); ++i) {
    const double a = static_cast<double>(static_cast<float>(cpu[i]));
    const double b = static_cast<double>(static_cast<float>(back[i]));
    const bool both_nan = std::isnan(a) && std::isnan(b);
    const bool ok = both_nan || a == b || std::fabs(a - b) <= tol.abs + tol.rel * std::fabs(a);
    if (!ok && bad++ == 0) first = i;
  }
  if (bad == 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << bad << " of " << cpu.numel() << " elements differ; first at flat index " << first
         << ": cpu " << static_cast<float>(cpu[first]) << ", cuda "
         << static_cast<float>(back[first]) << " (tolerance abs " << tol.abs << ", rel "
         << tol.rel << ")";
}

// Bit for bit.
template <class T>
::testing::AssertionResult same_bits(const mantissa::Tensor<T, Cpu>& cpu,
                                     const mantissa::Tensor<T, Cuda>& cuda) {
  const auto back = mantissa::to<Cpu>(cuda);
  if (back.shape() != cpu.shape())
    return ::testing::AssertionFailure() << "shapes differ";
  for (std::int64_t i = 0; i < cpu.numel(); ++i) {
    if (std::memcmp(&cpu[i], &back[i], sizeof(T)) != 0)
      return ::testing::AssertionFailure() << "first difference at flat index " << i;
  }
  return ::testing::AssertionSuccess();
}

}  // namespace mt_cuda
