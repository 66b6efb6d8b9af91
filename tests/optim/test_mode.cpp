// tests/optim/test_mode.cpp: the training / inference mode. model.forward(x) is inference
// (Dropout the identity, BatchNorm on its running statistics, which it leaves alone), also
// after fit; training is asked for with Mode::train and computes as the layers do in
// training; backward after an inference forward is a StateError naming the mode-dependent
// layer and the fix.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "mantissa/mantissa.hpp"

namespace mt = mantissa;
using mt::Shape;
using F32 = mt::policy::float32;
using F16 = mt::policy::mixed_float16;

namespace {
template <class P = F32>
auto model(std::uint64_t seed = 3) {
  return std::make_unique<mt::Sequential<P>>(Shape{6}, mt::Seed{seed}, mt::Dense(16), mt::ReLU(),
                                             mt::Dropout(0.5f, 7), mt::BatchNorm(), mt::Dense(3));
}
template <class V>  // a host tensor or view, as a vector
auto host(const V& t) {
  using T = std::remove_cv_t<std::remove_pointer_t<decltype(t.data())>>;
  return std::vector<T>(t.data(), t.data() + t.numel());
}
template <class P>
std::vector<float> running(mt::Sequential<P>& m) {
  std::vector<float> all;
  for (auto& [name, t] : m.buffers()) all.insert(all.end(), t->data(), t->data() + t->numel());
  return all;
}
mt::Tensor<float> batch(std::int64_t n, std::uint64_t seed) {
  mt::Generator g(seed);
  return mt::normal<float>(Shape{n, 6}, 1.0f, 2.0f, g);
}
mt::Tensor<std::int32_t> labels(std::int64_t n) {
  mt::Tensor<std::int32_t> y(Shape{n});
  for (std::int64_t i = 0; i < n; ++i) y[i] = static_cast<std::int32_t>(i % 3);
  return y;
}
std::string state_error(auto&& f) {
  try {
    f();
  } catch (const mt::StateError& e) {
    return e.what();
  }
  return "(no StateError)";
}
}  // namespace

TEST(Mode, PlainForwardIsInference) {
  auto m = model();
  const auto x = batch(8, 1);
  const auto stats = running(*m);
  const auto a = host(m->forward(x).clone());
  const auto b = host(m->forward(x).clone());
  const auto c = host(m->forward(x, mt::Mode::infer).clone());
  EXPECT_EQ(a, b) << "two plain forwards differ: Dropout drew a mask";
  EXPECT_EQ(a, c) << "a plain forward is not Mode::infer";
  EXPECT_EQ(running(*m), stats) << "a plain forward updated BatchNorm's running statistics";
  EXPECT_EQ(m->layer(2).depends_on_mode(), true);
  EXPECT_EQ(m->layer(0).depends_on_mode(), false);
  // Training differs: a mask, the batch's statistics, and the running ones move.
  const auto t = host(m->forward(x, mt::Mode::train).clone());
  EXPECT_NE(t, a);
  EXPECT_NE(running(*m), stats);
}

// Mode::train runs every layer in training mode, exactly as the layers themselves (what
// forward's default did before inference became it): bit for bit, with the same running
// statistics after, and the same Dropout position.
TEST(Mode, TrainingForwardIsTheLayersTrainingForward) {
  auto m = model(), twin = model();
  const auto x = batch(8, 2);
  const auto y = m->forward(x, mt::Mode::train).clone();
  auto& ctx = twin->context();
  mt::Tensor<float> in = x.clone();
  for (std::size_t i = 0; i < twin->size(); ++i) {
    const std::int64_t width = i + 1 < twin->size() ? 16 : 3;  // Dense(16) ... Dense(3)
    mt::Tensor<float> out(Shape{8, width});
    twin->layer(i).forward(ctx, out.view(), in.view(), mt::Mode::train);
    in = std::move(out);
  }
  ASSERT_EQ(y.shape(), in.shape());
  EXPECT_EQ(std::memcmp(y.data(), in.data(), y.size_bytes()), 0);
  EXPECT_EQ(running(*m), running(*twin));
  EXPECT_EQ(m->generators()[0].second->offset(), twin->generators()[0].second->offset());
}

