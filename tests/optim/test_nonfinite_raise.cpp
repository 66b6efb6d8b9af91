// tests/optim/test_nonfinite_raise.cpp: opt.on_nonfinite(Nonfinite::raise). A written-out
// training loop can ask for a NumericsError naming the step and the first parameter with a
// non-finite gradient instead of a skipped step; weights, moments and the scaler are left as
// they were. Under a LossScaler a float16 overflow still only backs the scale off; a
// non-finite loss or a static scale raises.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "mantissa/mantissa.hpp"

namespace mt = mantissa;
using mt::Shape;
using F32 = mt::policy::float32;
using BF16 = mt::policy::mixed_bfloat16;
using F16 = mt::policy::mixed_float16;

namespace {

#define EXPECT_HAS(what, word) \
  EXPECT_NE(std::string(what).find(word), std::string::npos) << "'" << (word) << "' not in: " << (what)

template <class P>
auto small_model() {
  return std::make_unique<mt::Sequential<P>>(Shape{4, 4, 1}, mt::Seed{2}, mt::Flatten(),
                                             mt::Dense(8), mt::ReLU(), mt::Dense(4));
}

template <class P>
std::vector<float> masters(mt::Sequential<P>& m) {
  std::vector<float> w;
  for (auto* p : m.parameters()) w.insert(w.end(), p->master.begin(), p->master.end());
  return w;
}

// One batch of 8 images (4x4x1) in the compute dtype, NaN in the first pixel when `nan`.
template <class T>
struct Batch {
  explicit Batch(bool nan) : x(Shape{8, 4, 4, 1}), y(Shape{8}) {
    for (std::int64_t i = 0; i < x.numel(); ++i) x[i] = T(static_cast<float>(i % 7) / 7.0f);
    for (std::int64_t i = 0; i < y.numel(); ++i) y[i] = static_cast<std::int32_t>(i % 4);
    if (nan) x[0] = T(std::numeric_limits<float>::quiet_NaN());
  }
  mt::Tensor<T> x;
  mt::Tensor<std::int32_t> y;
};

// The message of a raising step: the optimizer, the step, the count, the first parameter.
void expect_raise_message(const std::string& what, const std::string& step,
                          const std::string& parameter, const std::string& why) {
  EXPECT_HAS(what, "Adam: " + step);
  EXPECT_HAS(what, "gradient values are inf or NaN");
  EXPECT_HAS(what, "the first in '" + parameter + "'");
  EXPECT_HAS(what, why);
  EXPECT_HAS(what, "Nonfinite::skip");
}

}  // namespace

// float32 and bfloat16: the first step with a NaN gradient raises, naming step 1 and the
// first kernel (the NaN pixel reaches it first); nothing changed, and the next finite batch
// steps as usual.
template <class P>
void plain_step_raises() {
  using T = typename P::compute;
  auto m = small_model<P>();
  mt::Adam opt(*m, {.lr = 1e-2f});
  EXPECT_EQ(opt.on_nonfinite(), mt::Nonfinite::skip);
  opt.on_nonfinite(mt::Nonfinite::raise);
  EXPECT_EQ(opt.on_nonfinite(), mt::Nonfinite::raise);
  mt::SoftmaxCrossEntropy ce;
  auto step = [&](const Batch<T>& b) { return opt.step(m->backward(ce(m->forward(b.x, mt::Mode::train), b.y))); };
  const Batch<T> good(false), bad(true);
  EXPECT_TRUE(step(good).applied);
  const auto before = masters(*m);
  std::vector<float> m1;
  for (auto v : opt.first_moments()) m1.insert(m1.end(), v.begin(), v.end());
  try {
    (void)step(bad);
    ADD_FAILURE() << "a NaN gradient was skipped silently";
  } catch (const mt::NumericsError& e) {
    expect_raise_message(e.what(), "step 2 (after 1 applied)", m->parameters()[0]->name, "");
  }
  EXPECT_EQ(opt.steps(), 1);
  EXPECT_EQ(masters(*m), before);
  std::vector<float> m1_after;
  for (auto v : opt.first_moments()) m1_after.insert(m1_after.end(), v.begin(), v.end());
  EXPECT_EQ(m1_after, m1);
  EXPECT_TRUE(step(good).applied);
  EXPECT_EQ(opt.steps(), 2);
  // Back to skip: the same batch is skipped and counted.
  opt.on_nonfinite(mt::Nonfinite::skip);
  EXPECT_FALSE(step(bad).applied);
}
TEST(NonfiniteRaise, Float32PlainStepRaises) { plain_step_raises<F32>(); }
TEST(NonfiniteRaise, BFloat16PlainStepRaises) { plain_step_raises<BF16>(); }

