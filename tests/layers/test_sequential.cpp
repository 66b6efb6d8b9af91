// tests/layers/test_sequential.cpp: shape inference errors (word for word), summary(),
// allocation-free steps, and a model that learns two spirals.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <sstream>

#include "mantissa/mantissa.hpp"

namespace mt = mantissa;
using mt::Shape;
using mt::Tensor;
using P32 = mt::policy::float32;

namespace {
std::string shape_error_of(auto&& build) {
  try {
    build();
  } catch (const mt::ShapeError& e) {
    return e.what();
  }
  return "(no ShapeError)";
}
}  // namespace

TEST(Sequential, DenseFedAnImageWithoutFlattenNamesTheLayer) {
  EXPECT_EQ(shape_error_of([] {
              mt::Sequential<P32> m(Shape{28, 28, 1}, mt::Dense(128), mt::ReLU(), mt::Dense(10));
            }),
            "Sequential: layer 0 'dense' (Dense): got input shape (28, 28, 1) but needs a 1-D "
            "input (features,) per sample; add Flatten() before it");
  EXPECT_EQ(shape_error_of([] {
              mt::Sequential<P32> m(Shape{4}, mt::Dense(8), mt::ReLU(), mt::Dense(8),
                                    mt::Softmax(), mt::BatchNorm(), mt::Dense(0));
            }),
            "Sequential: layer 5 'dense_2' (Dense): units must be at least 1, got 0");
}

TEST(Sequential, ConvKernelLargerThanItsValidInputNamesBothSizes) {
  EXPECT_EQ(shape_error_of([] {
              mt::Sequential<P32> m(Shape{28, 28, 1}, mt::Conv2D(8, 3), mt::MaxPool2D(2),
                                    mt::Conv2D(8, 3), mt::MaxPool2D(2), mt::Conv2D(8, 7));
            }),
            "Sequential: layer 4 'conv2d_2' (Conv2D): got input shape (5, 5, 8) but needs a "
            "height and width of at least the kernel size (7, 7) under valid padding (the "
            "kernel is larger than the 5 x 5 image); use same padding or a smaller kernel");
}

TEST(Sequential, ReferenceCnnHas421642Parameters) {
  mt::Sequential<mt::policy::mixed_float16> m(
      Shape{28, 28, 1}, mt::Conv2D(32, 3, mt::same), mt::ReLU(), mt::MaxPool2D(2),
      mt::Conv2D(64, 3, mt::same), mt::ReLU(), mt::MaxPool2D(2), mt::Flatten(), mt::Dense(128),
      mt::ReLU(), mt::Dense(10));
  EXPECT_EQ(m.parameter_count(), 421642);
  std::ostringstream os;
  m.summary(os);
  EXPECT_NE(os.str().find("Total params: 421,642"), std::string::npos) << os.str();
  EXPECT_NE(os.str().find(" conv2d_1 (Conv2D)              (None, 14, 14, 64)               18,496"),
            std::string::npos) << os.str();
  EXPECT_EQ(m.output_shape(), (Shape{10}));
}

TEST(Sequential, ForwardWithTheWrongSampleShapeSaysWhatItWasBuiltFor) {
  mt::Sequential<P32> m(Shape{28, 28, 1}, mt::Flatten(), mt::Dense(10));
  Tensor<float> x(Shape{8, 28, 28, 3});
  EXPECT_EQ(shape_error_of([&] { (void)m.forward(x.view()); }),
            "Sequential::forward: got a batch of shape (8, 28, 28, 3) but the model was built "
            "for samples of shape (28, 28, 1), i.e. batches of shape (8, 28, 28, 1)");
}

