// tests/optim/test_fit_tensors.cpp: fit / evaluate / predict on tensors (fit_tensors.hpp)
// against the loader forms they are built on, bit for bit; validation_split's held-out rows;
// the validation set as fit's own argument; the loss passed any way; what is refused.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "mantissa/mantissa.hpp"

namespace mt = mantissa;
using mt::Shape;
using F32 = mt::policy::float32;
using BF16 = mt::policy::mixed_bfloat16;
using F16 = mt::policy::mixed_float16;

#define EXPECT_HAS(what, word) \
  EXPECT_NE(std::string(what).find(word), std::string::npos) << (what) << "\n  lacks: " << (word)

namespace {

// n samples of 4 features; the class (0..2) is the largest of the first three features.
struct Blobs {
  mt::Tensor<float> x;
  mt::Tensor<std::int32_t> y;
  mt::Tensor<float> binary;  // 0/1 targets: feature 0 > feature 1
};
Blobs blobs(std::int64_t n, std::uint64_t seed) {
  mt::Generator gen(seed);
  Blobs b{mt::normal<float>({n, 4}, 0.0f, 1.0f, gen), mt::Tensor<std::int32_t>(Shape{n}),
          mt::Tensor<float>(Shape{n})};
  for (std::int64_t i = 0; i < n; ++i) {
    int best = 0;
    for (int k = 1; k < 3; ++k)
      if (b.x(i, k) > b.x(i, best)) best = k;
    b.y[i] = best;
    b.binary[i] = b.x(i, 0) > b.x(i, 1) ? 1.0f : 0.0f;
  }
  return b;
}

template <class P>
mt::Sequential<P> model(std::int64_t outputs = 3) {
  return mt::Sequential<P>(Shape{4}, mt::Seed{7}, mt::Dense(8), mt::ReLU(), mt::Dense(outputs));
}

template <class P>
std::vector<float> masters(mt::Sequential<P>& m) {
  std::vector<float> w;
  for (auto* p : m.parameters()) w.insert(w.end(), p->master.begin(), p->master.end());
  return w;
}

template <class P>
void expect_same_weights(mt::Sequential<P>& a, mt::Sequential<P>& b) {
  const auto wa = masters(a), wb = masters(b);
  ASSERT_EQ(wa.size(), wb.size());
  EXPECT_EQ(std::memcmp(wa.data(), wb.data(), wa.size() * sizeof(float)), 0);
}

// fit under P, with the loss scaler P needs.
template <class P, class... Args>
mt::History train(mt::Sequential<P>& m, Args&&... args) {
  mt::Adam opt(m, {.lr = 1e-2f});
  if constexpr (P::needs_loss_scaling) {
    mt::LossScaler scaler;
    return mt::fit(m, opt, scaler, mt::SoftmaxCrossEntropy{}, std::forward<Args>(args)...);
  } else {
    return mt::fit(m, opt, mt::SoftmaxCrossEntropy{}, std::forward<Args>(args)...);
  }
}

template <class P>
void tensor_fit_equals_loader_fit() {
  using T = typename P::compute;
  const auto d = blobs(50, 1);
  auto a = model<P>(), b = model<P>();
  const auto ha = train(a, d.x, d.y,
                        mt::FitOptions{.epochs = 3, .progress = false, .batch_size = 8, .seed = 5});
  mt::data::TabularLoader<T> loader(d.x, d.y, {.batch = 8, .shuffle = true, .seed = 5});
  const auto hb = train(b, loader, mt::FitOptions{.epochs = 3, .progress = false});
  expect_same_weights(a, b);
  ASSERT_EQ(ha.epochs.size(), 3u);
  for (std::size_t e = 0; e < 3; ++e) {
    EXPECT_EQ(ha.epochs[e].loss, hb.epochs[e].loss);
    EXPECT_EQ(ha.epochs[e].accuracy, hb.epochs[e].accuracy);
  }
  EXPECT_LT(ha.epochs.back().loss, ha.epochs.front().loss);
}

}  // namespace

// On a device that uploads asynchronously, fit gathers a TabularLoader's batches straight into
// the pinned staging buffer (batch_feed.hpp), as an ImageLoader's.
static_assert(
    mt::detail::fills_into<mt::data::TabularLoader<mt::bfloat16, float>, mt::bfloat16, float>);
static_assert(mt::detail::fills_into<mt::data::TabularLoader<mt::half>, mt::half, std::int32_t>);

