// tests/layers/test_maxpool2d.cpp: MaxPool2D against a naive loop (exact, every dtype), its
// output shapes, `same` padding that never wins, gradients by the generic checker for every
// policy, NaN propagation, the ShapeError texts and a step that allocates nothing.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "common/layer_checks.hpp"
#include "common/nhwc_reference.hpp"
#include "common/policies.hpp"
#include "mantissa/layers/maxpool2d.hpp"
#include "mantissa/mantissa.hpp"

namespace mt = mantissa;
using mt::Shape;
using mt::Tensor;

namespace {

// The naive max pool: y (N, OH, OW, C) and the flat (ih, iw, c) index of the first maximum,
// with TensorFlow's padding from nhwc_reference.hpp (independent of mt::window_2d).
struct Naive {
  std::vector<float> y;
  std::vector<std::int32_t> arg;
  std::int64_t oh, ow;
};
template <class T>
Naive naive_pool(const Tensor<T>& x, mt::Size2D k, mt::Size2D s, mt::Padding p) {
  const std::int64_t N = x.shape()[0], H = x.shape()[1], W = x.shape()[2], C = x.shape()[3];
  const auto ah = mt_test::axis_geometry(H, k.h, s.h, p);
  const auto aw = mt_test::axis_geometry(W, k.w, s.w, p);
  Naive r;
  r.oh = ah.out;
  r.ow = aw.out;
  for (std::int64_t n = 0; n < N; ++n)
    for (std::int64_t oh = 0; oh < r.oh; ++oh)
      for (std::int64_t ow = 0; ow < r.ow; ++ow)
        for (std::int64_t c = 0; c < C; ++c) {
          float best = -std::numeric_limits<float>::infinity();
          std::int32_t arg = -1;
          for (std::int64_t kh = 0; kh < k.h; ++kh)
            for (std::int64_t kw = 0; kw < k.w; ++kw) {
              const std::int64_t ih = oh * s.h - ah.pad + kh, iw = ow * s.w - aw.pad + kw;
              if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
              const float v = static_cast<float>(x(n, ih, iw, c));
              if (arg < 0 || v > best) best = v, arg = std::int32_t((ih * W + iw) * C + c);
            }
          r.y.push_back(best);
          r.arg.push_back(arg);
        }
  return r;
}

// Finite differences of a max are exact while no perturbation reorders a window, so the step
// is small, 1e-5 (at 1e-4, float32 draws put two values of one window within the step for
// about one seed in ten). Under a 16-bit policy the numeric side comes from a float32 twin
// fed the same rounded inputs, which resolves that step. But rounding to 16 bits makes exact
// ties likely (bfloat16 keeps 256 values per octave; with 16 channels of 9-element windows
// most seeds draw one), and a tie splits the numeric derivative between the tied inputs while
// backward routes all of it to the first. Seed 2 draws no tie in any case below under any
// policy; BackwardRoutesToTheSavedWinners checks the routing itself on any data.
constexpr float kPoolEpsilon = 1e-5f;
constexpr std::uint64_t kPoolSeed = 2;

}  // namespace

template <class P>
class MaxPool2DTyped : public ::testing::Test {};
TYPED_TEST_SUITE(MaxPool2DTyped, mt_test::Policies);