TEST(Sequential, SummaryListsLayersShapesAndParameterCounts) {
  mt::Sequential<mt::policy::mixed_float16> m(Shape{784}, mt::Dense(256), mt::ReLU(),
                                              mt::Dense(256), mt::ReLU(), mt::Dense(10));
  std::ostringstream os;
  m.summary(os);
  const std::string s = os.str();
  EXPECT_NE(s.find("policy mixed_float16, device cpu"), std::string::npos) << s;
  EXPECT_NE(s.find(" dense (Dense)                  (None, 256)                     200,960"),
            std::string::npos) << s;
  EXPECT_NE(s.find(" relu_1 (ReLU)                  (None, 256)                           0"),
            std::string::npos) << s;
  EXPECT_NE(s.find("Total params: 269,322"), std::string::npos) << s;
  EXPECT_EQ(m.parameter_count(), 784 * 256 + 256 + 256 * 256 + 256 + 256 * 10 + 10);
  EXPECT_EQ(m.parameters()[0]->name, "dense/kernel");
  EXPECT_EQ(m.parameters()[5]->name, "dense_2/bias");
}

TEST(Sequential, TrainingStepsAllocateNothingAfterReserve) {
  mt::Sequential<P32> m(Shape{6}, mt::Dense(16), mt::ReLU(), mt::Dropout(0.1f),
                        mt::BatchNorm(), mt::Dense(3));
  m.reserve(32);
  mt::Adam opt(m);
  mt::SoftmaxCrossEntropy loss_fn;
  mt::Generator gen(2);
  auto x = mt::normal<float>(Shape{32, 6}, 0.0f, 1.0f, gen);
  auto y = mt::full<std::int32_t>(Shape{32}, 1);
  auto step = [&](std::int64_t n) {
    auto logits = m.forward(x.slice(0, n), mt::Mode::train);
    auto loss = loss_fn(logits, y.slice(0, n));
    auto grads = m.backward(loss);
    (void)mt::clip_grad_norm(grads, 1.0f);
    (void)opt.step(std::move(grads));
  };
  step(32);  // the loss grows its gradient buffer once
  const auto before = mt::cpu_allocation_stats();
  for (int i = 0; i < 5; ++i) step(i % 2 ? 32 : 17);  // smaller batches reuse the buffers
  const auto after = mt::cpu_allocation_stats();
  EXPECT_EQ(after.allocations, before.allocations);
  EXPECT_EQ(after.live_bytes, before.live_bytes);
}

// Two interleaved spirals (the classic non-linear benchmark), 2 x 300 points.
TEST(Sequential, LearnsTwoSpiralsTo99Percent) {
  const std::int64_t per = 300, n = 2 * per;
  Tensor<float> x(Shape{n, 2});
  Tensor<std::int32_t> y(Shape{n});
  for (std::int64_t i = 0; i < per; ++i) {
    const double t = 0.25 + 3.0 * std::numbers::pi * double(i) / double(per);  // 1.5 turns
    for (int c = 0; c < 2; ++c) {
      const double a = t + c * std::numbers::pi;
      const std::int64_t row = 2 * i + c;
      x(row, 0) = float(t * std::cos(a) / 10.0);
      x(row, 1) = float(t * std::sin(a) / 10.0);
      y[row] = c;
    }
  }
  mt::Sequential<P32> m(Shape{2}, mt::Seed{3}, mt::Dense(64), mt::Tanh(), mt::Dense(64),
                        mt::Tanh(), mt::Dense(2));
  mt::Adam opt(m, {.lr = 1e-2f});
  mt::SoftmaxCrossEntropy loss_fn;
  float acc = 0.0f;
  int epoch = 0;
  for (; epoch < 1500 && acc < 0.995f; ++epoch) {
    auto logits = m.forward(x.view(), mt::Mode::train);
    auto loss = loss_fn(logits, y.view());
    (void)opt.step(m.backward(loss));
    acc = mt::accuracy(m.forward(x.view(), mt::Mode::infer), y.view());
  }
  EXPECT_GE(acc, 0.99f) << "after " << epoch << " epochs";
  RecordProperty("epochs", epoch);
}
