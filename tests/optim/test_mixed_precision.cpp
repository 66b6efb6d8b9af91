// tests/optim/test_mixed_precision.cpp: the loss scaler's state machine, skipped steps that
// leave every bit in place, loss scaling that rescues underflowing float16 gradients,
// float16/bfloat16 gradients against float32's, numerics checks and checked input casts.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>

#include "mantissa/mantissa.hpp"

namespace mt = mantissa;
using mt::Shape;
using mt::Tensor;
using F16 = mt::policy::mixed_float16;
using BF16 = mt::policy::mixed_bfloat16;
using F32 = mt::policy::float32;

TEST(LossScaler, PyTorchDefaults) {
  mt::LossScaler s;
  EXPECT_EQ(s.loss_scale(), 65536.0f);
  EXPECT_EQ(s.options().growth_factor, 2.0f);
  EXPECT_EQ(s.options().backoff_factor, 0.5f);
  EXPECT_EQ(s.options().growth_interval, 2000);
}

TEST(LossScaler, OverflowHalvesAndCleanIntervalsDouble) {
  mt::LossScaler s({.init_scale = 1024.0f, .growth_interval = 3});
  s.record_step(true, "x");
  EXPECT_EQ(s.loss_scale(), 512.0f);
  EXPECT_EQ(s.skipped_steps(), 1);
  s.record_step(false);
  s.record_step(false);
  EXPECT_EQ(s.loss_scale(), 512.0f);
  s.record_step(false);  // third clean step in a row
  EXPECT_EQ(s.loss_scale(), 1024.0f);
  EXPECT_EQ(s.clean_steps(), 0);
  s.record_step(false);
  s.record_step(true);  // an overflow resets the clean count
  s.record_step(false);
  s.record_step(false);
  EXPECT_EQ(s.loss_scale(), 512.0f);
}

TEST(LossScaler, CeilingAndFloor) {
  mt::LossScaler s({.init_scale = 4.0f, .growth_interval = 1, .min_scale = 1.0f, .max_scale = 8.0f});
  s.record_step(false);
  s.record_step(false);
  s.record_step(false);
  EXPECT_EQ(s.loss_scale(), 8.0f);  // capped
  s.record_step(true, "a");
  s.record_step(true, "a");
  s.record_step(true, "a");
  EXPECT_EQ(s.loss_scale(), 1.0f);
  try {
    s.record_step(true, "dense_1/kernel: 3 of 64 gradient values non-finite at scale 1");
    FAIL() << "expected NumericsError at the floor";
  } catch (const mt::NumericsError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("below its floor 1"), std::string::npos) << m;
    EXPECT_NE(m.find("dense_1/kernel: 3 of 64 gradient values non-finite"), std::string::npos) << m;
  }
}

TEST(LossScaler, StaticScaleNeverMovesButStillCountsSkips) {
  auto s = mt::LossScaler::fixed(128.0f);
  s.record_step(true);
  s.record_step(false);
  EXPECT_EQ(s.loss_scale(), 128.0f);
  EXPECT_EQ(s.skipped_steps(), 1);
}

TEST(LossScaler, StateRoundTrips) {
  mt::LossScaler a({.growth_interval = 5});
  a.record_step(true);
  a.record_step(false);
  a.record_step(false);
  mt::LossScaler b({.growth_interval = 5});
  b.load_state(a.state());
  EXPECT_EQ(b.state(), a.state());
  for (int i = 0; i < 3; ++i) a.record_step(false), b.record_step(false);
  EXPECT_EQ(b.loss_scale(), a.loss_scale());
  EXPECT_EQ(b.loss_scale(), 65536.0f);
  EXPECT_THROW(b.load_state({-1.0f, 0, 0}), mt::ValueError);
}

namespace {
struct Batch {
  Tensor<float> x32;
  Tensor<std::int32_t> y;
};
Batch batch(std::int64_t n, std::int64_t features, std::uint64_t seed) {
  mt::Generator g(seed);
  Batch b{mt::normal<float>(Shape{n, features}, 0.0f, 1.0f, g), Tensor<std::int32_t>(Shape{n})};
  for (std::int64_t i = 0; i < n; ++i) b.y[i] = static_cast<std::int32_t>(i % 3);
  return b;
}
std::vector<float> snapshot(const std::vector<mt::TensorView<float>>& ts) {
  std::vector<float> out;
  for (auto& t : ts) out.insert(out.end(), t.begin(), t.end());
  return out;
}
}  // namespace