// The gradients a raising step refused are used up: stepping them again is a StateError.
TEST(NonfiniteRaise, TheRefusedGradientsAreUsedUp) {
  auto m = small_model<F32>();
  mt::SGD opt(*m, {.lr = 0.1f});
  opt.on_nonfinite(mt::Nonfinite::raise);
  mt::SoftmaxCrossEntropy ce;
  const Batch<float> bad(true);
  auto grads = m->backward(ce(m->forward(bad.x, mt::Mode::train), bad.y));
  EXPECT_THROW((void)opt.step(std::move(grads)), mt::NumericsError);
  EXPECT_THROW((void)opt.step(std::move(grads)), mt::StateError);  // NOLINT: used after move
}

// mixed_float16 with a dynamic scaler: a finite loss whose scaled gradients overflow float16
// is the scaler's business (skipped, scale halved), even under raise; a NaN loss raises
// (no scale mends it), the scaler untouched.
TEST(NonfiniteRaise, Float16OverflowBacksOffButANonFiniteLossRaises) {
  auto m = small_model<F16>();
  mt::Adam opt(*m, {.lr = 1e-2f});
  opt.on_nonfinite(mt::Nonfinite::raise);
  mt::LossScaler scaler({.init_scale = 1e30f, .max_scale = 1e30f});  // 1e30 * dL overflows half
  mt::SoftmaxCrossEntropy ce;
  auto step = [&](const Batch<mt::half>& b) {
    auto loss = ce(m->forward(b.x, mt::Mode::train), b.y);
    return opt.step(scaler.unscale(m->backward(scaler.scale(loss))), scaler);
  };
  const Batch<mt::half> good(false), bad(true);
  const auto out = step(good);
  EXPECT_FALSE(out.applied);
  EXPECT_EQ(scaler.loss_scale(), 5e29f);
  EXPECT_EQ(scaler.skipped_steps(), 1);

  const auto state = scaler.state();
  const auto before = masters(*m);
  try {
    (void)step(bad);
    ADD_FAILURE() << "a NaN loss was skipped as an overflow";
  } catch (const mt::NumericsError& e) {
    expect_raise_message(e.what(), "step 1 (after 0 applied)", m->parameters()[0]->name,
                         "the loss itself is nan, which no loss scale mends");
  }
  EXPECT_EQ(scaler.state(), state);
  EXPECT_EQ(masters(*m), before);
  EXPECT_EQ(opt.steps(), 0);
}

// A static scale cannot back off: an overflow at it raises under raise (and is skipped under
// skip, as before).
TEST(NonfiniteRaise, Float16StaticScaleOverflowRaises) {
  auto m = small_model<F16>();
  mt::Adam opt(*m, {.lr = 1e-2f});
  auto scaler = mt::LossScaler::fixed(1e30f);
  mt::SoftmaxCrossEntropy ce;
  const Batch<mt::half> good(false);
  auto step = [&] {
    auto loss = ce(m->forward(good.x, mt::Mode::train), good.y);
    return opt.step(scaler.unscale(m->backward(scaler.scale(loss))), scaler);
  };
  EXPECT_FALSE(step().applied);
  EXPECT_EQ(scaler.skipped_steps(), 1);
  opt.on_nonfinite(mt::Nonfinite::raise);
  try {
    (void)step();
    ADD_FAILURE() << "an overflow at a static scale was skipped";
  } catch (const mt::NumericsError& e) {
    EXPECT_HAS(e.what(), "the loss scale is static (1e+30), so no smaller one will be tried");
    EXPECT_HAS(e.what(), "step 1 (after 0 applied)");
  }
  EXPECT_EQ(scaler.skipped_steps(), 1);
  EXPECT_EQ(scaler.loss_scale(), 1e30f);
}

// A loss object run again before the step: its value is gone, so the step cannot tell a NaN
// loss from an overflow and treats it as an overflow (skipped, scale halved).
TEST(NonfiniteRaise, AStaleLossIsTreatedAsAnOverflow) {
  auto m = small_model<F16>();
  mt::Adam opt(*m, {.lr = 1e-2f});
  opt.on_nonfinite(mt::Nonfinite::raise);
  mt::LossScaler scaler;
  mt::SoftmaxCrossEntropy ce;
  const Batch<mt::half> bad(true);
  auto scaled = m->backward(scaler.scale(ce(m->forward(bad.x, mt::Mode::train), bad.y)));
  (void)ce(m->forward(bad.x, mt::Mode::train), bad.y);  // the loss object runs again: the first value is stale
  const auto out = opt.step(scaler.unscale(std::move(scaled)), scaler);
  EXPECT_FALSE(out.applied);
  EXPECT_EQ(scaler.loss_scale(), 32768.0f);
}
