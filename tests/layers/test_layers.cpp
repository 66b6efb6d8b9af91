// tests/layers/test_layers.cpp: Dense, activations, Flatten, Dropout and BatchNorm: forward
// against naive references and backward by the generic gradient checker, for every policy.
#include <gtest/gtest.h>

#include <cmath>

#include "mantissa/mantissa.hpp"

namespace mt = mantissa;
using mt::Shape;
using mt::Tensor;

template <class P>
class LayersTyped : public ::testing::Test {};
using Policies = ::testing::Types<mt::policy::float32, mt::policy::mixed_float16,
                                  mt::policy::mixed_bfloat16>;
TYPED_TEST_SUITE(LayersTyped, Policies);

TYPED_TEST(LayersTyped, DenseGradients) {
  using P = TypeParam;
  auto r = mt::check_gradients<P>(mt::Dense(4), Shape{5});
  EXPECT_TRUE(r.passed) << r.report();
  EXPECT_EQ(r.checked, 2 * 5 + 5 * 4 + 4);
  auto nb = mt::check_gradients<P>(mt::Dense(3, {.bias = false, .init = mt::Init::he_normal}),
                                   Shape{7}, {.batch = 3});
  EXPECT_TRUE(nb.passed) << nb.report();
}

TYPED_TEST(LayersTyped, ActivationGradients) {
  using P = TypeParam;
  for (auto r : {mt::check_gradients<P>(mt::Sigmoid(), Shape{3, 4}),
                 mt::check_gradients<P>(mt::Tanh(), Shape{7}),
                 mt::check_gradients<P>(mt::Softmax(), Shape{6}),
                 mt::check_gradients<P>(mt::ReLU(), Shape{9}),
                 mt::check_gradients<P>(mt::Flatten(), Shape{2, 3, 2})})
    EXPECT_TRUE(r.passed) << r.report();
}

TYPED_TEST(LayersTyped, BatchNormGradients) {
  using P = TypeParam;
  auto r = mt::check_gradients<P>(mt::BatchNorm(), Shape{2, 2, 3}, {.batch = 3});
  EXPECT_TRUE(r.passed) << r.report();
}

TEST(Dense, ForwardMatchesNaive) {
  using P = mt::policy::float32;
  mt::DenseLayer<P, mt::Cpu> dense(mt::Dense(3));
  mt::Generator gen(3);
  ASSERT_EQ(dense.build(Shape{5}, gen), (Shape{3}));
  auto& w = dense.parameters()[0]->master;
  auto& b = dense.parameters()[1]->master;
  b[0] = 0.5f, b[1] = -1.0f, b[2] = 2.0f;
  auto x = mt::normal<float>(Shape{4, 5}, 0.0f, 1.0f, gen);
  Tensor<float> y(Shape{4, 3});
  dense.forward(mt::default_context<mt::Cpu>(), y.view(), x.view(), mt::Mode::train);
  for (int n = 0; n < 4; ++n)
    for (int u = 0; u < 3; ++u) {
      double ref = b[u];
      for (int i = 0; i < 5; ++i) ref += double(x(n, i)) * w(i, u);
      EXPECT_NEAR(y(n, u), ref, 1e-5);
    }
}

TEST(Dense, GlorotUniformBoundsAndZeroBias) {
  mt::DenseLayer<mt::policy::float32, mt::Cpu> dense(mt::Dense(20));
  mt::Generator gen(1);
  (void)dense.build(Shape{30}, gen);
  const float limit = std::sqrt(6.0f / 50.0f);
  float lo = 1, hi = -1;
  for (float v : dense.parameters()[0]->master) lo = std::min(lo, v), hi = std::max(hi, v);
  EXPECT_GE(lo, -limit);
  EXPECT_LE(hi, limit);
  EXPECT_LT(lo, -0.8f * limit);  // actually spread over the range
  for (float v : dense.parameters()[1]->master) EXPECT_EQ(v, 0.0f);
}