TEST(MixedFloat16, InjectedInfSkipsTheStepAndLeavesEveryBitInPlace) {
  mt::Sequential<F16> m(Shape{5}, mt::Seed{4}, mt::Dense(8), mt::ReLU(), mt::Dense(3));
  mt::Adam opt(m);
  mt::LossScaler scaler;
  mt::SoftmaxCrossEntropy loss_fn;
  auto b = batch(16, 5, 1);
  auto x = mt::checked_cast<mt::half>(b.x32);
  auto train_step = [&](bool inject) {
    auto loss = loss_fn(m.forward(x.view(), mt::Mode::train), b.y.view());
    auto scaled = m.backward(scaler.scale(loss));
    if (inject) scaled.parameters()[2]->grad[1] = std::numeric_limits<float>::infinity();
    auto grads = scaler.unscale(std::move(scaled));
    return opt.step(std::move(grads), scaler);
  };
  ASSERT_TRUE(train_step(false).applied);
  std::vector<float> masters, computes_bits;
  for (auto* p : m.parameters()) masters.insert(masters.end(), p->master.begin(), p->master.end());
  const auto m1 = snapshot(opt.first_moments()), m2 = snapshot(opt.second_moments());
  const float scale = scaler.loss_scale();

  const auto out = train_step(true);
  EXPECT_FALSE(out.applied);
  EXPECT_EQ(out.scale, scale / 2);
  EXPECT_EQ(out.step, 1);
  EXPECT_EQ(scaler.skipped_steps(), 1);
  std::vector<float> after;
  for (auto* p : m.parameters()) after.insert(after.end(), p->master.begin(), p->master.end());
  ASSERT_EQ(after.size(), masters.size());
  EXPECT_EQ(std::memcmp(after.data(), masters.data(), after.size() * sizeof(float)), 0);
  const auto a1 = snapshot(opt.first_moments()), a2 = snapshot(opt.second_moments());
  EXPECT_EQ(std::memcmp(a1.data(), m1.data(), a1.size() * sizeof(float)), 0);
  EXPECT_EQ(std::memcmp(a2.data(), m2.data(), a2.size() * sizeof(float)), 0);

  const auto next = train_step(false);  // training goes on
  EXPECT_TRUE(next.applied);
  EXPECT_EQ(next.step, 2);
}

// Gradients of about 1e-8 (a loss weighted by 1e-8) are below float16's smallest subnormal
// (6e-8): without scaling they flush to zero and nothing learns; with the default scale of
// 65536 they survive, and Adam (invariant to the gradients' magnitude) learns.
TEST(MixedFloat16, LossScalingRescuesGradientsThatUnderflow) {
  auto run = [](mt::LossScaler scaler, double* first_loss) {
    mt::Sequential<F16> m(Shape{4}, mt::Seed{9}, mt::Dense(1));
    mt::Adam opt(m, {.lr = 1e-2f});
    mt::Generator g(5);
    auto x32 = mt::normal<float>(Shape{32, 4}, 0.0f, 1.0f, g);
    Tensor<float> t(Shape{32, 1});
    for (std::int64_t i = 0; i < 32; ++i)
      t[i] = 0.5f * x32(i, 0) - 1.0f * x32(i, 1) + 0.25f * x32(i, 3) + 0.3f;
    auto x = mt::checked_cast<mt::half>(x32);
    mt::MeanSquaredError mse;
    Tensor<float> tiny(Shape{32, 1});
    double loss = 0;
    for (int step = 0; step < 300; ++step) {
      auto l = mse(m.forward(x.view(), mt::Mode::train), t.view());
      if (step == 0) *first_loss = l.value();
      loss = l.value();
      for (std::int64_t i = 0; i < 32; ++i) tiny[i] = l.grad()[i] * 1e-8f;
      auto grads = scaler.unscale(m.backward(scaler.scale(mt::LossValue<mt::Cpu>{l.value() * 1e-8f, tiny.clone()})));
      (void)opt.step(std::move(grads), scaler);
    }
    return loss;
  };
  double start_scaled = 0, start_unscaled = 0;
  const double scaled = run(mt::LossScaler(), &start_scaled);
  const double unscaled = run(mt::LossScaler::fixed(1.0f), &start_unscaled);
  EXPECT_LT(scaled, 0.05 * start_scaled) << "with loss scaling the model learns";
  EXPECT_EQ(unscaled, start_unscaled) << "without it every float16 gradient is zero";
}