TEST(FitTensors, Float32EqualsTheLoaderFitBitForBit) {
  tensor_fit_equals_loader_fit<F32>();
}
TEST(FitTensors, BFloat16EqualsTheLoaderFitBitForBit) {
  tensor_fit_equals_loader_fit<BF16>();
}
TEST(FitTensors, Float16EqualsTheLoaderFitBitForBit) {
  tensor_fit_equals_loader_fit<F16>();
}

// Keras's rule: the first ceil(N * (1 - split)) rows train, the rest are validated, unshuffled.
TEST(FitTensors, ValidationSplitHoldsOutExactlyTheLastRows) {
  const auto d = blobs(10, 2);
  auto a = model<F32>(), b = model<F32>();
  const auto ha = train(a, d.x, d.y,
                        mt::FitOptions{.epochs = 2,
                                       .progress = false,
                                       .batch_size = 3,
                                       .seed = 4,
                                       .validation_split = 0.25});  // ceil(7.5): 8
  // The same run on rows 0..7 with rows 8, 9 as the validation set.
  mt::data::TabularLoader<float> first8(d.x.slice(0, 8), d.y.slice(0, 8), {.batch = 3, .seed = 4});
  mt::data::TabularLoader<float> last2(d.x.slice(8, 10), d.y.slice(8, 10),
                                       {.batch = 3, .shuffle = false});
  const auto hb = train(b, first8, last2, mt::FitOptions{.epochs = 2, .progress = false});
  expect_same_weights(a, b);
  ASSERT_EQ(ha.epochs.size(), 2u);
  for (std::size_t e = 0; e < 2; ++e) {
    EXPECT_FALSE(std::isnan(ha.epochs[e].val_loss));
    EXPECT_EQ(ha.epochs[e].val_loss, hb.epochs[e].val_loss);
    EXPECT_EQ(ha.epochs[e].val_accuracy, hb.epochs[e].val_accuracy);
  }
  // And it is the last two rows' evaluation, after the last epoch.
  const auto ev = mt::evaluate(a, mt::SoftmaxCrossEntropy{}, d.x.slice(8, 10), d.y.slice(8, 10));
  EXPECT_EQ(ev.loss, ha.epochs.back().val_loss);
  // Without a split there is no validation.
  auto c = model<F32>();
  const auto hc = train(c, d.x, d.y, mt::FitOptions{.progress = false});
  EXPECT_TRUE(std::isnan(hc.epochs[0].val_loss));
}

TEST(FitTensors, EvaluateAndPredictOnTensorsMatchTheModel) {
  const auto d = blobs(37, 3);
  auto m = model<F32>();
  (void)train(m, d.x, d.y, mt::FitOptions{.epochs = 2, .progress = false, .batch_size = 16});
  const auto p = mt::predict(m, d.x, 10);  // 4 batches, the last partial
  ASSERT_EQ(p.shape(), (Shape{37, 3}));
  const auto direct = m.forward(d.x.view(), mt::Mode::infer);
  for (std::int64_t i = 0; i < p.numel(); ++i) ASSERT_NEAR(p[i], direct.data()[i], 1e-5) << i;
  const auto ev = mt::evaluate(m, mt::SoftmaxCrossEntropy{}, d.x, d.y, 8);
  EXPECT_NEAR(ev.accuracy, mt::accuracy(p, d.y), 1e-6);
  mt::SoftmaxCrossEntropy ce;
  EXPECT_NEAR(ev.loss, ce(p, d.y).value(), 1e-5);
}

// Float targets: accuracy is binary (logit > 0 against target >= 0.5).
TEST(FitTensors, FloatTargetsWithBinaryCrossEntropy) {
  const auto d = blobs(64, 4);
  auto m = model<BF16>(1);
  mt::Adam opt(m, {.lr = 2e-2f});
  const auto h = mt::fit(
      m, opt, mt::BinaryCrossEntropy{}, d.x, d.binary,
      {.epochs = 20, .progress = false, .batch_size = 16, .seed = 1, .validation_split = 0.25});
  EXPECT_GT(h.epochs.back().accuracy, 0.8);
  const auto p = mt::predict(m, d.x);
  ASSERT_EQ(p.shape(), (Shape{64, 1}));
  const auto ev = mt::evaluate(m, mt::BinaryCrossEntropy{}, d.x, d.binary);
  EXPECT_NEAR(ev.accuracy, mt::binary_accuracy(p, d.binary), 1e-6);
}