TEST(Dense, MixedPolicyKeepsFloatMastersAndHalfCopies) {
  using P = mt::policy::mixed_float16;
  mt::DenseLayer<P, mt::Cpu> dense(mt::Dense(2));
  mt::Generator gen(1);
  (void)dense.build(Shape{3}, gen);
  auto* k = dense.parameters()[0];
  static_assert(std::is_same_v<decltype(k->master), mt::TensorView<float>>);
  static_assert(std::is_same_v<decltype(k->grad), mt::TensorView<float>>);
  static_assert(std::is_same_v<decltype(k->compute), mt::TensorView<mt::half>>);
  for (std::int64_t i = 0; i < k->numel(); ++i)
    EXPECT_EQ(k->compute[i].bits, mt::half(k->master[i]).bits);
}

TEST(Dropout, TrainScalesKeptUnitsAndBackwardUsesTheSameMask) {
  using P = mt::policy::float32;
  mt::DropoutLayer<P, mt::Cpu> drop(0.25f, 9);
  mt::Generator gen(0);
  (void)drop.build(Shape{1000}, gen);
  auto x = mt::full<float>(Shape{4, 1000}, 2.0f);
  Tensor<float> y(x.shape()), dx(x.shape());
  drop.forward(mt::default_context<mt::Cpu>(), y.view(), x.view(), mt::Mode::train);
  std::int64_t zeros = 0;
  for (float v : y) {
    ASSERT_TRUE(v == 0.0f || std::abs(v - 2.0f / 0.75f) < 1e-6f) << v;
    zeros += v == 0.0f;
  }
  EXPECT_NEAR(double(zeros) / 4000.0, 0.25, 0.03);
  auto ones = mt::full<float>(x.shape(), 1.0f);
  drop.backward(mt::default_context<mt::Cpu>(), dx.view(), ones.view(), x.view(), y.view(), mt::Accumulate::overwrite);
  for (std::int64_t i = 0; i < y.numel(); ++i) ASSERT_EQ(dx[i] == 0.0f, y[i] == 0.0f);
  drop.forward(mt::default_context<mt::Cpu>(), y.view(), x.view(), mt::Mode::infer);  // identity in inference
  for (float v : y) ASSERT_EQ(v, 2.0f);
  EXPECT_THROW((mt::DropoutLayer<P, mt::Cpu>(1.0f, 0)), mt::ShapeError);
}

TEST(BatchNorm, NormalisesPerChannelAndTracksRunningStats) {
  using P = mt::policy::mixed_bfloat16;  // statistics are float32 whatever the policy
  mt::BatchNormLayer<P, mt::Cpu> bn(0.9f, 1e-3f);
  mt::Generator gen(0);
  (void)bn.build(Shape{2}, gen);
  Tensor<mt::bfloat16> x(Shape{4, 2});
  const float c0[] = {1, 2, 3, 4}, c1[] = {100, 300, 200, 400};
  for (int i = 0; i < 4; ++i) x(i, 0) = mt::bfloat16(c0[i]), x(i, 1) = mt::bfloat16(c1[i]);
  Tensor<mt::bfloat16> y(x.shape());
  bn.forward(mt::default_context<mt::Cpu>(), y.view(), x.view(), mt::Mode::train);
  for (int c = 0; c < 2; ++c) {
    double s = 0, s2 = 0;
    for (int i = 0; i < 4; ++i) s += float(y(i, c)), s2 += double(float(y(i, c))) * float(y(i, c));
    EXPECT_NEAR(s / 4, 0.0, 0.02);
    EXPECT_NEAR(s2 / 4, 1.0, 0.05);
  }
  EXPECT_NEAR(bn.running_mean()[1], 0.1f * 250.0f, 1e-3f);
}

// Every built-in loss against the finite differences of its own value.
TEST(Losses, GradientsMatchFiniteDifferences) {
  mt::Generator g(8);
  auto logits = mt::normal<float>(Shape{5, 4}, 0.0f, 2.0f, g);
  Tensor<std::int32_t> labels(Shape{5});
  for (std::int64_t i = 0; i < 5; ++i) labels[i] = static_cast<std::int32_t>(i % 4);
  mt::SoftmaxCrossEntropy ce;
  auto r1 = mt::check_loss_gradients(ce, logits, labels);
  EXPECT_TRUE(r1.passed) << r1.report();

  auto z = mt::normal<float>(Shape{6, 1}, 0.0f, 3.0f, g);
  auto t = mt::uniform<float>(Shape{6}, 0.0f, 1.0f, g);
  mt::BinaryCrossEntropy bce;
  auto r2 = mt::check_loss_gradients(bce, z, t);
  EXPECT_TRUE(r2.passed) << r2.report();

  auto y = mt::normal<float>(Shape{3, 4}, 0.0f, 1.0f, g);
  auto target = mt::normal<float>(Shape{3, 4}, 0.0f, 1.0f, g);
  mt::MeanSquaredError mse;
  auto r3 = mt::check_loss_gradients(mse, y, target);
  EXPECT_TRUE(r3.passed) << r3.report();
}