TYPED_TEST(MaxPool2DTyped, ForwardMatchesNaiveLoopExactly) {
  using P = TypeParam;
  using T = typename P::compute;
  std::uint64_t seed = 0;
  int cases = 0;
  const mt::Size2D pools[] = {1, 2, 3, {2, 3}};
  const mt::Size2D strides[] = {1, 2, 3, {1, 2}};
  for (auto pad : {mt::valid, mt::same})
    for (std::int64_t H : {1, 4, 5, 7})
      for (std::int64_t W : {1, 4, 6})
        for (std::int64_t C : {1, 3, 32, 300})  // 32: 16-channel blocks; 300: > 256 per block
          for (auto k : pools)
            for (auto s : strides) {
              if (pad == mt::valid && (H < k.h || W < k.w)) continue;
              mt::Generator gen(++seed);
              auto x = mt::normal<T>(Shape{2, H, W, C}, 0.0f, 1.0f, gen);
              const auto ref = naive_pool(x, k, s, pad);
              const auto g = mt::window_2d(2, H, W, C, k, s, pad);
              ASSERT_EQ(g.oh, ref.oh);
              ASSERT_EQ(g.ow, ref.ow);
              Tensor<T> y(Shape{2, g.oh, g.ow, C});
              Tensor<std::int32_t> arg(y.shape());
              mt::ops::maxpool2d(mt::default_context<mt::Cpu>(), y, arg, x, g);
              for (std::int64_t i = 0; i < y.numel(); ++i) {
                ASSERT_EQ(static_cast<float>(y[i]), ref.y[i]) << "element " << i;
                ASSERT_EQ(arg[i], ref.arg[i]) << "element " << i;
              }
              // The layer gives the same values.
              mt::MaxPool2DLayer<P, mt::Cpu> pool(mt::MaxPool2D(k, s, pad));
              ASSERT_EQ(pool.build(Shape{H, W, C}, gen), (Shape{g.oh, g.ow, C}));
              Tensor<T> y2(y.shape());
              pool.forward(mt::default_context<mt::Cpu>(), y2.view(), x.view(), mt::Mode::train);
              for (std::int64_t i = 0; i < y.numel(); ++i)
                ASSERT_EQ(static_cast<float>(y2[i]), static_cast<float>(y[i]));
              ++cases;
            }
  EXPECT_GT(cases, 300);
}

TYPED_TEST(MaxPool2DTyped, Gradients) {
  using P = TypeParam;
  const mt_test::LayerCase<mt::MaxPool2D> cases[] = {
      {mt::MaxPool2D(2), Shape{4, 4, 3}},
      {mt::MaxPool2D(3, 2, mt::same), Shape{5, 6, 2}},
      {mt::MaxPool2D(2, 1), Shape{4, 5, 2}},  // overlapping windows: dx sums
      {mt::MaxPool2D({2, 3}, mt::same), Shape{5, 5, 2}},
      {mt::MaxPool2D(3, 2), Shape{5, 5, 16}},  // overlapping, in 16-channel blocks
  };
  for (const auto& c : cases) {
    auto r = mt::check_gradients<P>(c.spec, c.input, {.epsilon = kPoolEpsilon, .seed = kPoolSeed});
    EXPECT_TRUE(r.passed) << c.input.str() << ": " << r.report();
    EXPECT_EQ(r.checked, 2 * c.input.numel());
  }
}

// The backward kernels (one write per element for disjoint windows, the gather for overlapping ones)
// against a naive scatter-add in double at the saved winners, in every dtype.
TYPED_TEST(MaxPool2DTyped, BackwardRoutesToTheSavedWinners) {
  using T = typename TypeParam::compute;
  mt::Generator gen(5);
  for (auto pad : {mt::valid, mt::same})
    for (mt::Size2D k : {mt::Size2D(2), mt::Size2D(3), mt::Size2D(2, 3)})
      for (mt::Size2D s : {mt::Size2D(1), mt::Size2D(2), mt::Size2D(3)})
        for (std::int64_t C : {3, 16, 300}) {
          const auto g = mt::window_2d(2, 7, 6, C, k, s, pad);
          auto x = mt::normal<T>(Shape{2, 7, 6, C}, 0.0f, 1.0f, gen);
          Tensor<T> y(Shape{2, g.oh, g.ow, C}), dx(x.shape());
          Tensor<std::int32_t> arg(y.shape());
          mt::ops::maxpool2d(mt::default_context<mt::Cpu>(), y, arg, x, g);
          auto dy = mt::normal<T>(y.shape(), 0.0f, 1.0f, gen);
          std::vector<double> ref(static_cast<std::size_t>(x.numel()), 0.0);
          const std::int64_t per_in = 7 * 6 * C, per_out = g.oh * g.ow * C;
          for (std::int64_t n = 0; n < 2; ++n)
            for (std::int64_t i = 0; i < per_out; ++i)
              ref[static_cast<std::size_t>(n * per_in + arg[n * per_out + i])] +=
                  static_cast<float>(dy[n * per_out + i]);
          // NaN first: backward must write every element of dx, the ones no window chose too.
          mt::ops::fill(mt::default_context<mt::Cpu>(), dx, std::numeric_limits<float>::quiet_NaN());
          mt::ops::maxpool2d_backward(mt::default_context<mt::Cpu>(), dx, dy, arg, g);
          for (std::int64_t i = 0; i < dx.numel(); ++i) {
            // Each element is its float32 sum rounded once into T: within half an ulp of T.
            const double r = ref[static_cast<std::size_t>(i)];
            const double tol = std::is_same_v<T, float>      ? 1e-6
                               : std::is_same_v<T, mt::half> ? 1e-3
                                                             : 8e-3;
            ASSERT_NEAR(static_cast<float>(dx[i]), r, tol * (1 + std::abs(r)))
                << k.str() << " " << s.str() << " C " << C << " element " << i;
          }
        }
}