TEST(Mode, BackwardAfterAnInferenceForwardNamesTheLayerAndTheFix) {
  auto m = model();
  const auto x = batch(8, 3);
  const auto y = labels(8);
  mt::SoftmaxCrossEntropy loss_fn;
  mt::SGD opt(*m, {.lr = 0.1f});
  auto loss = loss_fn(m->forward(x), y);
  const auto masters = host(m->parameters()[0]->master);
  EXPECT_EQ(state_error([&] { (void)opt.step(m->backward(loss)); }),
            "Sequential::backward: the last forward ran in inference mode (the default; layer 2 "
            "'dropout' (Dropout) computes differently when training), and backward trains from "
            "a training forward: call model.forward(x, Mode::train) before backward");
  EXPECT_EQ(host(m->parameters()[0]->master), masters) << "nothing was trained";
  // The fix works, and after it the rule still holds for every backward.
  EXPECT_TRUE(opt.step(m->backward(loss_fn(m->forward(x, mt::Mode::train), y))).applied);
  auto grads = m->backward(loss_fn(m->forward(x, mt::Mode::train), y));
  auto inferred = loss_fn(m->forward(x), y);
  EXPECT_NE(state_error([&] { (void)m->backward(inferred, std::move(grads)); }).find("inference mode"),
            std::string::npos);
  // A raw output gradient takes the same rule.
  (void)m->forward(x);
  const auto dy = mt::full<float>(Shape{8, 3}, 0.1f);
  EXPECT_NE(state_error([&] { (void)m->backward(dy.view()); }).find("'dropout' (Dropout)"),
            std::string::npos);
}

TEST(Mode, BackwardAfterAnInferenceForwardUnderLossScaling) {
  auto m = model<F16>();
  const auto x = mt::checked_cast<mt::half>(batch(8, 4));
  const auto y = labels(8);
  mt::SoftmaxCrossEntropy loss_fn;
  mt::LossScaler scaler;
  auto loss = loss_fn(m->forward(x), y);
  EXPECT_NE(state_error([&] { (void)m->backward(scaler.scale(loss)); }).find("'dropout' (Dropout)"),
            std::string::npos);
  auto scaled = m->backward(scaler.scale(loss_fn(m->forward(x, mt::Mode::train), y)));
  EXPECT_TRUE(scaled.valid());
}

// A model without mode-dependent layers follows the same rule (adding a Dropout later breaks
// nothing); the message then names no layer.
TEST(Mode, BackwardAlwaysNeedsATrainingForward) {
  mt::Sequential<F32> m(Shape{6}, mt::Dense(4), mt::ReLU(), mt::Dense(3));
  const auto x = batch(4, 5);
  mt::SoftmaxCrossEntropy loss_fn;
  auto loss = loss_fn(m.forward(x), labels(4));
  EXPECT_EQ(state_error([&] { (void)m.backward(loss); }),
            "Sequential::backward: the last forward ran in inference mode (the default), and "
            "backward trains from a training forward: call model.forward(x, Mode::train) "
            "before backward");
  EXPECT_NO_THROW((void)m.backward(loss_fn(m.forward(x, mt::Mode::train), labels(4))));
}

// fit trains in training mode (BatchNorm's running statistics move) and leaves the model in
// none: a plain forward after it is inference, deterministic, changing nothing.
TEST(Mode, AfterFitAPlainForwardIsInference) {
  mt::data::ImageDataset d{mt::Tensor<std::uint8_t>(Shape{64, 2, 3, 1}), mt::Tensor<std::int32_t>(Shape{64})};
  mt::Generator g(9);
  for (std::int64_t i = 0; i < d.images.numel(); ++i) d.images[i] = static_cast<std::uint8_t>(g.block(i)[0] % 256);
  for (std::int64_t i = 0; i < 64; ++i) d.labels[i] = static_cast<std::int32_t>(i % 3);
  mt::data::ImageLoader<float> train(d, {.batch = 16, .seed = 1});
  mt::Sequential<F32> m(Shape{2, 3, 1}, mt::Seed{4}, mt::Flatten(), mt::Dense(16), mt::ReLU(),
                        mt::Dropout(0.5f, 7), mt::BatchNorm(), mt::Dense(3));
  mt::Adam opt(m, {.lr = 1e-2f});
  const auto initial = running(m);
  (void)mt::fit(m, opt, mt::SoftmaxCrossEntropy{}, train, {.epochs = 2, .progress = false});
  const auto trained = running(m);
  EXPECT_NE(trained, initial) << "fit did not train BatchNorm in training mode";
  const auto [x, y] = train.batch(0);
  const auto a = host(m.forward(x).clone());
  const auto b = host(m.forward(x).clone());
  EXPECT_EQ(a, b);
  EXPECT_EQ(a, host(m.forward(x, mt::Mode::infer).clone()));
  EXPECT_EQ(running(m), trained);
}