// x of another floating dtype is cast to the compute dtype on the way in, checked.
TEST(FitTensors, FeaturesOfAnyFloatingDtypeAreCastAndChecked) {
  const auto d = blobs(16, 5);
  const auto xh = mt::cast<mt::half>(d.x);
  auto a = model<F32>(), b = model<F32>();
  const auto x_back = mt::cast<float>(xh);  // the half values, widened exactly
  (void)train(a, xh, d.y, mt::FitOptions{.progress = false, .batch_size = 4});
  (void)train(b, x_back, d.y, mt::FitOptions{.progress = false, .batch_size = 4});
  expect_same_weights(a, b);

  auto big = d.x.clone();
  big(5, 2) = 70000.0f;  // beyond half's 65504
  auto h = model<F16>();
  try {
    (void)train(h, big, d.y, mt::FitOptions{.progress = false});
    ADD_FAILURE() << "a float16 model trained on 70000";
  } catch (const mt::NumericsError& e) {
    EXPECT_HAS(e.what(), "sample 5, feature 2");
    EXPECT_HAS(e.what(), "70000");
    EXPECT_HAS(e.what(), "float16");
  }
  EXPECT_THROW((void)mt::predict(h, big), mt::NumericsError);
}

TEST(FitTensors, Refusals) {
  const auto d = blobs(12, 6);
  auto m = model<F32>();
  mt::Adam opt(m);
  auto fit = [&](const mt::FitOptions& o) {
    (void)mt::fit(m, opt, mt::SoftmaxCrossEntropy{}, d.x, d.y, o);
  };
  try {
    fit({.progress = false, .validation_split = 1.0});
    ADD_FAILURE();
  } catch (const mt::ValueError& e) {
    EXPECT_HAS(e.what(), "validation_split must be in [0, 1)");
  }
  try {
    fit({.progress = false, .batch_size = 0});
    ADD_FAILURE();
  } catch (const mt::ValueError& e) {
    EXPECT_HAS(e.what(), "batch_size must be >= 1, got 0");
  }
  const auto wrong = mt::Tensor<std::int32_t>(Shape{11});
  EXPECT_THROW((void)mt::fit(m, opt, mt::SoftmaxCrossEntropy{}, d.x, wrong, {.progress = false}),
               mt::ShapeError);
  // A loader batches and shuffles itself: the tensor options are refused, by name.
  mt::data::TabularLoader<float> loader(d.x, d.y);
  try {
    (void)mt::fit(m, opt, mt::SoftmaxCrossEntropy{}, loader,
                  {.progress = false, .batch_size = 4, .validation_split = 0.5});
    ADD_FAILURE();
  } catch (const mt::ValueError& e) {
    EXPECT_HAS(e.what(), "batch_size, validation_split given with a loader");
  }
  EXPECT_EQ(opt.steps(), 0);
}

// The loss named, as a temporary, by reference or const: fit and evaluate take each.
TEST(FitTensors, TheLossPassedAnyWay) {
  const auto d = blobs(20, 8);
  mt::data::TabularLoader<float> loader(d.x, d.y, {.batch = 5, .shuffle = false});
  auto m = model<F32>();
  mt::SGD opt(m, {.lr = 0.1f});
  mt::SoftmaxCrossEntropy named;
  mt::SoftmaxCrossEntropy& ref = named;
  const mt::SoftmaxCrossEntropy constant;
  (void)mt::fit(m, opt, named, loader, {.progress = false});
  (void)mt::fit(m, opt, ref, loader, loader, {.progress = false});
  (void)mt::fit(m, opt, constant, d.x, d.y, {.progress = false});
  (void)mt::fit(m, opt, mt::SoftmaxCrossEntropy{}, d.x, d.y, {.progress = false});
  const auto a = mt::evaluate(m, named, loader);
  const auto b = mt::evaluate(m, mt::SoftmaxCrossEntropy{}, loader);
  const auto c = mt::evaluate(m, constant, d.x, d.y, 5);
  const auto e = mt::evaluate(m, ref, d.x, d.y);
  EXPECT_EQ(a.loss, b.loss);
  EXPECT_EQ(a.loss, c.loss);
  EXPECT_NEAR(a.loss, e.loss, 1e-6);  // other batches: another summation order
  EXPECT_EQ(opt.steps(), 4 + 4 + 1 + 1);
}