TEST(MaxPool2D, OutputShapes) {
  using P = mt::policy::float32;
  struct Case {
    mt::MaxPool2D spec;
    Shape input, output;
  };
  const Case cases[] = {
      {mt::MaxPool2D(2), {28, 28, 32}, {14, 14, 32}},
      {mt::MaxPool2D(2), {7, 7, 1}, {3, 3, 1}},
      {mt::MaxPool2D(2, mt::same), {7, 7, 1}, {4, 4, 1}},
      {mt::MaxPool2D(3, 2, mt::same), {8, 8, 2}, {4, 4, 2}},
      {mt::MaxPool2D(3, 1), {5, 6, 2}, {3, 4, 2}},
      {mt::MaxPool2D({2, 3}), {6, 6, 1}, {3, 2, 1}},
  };
  for (const auto& c : cases) {
    mt::MaxPool2DLayer<P, mt::Cpu> pool(c.spec);
    mt::Generator gen(0);
    EXPECT_EQ(pool.build(c.input, gen), c.output) << c.input.str();
  }
  mt::MaxPool2DLayer<P, mt::Cpu> pool(mt::MaxPool2D(2));
  EXPECT_EQ(pool.kind(), "MaxPooling2D");
  EXPECT_TRUE(pool.parameters().empty());
}

TEST(MaxPool2D, SamePaddingNeverWins) {
  // Every value negative: a zero from the padding would win if padding took part.
  using P = mt::policy::float32;
  mt::MaxPool2DLayer<P, mt::Cpu> pool(mt::MaxPool2D(2, mt::same));
  mt::Generator gen(0);
  ASSERT_EQ(pool.build(Shape{3, 3, 1}, gen), (Shape{2, 2, 1}));
  Tensor<float> x(Shape{1, 3, 3, 1}), y(Shape{1, 2, 2, 1});
  for (int i = 0; i < 9; ++i) x[i] = -1.0f - float(i);  // -1 .. -9, row-major
  pool.forward(mt::default_context<mt::Cpu>(), y.view(), x.view(), mt::Mode::train);
  // Windows: rows {0,1} x cols {0,1}, {0,1} x {2}, {2} x {0,1}, {2} x {2} (pad after).
  EXPECT_EQ(y[0], -1.0f);
  EXPECT_EQ(y[1], -3.0f);
  EXPECT_EQ(y[2], -7.0f);
  EXPECT_EQ(y[3], -9.0f);
  Tensor<float> dy(y.shape()), dx(x.shape());
  for (int i = 0; i < 4; ++i) dy[i] = float(i + 1);
  pool.backward(mt::default_context<mt::Cpu>(), dx.view(), dy.view(), x.view(), y.view(), mt::Accumulate::overwrite);
  const float expected[] = {1, 0, 2, 0, 0, 0, 3, 0, 4};
  for (int i = 0; i < 9; ++i) EXPECT_EQ(dx[i], expected[i]) << i;
}