// First-step parameter gradients under the 16-bit policies against float32's (same seed,
// same masters, same batch): within the compute dtype's precision.
TEST(MixedPrecision, FirstStepGradientsAgreeWithFloat32) {
  auto b = batch(32, 6, 3);
  auto grads_of = [&](auto model, bool scaled) {
    mt::SoftmaxCrossEntropy loss_fn;
    using M = typename decltype(model)::element_type;
    using T = typename M::T;
    auto x = mt::cast<T>(b.x32);
    auto loss = loss_fn(model->forward(x.view(), mt::Mode::train), b.y.view());
    std::vector<float> g;
    if (scaled) {
      mt::LossScaler s;
      auto gr = s.unscale(model->backward(s.scale(loss)));
      EXPECT_FALSE(gr.overflowed());
    } else if constexpr (!M::policy_type::needs_loss_scaling) {
      (void)model->backward(loss);
    }
    for (auto* p : model->parameters()) g.insert(g.end(), p->grad.begin(), p->grad.end());
    return g;
  };
  auto make = [](auto policy) {
    using P = decltype(policy);
    return std::make_unique<mt::Sequential<P>>(Shape{6}, mt::Seed{12}, mt::Dense(16), mt::Tanh(),
                                               mt::Dense(3));
  };
  const auto g32 = grads_of(make(F32{}), false);
  const auto g16 = grads_of(make(F16{}), true);
  const auto gb16 = grads_of(make(BF16{}), false);
  double scale = 0;
  for (float v : g32) scale = std::max(scale, double(std::abs(v)));
  double e16 = 0, eb16 = 0;
  for (std::size_t i = 0; i < g32.size(); ++i) {
    e16 = std::max(e16, std::abs(double(g16[i]) - g32[i]) / scale);
    eb16 = std::max(eb16, std::abs(double(gb16[i]) - g32[i]) / scale);
  }
  EXPECT_LT(e16, 5e-3) << "float16: 11-bit significands";
  EXPECT_LT(eb16, 4e-2) << "bfloat16: 8-bit significands";
  EXPECT_GT(eb16, 0.0) << "the 16-bit path really ran in 16 bits";
}

// The forward of m (Dense(4) first) on x throws NumericsError naming that Dense layer's output.
template <class Model, class X>
void expect_dense_output_has_8_infs(Model& m, const X& x) {
  try {
    (void)m.forward(x.view());
    FAIL() << "expected NumericsError";
  } catch (const mt::NumericsError& e) {
    EXPECT_STREQ(e.what(),
                 "check_numerics: layer 0 'dense' (Dense), forward pass: output (2, 4) holds 8 "
                 "non-finite values (8 inf, 0 NaN)");
  }
}

TEST(CheckNumerics, NamesTheFirstLayerPassAndTensor) {
  mt::Sequential<F16> m(Shape{3}, mt::Dense(4), mt::ReLU(), mt::Dense(2));
  m.check_numerics(true);
  mt::ops::fill(mt::default_context<mt::Cpu>(), m.parameters()[0]->master, 30000.0f);  // x W overflows half's 65504
  m.parameters()[0]->refresh_compute();
  auto x = mt::full<mt::half>(Shape{2, 3}, 1.0f);
  expect_dense_output_has_8_infs(m, x);
  m.check_numerics(false);
  EXPECT_NO_THROW((void)m.forward(x.view()));  // off: infs flow on, unchecked
}

// Dense + ReLU run fused (Layer::fuses), and ReLU(-inf) = 0 would hide the Dense layer's -inf:
// with check_numerics on they run apart and the Dense output is checked, also when it is
// switched on after a fused forward.
TEST(CheckNumerics, SeesTheOutputAFusedActivationWouldHide) {
  mt::Sequential<F16> m(Shape{3}, mt::Dense(4), mt::ReLU(), mt::Dense(2));
  mt::ops::fill(mt::default_context<mt::Cpu>(), m.parameters()[0]->master, -30000.0f);  // x W = -inf in half
  m.parameters()[0]->refresh_compute();
  auto x = mt::full<mt::half>(Shape{2, 3}, 1.0f);
  EXPECT_NO_THROW((void)m.forward(x.view()));  // unchecked: ReLU makes every -inf 0
  m.check_numerics(true);
  expect_dense_output_has_8_infs(m, x);
}

TEST(CheckedCast, ValuesBeyondHalfAreAnErrorAtTheInputCast) {
  Tensor<float> x(Shape{4});
  x[2] = 70000.0f;
  try {
    (void)mt::checked_cast<mt::half>(x);
    FAIL();
  } catch (const mt::NumericsError& e) {
    EXPECT_STREQ(e.what(), "input cast to float16: element 2 is 70000, outside float16's finite "
                           "range (|x| <= 65504); scale or standardise the data first");
  }
  EXPECT_NO_THROW((void)mt::checked_cast<mt::bfloat16>(x));  // bfloat16 has float32's range
  x[2] = std::numeric_limits<float>::quiet_NaN();
  EXPECT_THROW((void)mt::checked_cast<mt::bfloat16>(x), mt::NumericsError);
}
