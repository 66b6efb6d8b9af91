// tests/cuda/test_cuda_optim.cpp: the CUDA numerics checks and fused optimizer updates against
// the CPU backend, through the public ops: non-finite counts, unscale-and-check with the step
// status it leaves, scaled narrowing, gradient clipping, and hundreds of SGD / Adam / AdamW
// steps with the float32 masters and the compute copies compared, over sizes that take
// several chunks and blocks (70,000 elements).
#include <cmath>
#include <concepts>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "parity.hpp"

namespace {

namespace mt = mantissa;
using mt::Cpu;
using mt::Cuda;
using mt::Shape;
using mt::Tensor;
using mt_cuda::near;
using mt_cuda::same_bits;
using mt_cuda::tolerance_for;

using mt_cuda::cpu_ctx;
using mt_cuda::gpu_ctx;

constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

template <class T>
class CudaOptim : public ::testing::Test {};
using FloatTypes = ::testing::Types<float, mt::half, mt::bfloat16>;
TYPED_TEST_SUITE(CudaOptim, FloatTypes);

// ---- numerics ----

TYPED_TEST(CudaOptim, CountNonfiniteMatchesTheCpu) {
  MANTISSA_REQUIRE_GPU();
  using T = TypeParam;
  for (const std::int64_t n : {1, 70000}) {
    auto x = mt_cuda::random<T>(Shape{n}, 1);
    for (std::int64_t i = 0; i < n; i += 997)
      x[i] = T(i % 3 == 0 ? -kInf : i % 3 == 1 ? kInf : kNaN);
    const auto cpu = mt::ops::count_nonfinite(cpu_ctx(), x);
    const auto gpu = mt::ops::count_nonfinite(gpu_ctx(), mt::to<Cuda>(x));
    EXPECT_EQ(gpu.inf, cpu.inf) << n;
    EXPECT_EQ(gpu.nan, cpu.nan) << n;
  }
  // All finite: zero, whatever the previous call left.
  const auto clean = mt_cuda::random<T>(Shape{70000}, 2);
  const auto gpu = mt::ops::count_nonfinite(gpu_ctx(), mt::to<Cuda>(clean));
  EXPECT_EQ(gpu.total(), 0);
}

// The step status after each call (counts add up; the lowest index is kept across calls) is
// the CPU's, and so are the unscaled gradients.
TEST(CudaOptimNumerics, UnscaleAndCheckLeavesTheCpusStepStatus) {
  MANTISSA_REQUIRE_GPU();
  cpu_ctx().reset_status();
  gpu_ctx().reset_status();
  struct Case {
    std::int64_t n;
    float inv_scale;
    std::vector<std::pair<std::int64_t, float>> set;  // (index, value) planted
  };
  const std::vector<Case> cases = {
      {70000, 0.5f, {}},  // clean: the status stays clean
      {7, 1.0f, {}},
      {70000, 0.25f, {{65000, kNaN}, {50000, kInf}, {69999, -kInf}}},
      {70000, 2.0f, {{4097, 3e38f}}},  // finite, overflows when scaled: a lower first index
      {70000, 1.0f, {{60000, kNaN}}},  // a higher one: the first stays
      {70000, 0.5f, {}},
  };
  for (std::size_t k = 0; k < cases.size(); ++k) {
    const auto& c = cases[k];
    auto g = mt_cuda::random<float>(Shape{c.n}, 10 + k, -1e4f, 1e4f);
    for (const auto& [i, v] : c.set) g[i] = v;
    auto gg = mt::to<Cuda>(g);
    mt::ops::unscale_and_check(cpu_ctx(), g.view(), c.inv_scale);
    mt::ops::unscale_and_check(gpu_ctx(), gg.view(), c.inv_scale);
    EXPECT_TRUE(same_bits(g, gg)) << "case " << k;
    const auto cpu = cpu_ctx().read_status();
    const auto gpu = gpu_ctx().read_status();
    EXPECT_EQ(gpu.nonfinite, cpu.nonfinite) << "case " << k;
    EXPECT_EQ(gpu.first_nonfinite, cpu.first_nonfinite) << "case " << k;
    EXPECT_TRUE(gpu == cpu) << "case " << k;
  }
  EXPECT_EQ(gpu_ctx().read_status().nonfinite, 5);
  EXPECT_EQ(gpu_ctx().read_status().first_nonfinite, 4097);
  cpu_ctx().reset_status();
  gpu_ctx().reset_status();
}

TYPED_TEST(CudaOptim, ConvertScaledIsTheCpusBits) {
  MANTISSA_REQUIRE_GPU();
  using T = TypeParam;
  auto src = mt_cuda::random<float>(Shape{70001}, 3, -1e-3f, 1e-3f);
  src[7] = 70000.0f;  // beyond half's range once scaled: inf in both
  src[8] = kNaN;
  Tensor<T, Cpu> dst(src.shape());
  Tensor<T, Cuda> gdst(src.shape());
  mt::ops::convert_scaled(cpu_ctx(), dst, src.view(), 1024.0f);
  const auto gsrc = mt::to<Cuda>(src);
  mt::ops::convert_scaled(gpu_ctx(), gdst, gsrc.view(), 1024.0f);
  EXPECT_TRUE(same_bits(dst, gdst));
}

// The norm's squares are summed in double on both sides (on the GPU in a tree of passes:
// three for 70,000 elements, one for 5): the float norm agrees to float rounding, and the
// clipped gradients to the rounding of the factor.
TEST(CudaOptimNumerics, ClipGradNormMatchesTheCpu) {
  MANTISSA_REQUIRE_GPU();
  struct Case {
    std::int64_t n;
    float max_norm;
    float planted;  // written at index n / 2 unless 0
  };
  for (const Case c : {Case{70000, 1.0f, 0.0f}, Case{70000, 1e6f, 0.0f}, Case{5, 0.1f, 0.0f},
                       Case{70000, 1.0f, kInf}, Case{70000, 1.0f, kNaN}}) {
    auto g = mt_cuda::random<float>(Shape{c.n}, 20);
    if (c.planted != 0.0f) g[c.n / 2] = c.planted;
    auto gg = mt::to<Cuda>(g);
    Tensor<float, Cpu> norm(Shape{1});
    Tensor<float, Cuda> gnorm(Shape{1});
    mt::ops::clip_grad_norm(cpu_ctx(), g.view(), c.max_norm, norm.view());
    mt::ops::clip_grad_norm(gpu_ctx(), gg.view(), c.max_norm, gnorm.view());
    const std::string label = std::to_string(c.n) + " max " + std::to_string(c.max_norm) +
                              " planted " + std::to_string(c.planted);
    EXPECT_TRUE(near(norm, gnorm, tolerance_for<float>())) << label;
    const bool clipped = std::isfinite(norm[0]) && norm[0] > c.max_norm;
    if (clipped) {
      EXPECT_TRUE(near(g, gg, tolerance_for<float>())) << label;
    } else {
      EXPECT_TRUE(same_bits(g, gg)) << label << " (left as it was)";
    }
  }
}

// ---- optimizer steps ----

// The masters after `steps` updates from fresh gradients each step: the kernels do the CPU's
// float32 operations in its order, each rounded, so the masters agree to float rounding
// (bit for bit in the emulation build); the compute copies to T's.
constexpr int kSteps = 300;
constexpr std::int64_t kParams = 5003;  // several blocks, not a multiple of 4 or 256

template <class T>
struct Arena {
  Tensor<float, Cpu> w, a, b;  // masters and two state buffers (momentum; Adam's m, v)
  Tensor<T, Cpu> compute;
  Tensor<float, Cuda> gw, ga, gb;
  Tensor<T, Cuda> gcompute;
  explicit Arena(std::int64_t n)
      : w(mt_cuda::random<float>(Shape{n}, 30)), a(Shape{n}), b(Shape{n}), compute(Shape{n}),
        gw(mt::to<Cuda>(w)), ga(Shape{n}), gb(Shape{n}), gcompute(Shape{n}) {}
  // The compute copy the update writes, or an empty view under a float32 policy.
  mt::TensorView<T, Cpu> compute_view() {
    return std::same_as<T, float> ? mt::TensorView<T, Cpu>{} : compute.view();
  }
  mt::TensorView<T, Cuda> gcompute_view() {
    return std::same_as<T, float> ? mt::TensorView<T, Cuda>{} : gcompute.view();
  }
  ::testing::AssertionResult agree() {
    auto r = near(w, gw, tolerance_for<float>());
    if (r && !std::same_as<T, float>) r = near(compute, gcompute, tolerance_for<T>());
    return r;
  }
};

TYPED_TEST(CudaOptim, SgdStepsMatchTheCpu) {
  MANTISSA_REQUIRE_GPU();
  using T = TypeParam;
  const mt::SgdParams params[] = {{0.05f, 0.0f, 0.0f, false},  // plain: no momentum buffer
                                  {0.01f, 0.9f, 1e-4f, false},
                                  {0.01f, 0.9f, 1e-4f, true}};  // Nesterov
  for (const auto& p : params) {
    Arena<T> s(kParams);
    const bool buffered = p.momentum != 0.0f;
    for (int step = 0; step < kSteps; ++step) {
      const auto grad =
          mt_cuda::random<float>(Shape{kParams}, 100 + static_cast<std::uint64_t>(step));
      mt::ops::sgd_update(cpu_ctx(), s.w.view(), grad.view(),
                          buffered ? s.a.view() : mt::TensorView<float, Cpu>{}, s.compute_view(),
                          p);
      const auto ggrad = mt::to<Cuda>(grad);
      mt::ops::sgd_update(gpu_ctx(), s.gw.view(), ggrad.view(),
                          buffered ? s.ga.view() : mt::TensorView<float, Cuda>{},
                          s.gcompute_view(), p);
    }
    EXPECT_TRUE(s.agree()) << "momentum " << p.momentum << " nesterov " << p.nesterov;
    if (buffered) {
      EXPECT_TRUE(near(s.a, s.ga, tolerance_for<float>())) << "momentum buffer";
    }
  }
}

TYPED_TEST(CudaOptim, AdamAndAdamWStepsMatchTheCpu) {
  MANTISSA_REQUIRE_GPU();
  using T = TypeParam;
  for (const bool decoupled : {false, true}) {
    Arena<T> s(kParams);
    for (int step = 1; step <= kSteps; ++step) {
      const mt::AdamParams p{1e-3f, 0.9f, 0.999f, 1e-8f, 1e-2f, decoupled, step};
      const auto grad =
          mt_cuda::random<float>(Shape{kParams}, 200 + static_cast<std::uint64_t>(step));
      mt::ops::adam_update(cpu_ctx(), s.w.view(), grad.view(), s.a.view(), s.b.view(),
                           s.compute_view(), p);
      const auto ggrad = mt::to<Cuda>(grad);
      mt::ops::adam_update(gpu_ctx(), s.gw.view(), ggrad.view(), s.ga.view(),
                           s.gb.view(), s.gcompute_view(), p);
    }
    EXPECT_TRUE(s.agree()) << (decoupled ? "AdamW" : "Adam");
    EXPECT_TRUE(near(s.a, s.ga, tolerance_for<float>())) << "m";
    EXPECT_TRUE(near(s.b, s.gb, tolerance_for<float>())) << "v";
  }
}

// One step over 70,000 parameters (a grid of many blocks), with the compute copy.
TYPED_TEST(CudaOptim, LargeArenaStepMatchesTheCpu) {
  MANTISSA_REQUIRE_GPU();
  using T = TypeParam;
  constexpr std::int64_t n = 70000;
  const auto grad = mt_cuda::random<float>(Shape{n}, 300);
  const auto ggrad = mt::to<Cuda>(grad);
  Arena<T> adam(n), sgd(n);
  mt::ops::adam_update(cpu_ctx(), adam.w.view(), grad.view(), adam.a.view(), adam.b.view(),
                       adam.compute_view(),
                       mt::AdamParams{1e-2f, 0.9f, 0.99f, 1e-7f, 0.0f, true, 1});
  mt::ops::adam_update(gpu_ctx(), adam.gw.view(), ggrad.view(), adam.ga.view(), adam.gb.view(),
                       adam.gcompute_view(),
                       mt::AdamParams{1e-2f, 0.9f, 0.99f, 1e-7f, 0.0f, true, 1});
  EXPECT_TRUE(adam.agree());
  const mt::SgdParams p{0.1f, 0.5f, 0.0f, false};
  mt::ops::sgd_update(cpu_ctx(), sgd.w.view(), grad.view(), sgd.a.view(), sgd.compute_view(), p);
  mt::ops::sgd_update(gpu_ctx(), sgd.gw.view(), ggrad.view(), sgd.ga.view(), sgd.gcompute_view(),
                      p);
  EXPECT_TRUE(sgd.agree());
}

}  // namespace
