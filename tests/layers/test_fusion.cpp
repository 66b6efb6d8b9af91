// tests/layers/test_fusion.cpp: an activation fused into the layer before it. The fused ops
// (ops::bias_activation, ops::activation_backward_bias_grad) against the separate passes, bit
// for bit, on special values and on 1 and 2 threads; and Sequential, which fuses Conv2D / Dense
// with the activation after them, against the same layers run one by one by hand.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "mantissa/mantissa.hpp"

namespace mt = mantissa;
using mt::Shape;
using mt::Tensor;

namespace {

template <class T>
std::uint32_t bits_of(T v) {
  if constexpr (std::is_same_v<T, float>) return std::bit_cast<std::uint32_t>(v);
  else return v.bits;
}

template <class A, class B>
void expect_same_bits(const A& a, const B& b, const char* what) {
  ASSERT_EQ(a.shape(), b.shape()) << what;
  // Every bit, except a NaN's sign and payload, which x86 takes from whichever operand of an add
  // comes first (a compiler may commute it).
  for (std::int64_t i = 0; i < a.numel(); ++i) {
    const float fa = static_cast<float>(a[i]), fb = static_cast<float>(b[i]);
    if (std::isnan(fa) && std::isnan(fb)) continue;
    ASSERT_EQ(bits_of(a[i]), bits_of(b[i])) << what << ", element " << i;
  }
}

// Normal values with zeros of both signs, infinities, NaN and values that round to -0 sprinkled in.
template <class T>
Tensor<T> awkward(Shape s, std::uint64_t seed) {
  mt::Generator gen(seed);
  auto f = mt::normal<float>(s, 0.0f, 2.0f, gen);
  const float special[] = {0.0f, -0.0f, std::numeric_limits<float>::infinity(),
                           -std::numeric_limits<float>::infinity(),
                           std::numeric_limits<float>::quiet_NaN(), -1e-30f, 1e-30f, 70000.0f};
  for (std::int64_t i = 0; i < f.numel(); i += 37) f[i] = special[(i / 37) % 8];
  Tensor<T> t(s);  // element by element: checked_cast refuses the non-finite values, rightly
  for (std::int64_t i = 0; i < f.numel(); ++i) t[i] = T(f[i]);
  return t;
}

template <class T>
class FusedOps : public ::testing::Test {};
using FloatTypes = ::testing::Types<float, mt::half, mt::bfloat16>;
TYPED_TEST_SUITE(FusedOps, FloatTypes);

// rows over 512 (several partial sums in the bias gradient), columns not a multiple of 16.
TYPED_TEST(FusedOps, GiveTheBitsOfTheSeparatePassesOnAnyThreadCount) {
  using T = TypeParam;
  for (std::int64_t cols : {1, 10, 64, 600})
    for (auto f : {mt::Activation::relu, mt::Activation::sigmoid, mt::Activation::tanh}) {
      const std::int64_t rows = 1300;
      const Shape s{rows, cols};
      const auto x = awkward<T>(s, 1 + cols), bias = awkward<T>(Shape{cols}, 2 + cols);
      const auto dy = awkward<T>(s, 3 + cols);
      for (int threads : {1, 2}) {
        mt::Context<mt::Cpu> ctx;
        ctx.set_threads(threads);
        auto separate = x.clone(), fused = x.clone();
        mt::ops::bias_add(ctx, separate, bias);
        mt::ops::activation(ctx, f, separate, separate);
        mt::ops::bias_activation(ctx, f, fused, bias);
        expect_same_bits(separate, fused, "forward");

        const auto& y = separate;
        Tensor<T> dz1(s), dz2(s);
        Tensor<float> db1(Shape{cols}), db2(Shape{cols});
        mt::ops::activation_backward(ctx, f, dz1, dy, y);
        mt::ops::bias_grad(ctx, db1, dz1, mt::Accumulate::overwrite);
        mt::ops::activation_backward_bias_grad(ctx, f, dz2, dy, y, db2, mt::Accumulate::overwrite);
        expect_same_bits(dz1, dz2, "dz");
        expect_same_bits(db1, db2, "dbias");
        mt::ops::bias_grad(ctx, db1, dz1, mt::Accumulate::add);
        mt::ops::activation_backward_bias_grad(ctx, f, dz2, dy, y, db2, mt::Accumulate::add);
        expect_same_bits(db1, db2, "dbias accumulated");
      }
    }
}

TEST(FusedOps, SoftmaxIsNotElementwiseAndSaysSo) {
  Tensor<float> y(Shape{2, 3}), b(Shape{3});
  Tensor<float> db(Shape{3});
  try {
    mt::ops::bias_activation(mt::default_context<mt::Cpu>(), mt::Activation::softmax, y, b);
    FAIL();
  } catch (const mt::ValueError& e) {
    EXPECT_EQ(std::string(e.what()),
              "bias_activation: softmax normalises whole rows, it is not elementwise; use "
              "bias_add, then activation");
  }
  EXPECT_THROW(mt::ops::activation_backward_bias_grad(mt::default_context<mt::Cpu>(),
                                                      mt::Activation::softmax, y, y, y, db,
                                                      mt::Accumulate::overwrite),
               mt::ValueError);
  Tensor<float> wrong(Shape{4});
  EXPECT_THROW(mt::ops::bias_activation(mt::default_context<mt::Cpu>(), mt::Activation::relu, y,
                                        wrong),
               mt::ShapeError);
}

// ---- Sequential ------------------------------------------------------------------------------

// The model's forward output, every parameter's gradient (overwritten, then accumulated) and
// the bits of both against its layers run one by one, unfused, on copies of its parameters.
// expect_fused: how many pairs Sequential must fuse in this model.
template <class P, class... Specs>
void check_model_against_its_layers(Shape input, std::int64_t n, std::size_t expect_fused,
                                    Specs... specs) {
  using T = typename P::compute;
  mt::Sequential<P> model(input, mt::Seed{7}, specs...);
  std::vector<std::unique_ptr<mt::Layer<P, mt::Cpu>>> layers;
  (layers.push_back(specs.template make<P, mt::Cpu>()), ...);
  mt::Generator gen(9);
  std::vector<Shape> shapes{input};
  for (std::size_t i = 0; i < layers.size(); ++i) {
    shapes.push_back(layers[i]->build(shapes.back(), gen));
    auto mine = layers[i]->parameters(), theirs = model.layer(i).parameters();
    ASSERT_EQ(mine.size(), theirs.size());
    for (std::size_t j = 0; j < mine.size(); ++j) {
      for (std::int64_t k = 0; k < mine[j]->master.numel(); ++k)
        mine[j]->master[k] = theirs[j]->master[k];
      mine[j]->refresh_compute();
    }
  }
  mt::Generator data(11);
  const auto x = mt::checked_cast<T>(mt::normal<float>(input.prepend(n), 0.0f, 1.0f, data));
  const auto dy =
      mt::checked_cast<T>(mt::normal<float>(shapes.back().prepend(n), 0.0f, 1.0f, data));

  auto& ctx = mt::default_context<mt::Cpu>();
  std::vector<Tensor<T>> acts;
  for (std::size_t i = 0; i < layers.size(); ++i) {
    acts.emplace_back(shapes[i + 1].prepend(n));
    layers[i]->forward(ctx, acts[i].view(), i == 0 ? x.view() : std::as_const(acts[i - 1]).view(),
                       mt::Mode::train);
  }
  const Tensor<T> out = model.forward(x, mt::Mode::train).clone();
  expect_same_bits(acts.back(), out, "model output");
  // The bits alone would agree unfused too: the pairs must have fused, each fused layer holding
  // no output buffer of its own (Sequential keeps an output and a gradient per other layer).
  const auto fused = mt::fused_activations(layers);
  std::size_t unfused_bytes = 0, expected = 0;
  for (std::size_t i = 0; i < layers.size(); ++i) {
    const auto bytes = static_cast<std::size_t>(acts[i].numel()) * sizeof(T);
    unfused_bytes += 2 * bytes;
    expected += fused[i] ? bytes : 2 * bytes;
  }
  ASSERT_EQ(model.activation_bytes(), expected);
  ASSERT_LT(expected, unfused_bytes) << "nothing fused";
  ASSERT_EQ(static_cast<std::size_t>(std::count_if(fused.begin(), fused.end(),
                                                   [](const auto& f) { return f.has_value(); })),
            expect_fused);

  auto by_hand = [&](mt::Accumulate acc) {
    Tensor<T> g = dy.clone();
    for (std::size_t i = layers.size(); i-- > 0;) {
      Tensor<T> dx(shapes[i].prepend(n));
      const mt::TensorView<const T, mt::Cpu> in = i == 0 ? x.view() : std::as_const(acts[i - 1]).view();
      layers[i]->backward(ctx, i == 0 ? mt::TensorView<T, mt::Cpu>() : dx.view(),
                          std::as_const(g).view(), in, std::as_const(acts[i]).view(), acc);
      g = std::move(dx);
    }
  };
  auto compare = [&](const char* when) {
    for (std::size_t i = 0; i < layers.size(); ++i) {
      auto mine = layers[i]->parameters(), theirs = model.layer(i).parameters();
      for (std::size_t j = 0; j < mine.size(); ++j)
        expect_same_bits(mine[j]->grad, theirs[j]->grad,
                         (theirs[j]->name + ", " + when).c_str());
    }
  };
  by_hand(mt::Accumulate::overwrite);
  auto grads = model.backward(dy);
  compare("one backward");
  by_hand(mt::Accumulate::add);  // gradient accumulation: a second backward added to the first
  (void)model.forward(x, mt::Mode::train);
  auto both = model.backward(dy, std::move(grads));
  (void)both;
  compare("accumulated");
}

template <class P>
class FusedSequential : public ::testing::Test {};
// The policies that take model.backward(dy) (mixed_float16 scales its loss: its kernels are
// covered by FusedOps with half).
using UnscaledPolicies = ::testing::Types<mt::policy::float32, mt::policy::mixed_bfloat16>;
TYPED_TEST_SUITE(FusedSequential, UnscaledPolicies);

TYPED_TEST(FusedSequential, GivesTheBitsOfItsLayersRunOneByOne) {
  using P = TypeParam;
  // Conv2D + ReLU with a bias (several chunks of images), without one + Sigmoid; Dense + Tanh;
  // Dense without bias + ReLU followed by a second ReLU (not fused: it follows an activation);
  // Dense + Softmax (never fused).
  check_model_against_its_layers<P>(
      Shape{20, 20, 3}, 9, /*expect_fused=*/4, mt::Conv2D(8, 3, mt::same), mt::ReLU(),
      mt::Conv2D(6, 3, mt::same, {.bias = false}), mt::Sigmoid(), mt::MaxPool2D(2), mt::Flatten(),
      mt::Dense(32), mt::Tanh(), mt::Dense(16, {.bias = false}), mt::ReLU(), mt::ReLU(),
      mt::Dense(5), mt::Softmax());
}

}  // namespace