TEST(MaxPool2D, NanPropagates) {
  using P = mt::policy::float32;
  mt::MaxPool2DLayer<P, mt::Cpu> pool(mt::MaxPool2D(2));
  mt::Generator gen(0);
  (void)pool.build(Shape{2, 2, 2}, gen);
  Tensor<float> x(Shape{1, 2, 2, 2}), y(Shape{1, 1, 1, 2});
  x[0] = 1.0f, x[2] = std::numeric_limits<float>::quiet_NaN(), x[4] = 5.0f;  // channel 0
  x[1] = 1.0f, x[3] = 2.0f, x[5] = 3.0f, x[7] = -1.0f;                       // channel 1
  pool.forward(mt::default_context<mt::Cpu>(), y.view(), x.view(), mt::Mode::infer);
  EXPECT_TRUE(std::isnan(y[0]));
  EXPECT_EQ(y[1], 3.0f);
}

TEST(MaxPool2D, InferenceBetweenForwardAndBackwardKeepsTheSavedWinners) {
  using P = mt::policy::float32;
  mt::MaxPool2DLayer<P, mt::Cpu> pool(mt::MaxPool2D(2));
  mt::Generator gen(3);
  const Shape out = pool.build(Shape{4, 4, 2}, gen).prepend(2);
  auto x = mt::normal<float>(Shape{2, 4, 4, 2}, 0.0f, 1.0f, gen);
  auto other = mt::normal<float>(x.shape(), 0.0f, 1.0f, gen);
  auto dy = mt::normal<float>(out, 0.0f, 1.0f, gen);
  Tensor<float> y(out), y2(out), dx(x.shape()), dx2(x.shape());
  pool.forward(mt::default_context<mt::Cpu>(), y.view(), x.view(), mt::Mode::train);
  pool.backward(mt::default_context<mt::Cpu>(), dx.view(), dy.view(), x.view(), y.view(), mt::Accumulate::overwrite);
  pool.forward(mt::default_context<mt::Cpu>(), y2.view(), other.view(), mt::Mode::infer);
  pool.backward(mt::default_context<mt::Cpu>(), dx2.view(), dy.view(), x.view(), y.view(), mt::Accumulate::overwrite);
  for (std::int64_t i = 0; i < dx.numel(); ++i) ASSERT_EQ(dx[i], dx2[i]);
}

TEST(MaxPool2D, ShapeErrorsSayWhatIsNeeded) {
  using P = mt::policy::float32;
  using mt_test::build_error;
  EXPECT_EQ(build_error<P>(mt::MaxPool2D(3), Shape{2, 5, 4}),
            "got input shape (2, 5, 4) but needs a height and width of at least the pool size "
            "(3, 3) under valid padding (the pool is larger than the 2 x 5 image); use same "
            "padding or a smaller pool");
  EXPECT_EQ(build_error<P>(mt::MaxPool2D(3, mt::same), Shape{2, 2, 4}), "(no error)");
  EXPECT_EQ(build_error<P>(mt::MaxPool2D(2), Shape{128}),
            "got input shape (128,) but needs a 3-D input (height, width, channels) per sample "
            "(images are NHWC)");
  EXPECT_EQ(build_error<P>(mt::MaxPool2D(2), Shape{28, 28}),
            "got input shape (28, 28) but needs a 3-D input (height, width, channels) per "
            "sample; add a channels axis: input shape (28, 28, 1) for one channel");
  EXPECT_EQ(build_error<P>(mt::MaxPool2D(0), Shape{4, 4, 1}),
            "MaxPool2D: the pool size must be at least 1, got (0, 0)");
  EXPECT_EQ(build_error<P>(mt::MaxPool2D(2, {0, 1}), Shape{4, 4, 1}),
            "MaxPool2D: strides must be at least 1, got (0, 1)");
}

TEST(MaxPool2D, ReserveThenForwardAndBackwardAllocateNothing) {
  using P = mt::policy::mixed_float16;
  mt::MaxPool2DLayer<P, mt::Cpu> pool(mt::MaxPool2D(3, 2, mt::same));
  EXPECT_EQ(mt_test::allocations_in_reserved_steps(pool, Shape{9, 9, 4}, 4), 0u);
}