TEST(Losses, StableForExtremeLogitsAndNamedBadLabels) {
  Tensor<float> logits(Shape{2, 3});
  logits(0, 0) = 1e4f;   // exp would overflow without the max subtracted
  logits(1, 2) = -1e4f;
  Tensor<std::int32_t> labels(Shape{2});
  labels[0] = 1;
  mt::SoftmaxCrossEntropy ce;
  auto l = ce(logits, labels);
  EXPECT_TRUE(std::isfinite(l.value()));
  EXPECT_NEAR(l.value(), (1e4 + std::log(1.0) + 0.0 + std::log(2.0)) / 2.0, 1.0);
  labels[1] = 3;
  try {
    (void)ce(logits, labels);
    FAIL();
  } catch (const mt::DataError& e) {
    EXPECT_STREQ(e.what(), "SoftmaxCrossEntropy: label 3 at row 1 is outside [0, 3)");
  }
  Tensor<float> z(Shape{2});
  z[0] = 200.0f, z[1] = -200.0f;
  auto t = mt::full<float>(Shape{2}, 1.0f);
  mt::BinaryCrossEntropy bce;
  auto b = bce(z, t);
  EXPECT_NEAR(b.value(), 100.0f, 1e-3f);  // log(1 + e^200) without overflow
}

// BinaryCrossEntropy's targets are probabilities: soft targets (0.5) train, as in PyTorch; NaN
// or anything outside [0, 1] is a DataError naming the first such row and its value, and the
// context's record is cleared, so the next call (and the next loss's bad label) reads right.
TEST(Losses, BinaryCrossEntropyRefusesTargetsOutsideZeroOne) {
  Tensor<float> z(Shape{3, 1});
  z[0] = 0.5f, z[1] = -1.0f, z[2] = 2.0f;
  auto t = mt::full<float>(Shape{3}, 0.5f);
  mt::BinaryCrossEntropy bce;
  EXPECT_TRUE(std::isfinite(bce(z, t).value()));
  const auto refused = [&](float bad, std::int64_t row, const char* expected) {
    auto u = t.clone();
    u[row] = bad;
    if (row < 2) u[2] = 7.0f;  // a later bad row: the first one is named
    try {
      (void)bce(z, u);
      ADD_FAILURE() << "target " << bad << " trained";
    } catch (const mt::DataError& e) {
      EXPECT_STREQ(e.what(), expected);
    }
  };
  refused(2.0f, 1,
          "BinaryCrossEntropy: target 2 at row 1 is not in [0, 1] (a probability: 0 and 1 for "
          "hard labels, values between for soft ones)");
  refused(-1.0f, 0,
          "BinaryCrossEntropy: target -1 at row 0 is not in [0, 1] (a probability: 0 and 1 for "
          "hard labels, values between for soft ones)");
  refused(std::nanf(""), 2,
          "BinaryCrossEntropy: target nan at row 2 is not in [0, 1] (a probability: 0 and 1 for "
          "hard labels, values between for soft ones)");
  refused(std::nextafter(1.0f, 2.0f), 0,
          "BinaryCrossEntropy: target 1.00000012 at row 0 is not in [0, 1] (a probability: 0 "
          "and 1 for hard labels, values between for soft ones)");
  // The edges are targets; the record was cleared.
  t[0] = 0.0f, t[1] = 1.0f;
  EXPECT_TRUE(std::isfinite(bce(z, t).value()));
  EXPECT_EQ(mt::default_context<mt::Cpu>().read_status(), mt::StepStatus{});
  Tensor<float> logits(Shape{1, 2});
  Tensor<std::int32_t> labels(Shape{1});
  labels[0] = 5;
  mt::SoftmaxCrossEntropy ce;
  try {
    (void)ce(logits, labels);
    FAIL();
  } catch (const mt::DataError& e) {
    EXPECT_STREQ(e.what(), "SoftmaxCrossEntropy: label 5 at row 0 is outside [0, 2)");
  }
}
