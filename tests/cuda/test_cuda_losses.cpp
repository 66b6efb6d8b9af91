// tests/cuda/test_cuda_losses.cpp: the CUDA backend's losses (softmax cross-entropy, binary
// cross-entropy, mean squared error) and metric sums against the CPU backend, through the
// public ops, for float, half and bfloat16 logits: the loss values and float32 gradients
// within the float32 tolerance (CUDA's exp / log and the order of the mean's sum differ), a
// bad label's step status equal to the CPU's, the metric sums read from the device loss.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

#include "parity.hpp"

namespace mt = mantissa;
using mt::Cpu;
using mt::Cuda;
using mt::Shape;
using mt::Tensor;

namespace {

using mt_cuda::cpu_ctx;
using mt_cuda::float32_result;
using mt_cuda::gpu_ctx;
using mt_cuda::set;
using mt_cuda::tied;

constexpr std::int64_t kSizes[] = {1, 7, 70001};  // one, odd, several blocks and chunks

template <class T>
class CudaLosses : public ::testing::Test {};
TYPED_TEST_SUITE(CudaLosses, mt_cuda::FloatDtypes, mt_cuda::DtypeName);

// ---- losses ---------------------------------------------------------------------------------

Tensor<std::int32_t, Cpu> labels_for(std::int64_t n, std::int64_t c, std::uint64_t seed) {
  const auto r = mt_cuda::random<float>(Shape{n}, seed, 0.0f, static_cast<float>(c));
  auto y = Tensor<std::int32_t, Cpu>::empty(Shape{n});
  for (std::int64_t i = 0; i < n; ++i)
    y[i] = std::min(static_cast<std::int32_t>(r[i]), static_cast<std::int32_t>(c - 1));
  return y;
}

// The loss and its gradient on both backends; the gradient buffers start filled with 7 so
// that rows a loss leaves unwritten compare too.
template <class T>
struct CrossEntropyRun {
  Tensor<float, Cpu> loss{Shape{1}}, dlogits;
  Tensor<float, Cuda> gloss{Shape{1}}, gdlogits;
  void run(const Tensor<T, Cpu>& logits, const Tensor<std::int32_t, Cpu>& labels) {
    dlogits = mt::full<float, Cpu>(logits.shape(), 7.0f);
    gdlogits = mt::full<float, Cuda>(logits.shape(), 7.0f);
    mt::ops::softmax_cross_entropy(cpu_ctx(), loss.view(), dlogits.view(), logits, labels);
    mt::ops::softmax_cross_entropy(gpu_ctx(), gloss.view(), gdlogits.view(),
                                   mt::to<Cuda>(logits), mt::to<Cuda>(labels));
  }
};

TYPED_TEST(CudaLosses, SoftmaxCrossEntropy) {
  MANTISSA_REQUIRE_GPU();
  using T = TypeParam;
  cpu_ctx().reset_status();
  gpu_ctx().reset_status();
  for (const Shape& s : {Shape{1, 1}, Shape{5, 7}, Shape{3000, 10}, Shape{9000, 3}}) {
    auto logits = mt_cuda::random<T>(s, 18, -6.0f, 6.0f);
    if (s[0] > 1) set(logits, 1, 70.0f);  // e^70 overflows float without the max subtracted
    CrossEntropyRun<T> r;
    r.run(logits, labels_for(s[0], s[1], 19));
    EXPECT_TRUE(mt_cuda::near(r.loss, r.gloss, float32_result)) << s.str();
    EXPECT_TRUE(mt_cuda::near(r.dlogits, r.gdlogits, float32_result)) << s.str();
  }
  EXPECT_EQ(gpu_ctx().read_status(), mt::StepStatus{});
}

TYPED_TEST(CudaLosses, SoftmaxCrossEntropyRecordsTheFirstBadLabel) {
  MANTISSA_REQUIRE_GPU();
  using T = TypeParam;
  cpu_ctx().reset_status();
  gpu_ctx().reset_status();
  const auto logits = mt_cuda::random<T>(Shape{3000, 10}, 20);
  auto labels = labels_for(3000, 10, 21);
  labels[2900] = -3;  // later bad rows, one on each side of the first
  labels[1700] = 10;
  labels[2000] = 11;
  CrossEntropyRun<T> r;
  r.run(logits, labels);
  EXPECT_TRUE(std::isnan(mt::to<Cpu>(r.gloss)[0]));
  EXPECT_TRUE(std::isnan(r.loss[0]));
  // Rows before the bad one have their gradient; from it on, untouched (the CPU's early
  // return): both equal to the CPU's.
  EXPECT_TRUE(mt_cuda::near(r.dlogits, r.gdlogits, float32_result));
  const mt::StepStatus expected{0, -1, 1700, 10, 10};
  EXPECT_EQ(cpu_ctx().read_status(), expected);
  EXPECT_EQ(gpu_ctx().read_status(), cpu_ctx().read_status());

  // A later loss with an earlier bad row leaves the step's first record as it is.
  labels[3] = 99;
  r.run(logits, labels);
  EXPECT_EQ(gpu_ctx().read_status(), expected);
  EXPECT_EQ(cpu_ctx().read_status(), expected);

  // One row, one class, a bad label.
  cpu_ctx().reset_status();
  gpu_ctx().reset_status();
  auto one = Tensor<std::int32_t, Cpu>::empty(Shape{1});
  one[0] = 1;
  r.run(mt_cuda::random<T>(Shape{1, 1}, 22), one);
  EXPECT_EQ(gpu_ctx().read_status(), (mt::StepStatus{0, -1, 0, 1, 1}));
  EXPECT_EQ(cpu_ctx().read_status(), gpu_ctx().read_status());
  cpu_ctx().reset_status();
  gpu_ctx().reset_status();
}

TYPED_TEST(CudaLosses, BinaryCrossEntropyAndMeanSquaredError) {
  MANTISSA_REQUIRE_GPU();
  using T = TypeParam;
  for (const std::int64_t n : kSizes) {
    auto logits = mt_cuda::random<T>(Shape{n}, 23, -8.0f, 8.0f);
    if (n > 2) set(logits, 1, 0.0f), set(logits, 2, -90.0f);  // z = 0; e^-z overflows
    const auto targets = mt_cuda::random<float>(Shape{n}, 24, 0.0f, 1.0f);
    const auto gl = mt::to<Cuda>(logits);
    const auto gt = mt::to<Cuda>(targets);
    Tensor<float, Cpu> loss(Shape{1}), d(Shape{n});
    Tensor<float, Cuda> gloss(Shape{1}), gd(Shape{n});
    mt::ops::binary_cross_entropy(cpu_ctx(), loss.view(), d.view(), logits, targets);
    mt::ops::binary_cross_entropy(gpu_ctx(), gloss.view(), gd.view(), gl, gt);
    EXPECT_TRUE(mt_cuda::near(loss, gloss, float32_result)) << "BCE, n " << n;
    EXPECT_TRUE(mt_cuda::near(d, gd, float32_result)) << "BCE, n " << n;
    mt::ops::mean_squared_error(cpu_ctx(), loss.view(), d.view(), logits, targets);
    mt::ops::mean_squared_error(gpu_ctx(), gloss.view(), gd.view(), gl, gt);
    EXPECT_TRUE(mt_cuda::near(loss, gloss, float32_result)) << "MSE, n " << n;
    // (y - t) * 2/n: no transcendental function, one order: the same bits.
    EXPECT_TRUE(mt_cuda::same_bits(d, gd)) << "MSE, n " << n;
  }
}

// A target that is NaN or outside [0, 1]: the loss is NaN, the gradient is written for the
// rows before the first bad one only, and the status names that row and its value, as the
// CPU's (soft targets such as 0.5, and 0 and 1, are targets).
TYPED_TEST(CudaLosses, BinaryCrossEntropyRecordsTheFirstBadTarget) {
  MANTISSA_REQUIRE_GPU();
  using T = TypeParam;
  for (const float bad : {2.0f, -1.0f, std::numeric_limits<float>::quiet_NaN()}) {
    cpu_ctx().reset_status();
    gpu_ctx().reset_status();
    const std::int64_t n = 70001;
    const auto logits = mt_cuda::random<T>(Shape{n}, 25, -8.0f, 8.0f);
    auto targets = mt_cuda::random<float>(Shape{n}, 26, 0.0f, 1.0f);
    targets[0] = 0.0f, targets[1] = 1.0f, targets[2] = 0.5f;
    targets[69000] = -5.0f;  // later bad rows, one on each side of the first
    targets[40000] = bad;
    targets[50000] = 3.0f;
    Tensor<float, Cpu> loss(Shape{1});
    auto d = mt::full<float, Cpu>(Shape{n}, 7.0f);
    Tensor<float, Cuda> gloss(Shape{1});
    auto gd = mt::full<float, Cuda>(Shape{n}, 7.0f);
    mt::ops::binary_cross_entropy(cpu_ctx(), loss.view(), d.view(), logits, targets);
    mt::ops::binary_cross_entropy(gpu_ctx(), gloss.view(), gd.view(), mt::to<Cuda>(logits),
                                  mt::to<Cuda>(targets));
    EXPECT_TRUE(std::isnan(loss[0]));
    EXPECT_TRUE(std::isnan(mt::to<Cpu>(gloss)[0]));
    EXPECT_TRUE(mt_cuda::near(d, gd, float32_result));
    const auto c = cpu_ctx().read_status(), g = gpu_ctx().read_status();
    for (const auto& s : {c, g}) {
      EXPECT_EQ(s.bad_label_row, 40000);
      EXPECT_TRUE(s.binary_target);
      EXPECT_TRUE(std::isnan(bad) ? std::isnan(s.bad_target) : s.bad_target == bad);
      EXPECT_EQ(s.nonfinite, 0);
    }
  }
  cpu_ctx().reset_status();
  gpu_ctx().reset_status();
}

// ---- metrics --------------------------------------------------------------------------------

TYPED_TEST(CudaLosses, AccumulateClassificationFromTheDeviceLoss) {
  MANTISSA_REQUIRE_GPU();
  using T = TypeParam;
  for (const Shape& s : {Shape{1, 1}, Shape{7, 3}, Shape{3000, 10}}) {
    auto logits = tied<T>(s, 25);  // ties: the first maximum counts
    if (s[0] > 2) set(logits, s[1] + 1, std::nanf(""));  // row 1: the NaN is its argmax
    const auto labels = labels_for(s[0], s[1], 26);
    Tensor<float, Cpu> loss(Shape{1}), d(s);
    Tensor<float, Cuda> gloss(Shape{1}), gd(s);
    const auto gl = mt::to<Cuda>(logits);
    const auto gy = mt::to<Cuda>(labels);
    mt::ops::softmax_cross_entropy(cpu_ctx(), loss.view(), d.view(), logits, labels);
    mt::ops::softmax_cross_entropy(gpu_ctx(), gloss.view(), gd.view(), gl, gy);
    auto sums = mt::full<float, Cpu>(Shape{3}, 1.5f);
    auto gsums = mt::full<float, Cuda>(Shape{3}, 1.5f);
    for (int batch = 0; batch < 2; ++batch) {
      mt::ops::accumulate_classification(cpu_ctx(), sums.view(), logits, labels, mt::cview(loss));
      mt::ops::accumulate_classification(gpu_ctx(), gsums.view(), gl, gy, mt::cview(gloss));
    }
    EXPECT_TRUE(mt_cuda::near(sums, gsums, float32_result)) << s.str();
    const auto back = mt::to<Cpu>(gsums);
    EXPECT_EQ(back[1], sums[1]) << s.str();  // the hits: counts, exact
    EXPECT_EQ(back[2], 1.5f + 2.0f * static_cast<float>(s[0]));
  }
}

TYPED_TEST(CudaLosses, AccumulateBinaryFromTheDeviceLoss) {
  MANTISSA_REQUIRE_GPU();
  using T = TypeParam;
  for (const std::int64_t n : kSizes) {
    const auto logits = tied<T>(Shape{n}, 27);  // some exactly 0: not > 0
    auto targets = mt_cuda::random<float>(Shape{n}, 28, 0.0f, 1.0f);
    if (n > 1) targets[1] = 0.5f;  // >= 0.5
    Tensor<float, Cpu> loss(Shape{1}), d(Shape{n});
    Tensor<float, Cuda> gloss(Shape{1}), gd(Shape{n});
    const auto gl = mt::to<Cuda>(logits);
    const auto gt = mt::to<Cuda>(targets);
    mt::ops::binary_cross_entropy(cpu_ctx(), loss.view(), d.view(), logits, targets);
    mt::ops::binary_cross_entropy(gpu_ctx(), gloss.view(), gd.view(), gl, gt);
    auto sums = mt::full<float, Cpu>(Shape{3}, 0.25f);
    auto gsums = mt::full<float, Cuda>(Shape{3}, 0.25f);
    mt::ops::accumulate_binary(cpu_ctx(), sums.view(), logits, targets, mt::cview(loss));
    mt::ops::accumulate_binary(gpu_ctx(), gsums.view(), gl, gt, mt::cview(gloss));
    EXPECT_TRUE(mt_cuda::near(sums, gsums, float32_result)) << n;
    EXPECT_EQ(mt::to<Cpu>(gsums)[1], sums[1]) << n;
  }
}

}  // namespace
