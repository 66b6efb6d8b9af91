// tests/layers/test_conv2d.cpp: Conv2D against a naive direct convolution in double, its
// output shapes and TensorFlow's `same` padding, gradients by the generic checker for every
// policy, im2col / col2im as adjoints, the ShapeError texts, gradient accumulation and a
// step that allocates nothing.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <string>
#include <vector>

#include "common/layer_checks.hpp"
#include "common/nhwc_reference.hpp"
#include "common/policies.hpp"
#include "mantissa/layers/conv2d.hpp"
#include "mantissa/mantissa.hpp"

namespace mt = mantissa;
using mt::Shape;
using mt::Tensor;

namespace {

template <class T>
double d(T v) {
  return static_cast<double>(static_cast<float>(v));
}

// Forward tolerance, relative to sum |x w| + |b| of each output (its largest possible size):
//   float     1e-5: float32 accumulation of up to 75 products (75 * 2^-24 ~ 4.5e-6);
//   half      2.5 * 2^-11, bfloat16 2.5 * 2^-8: the output is rounded twice into the
//             compute dtype (the GEMM's result, then + bias), each within 2^-11 / 2^-8 of it.
template <class T>
double forward_tolerance() {
  if constexpr (std::is_same_v<T, float>)
    return 1e-5;
  else if constexpr (std::is_same_v<T, mt::half>)
    return 2.5 * std::ldexp(1.0, -11);
  else
    return 2.5 * std::ldexp(1.0, -8);
}

// The direct 7-loop convolution in double: x (N, H, W, C), w (KH, KW, C, F), b (F), with
// TensorFlow's padding from nhwc_reference.hpp (independent of mt::window_2d).
std::vector<double> naive_conv(const std::vector<double>& x, const std::vector<double>& w,
                               const std::vector<double>& b, std::int64_t N, std::int64_t H,
                               std::int64_t W, std::int64_t C, std::int64_t F, mt::Size2D k,
                               mt::Size2D s, mt::Padding p, double* scale) {
  const auto ah = mt_test::axis_geometry(H, k.h, s.h, p);
  const auto aw = mt_test::axis_geometry(W, k.w, s.w, p);
  std::vector<double> y(static_cast<std::size_t>(N * ah.out * aw.out * F));
  for (std::int64_t n = 0; n < N; ++n)
    for (std::int64_t oh = 0; oh < ah.out; ++oh)
      for (std::int64_t ow = 0; ow < aw.out; ++ow)
        for (std::int64_t f = 0; f < F; ++f) {
          double acc = b[f], mag = std::abs(b[f]);
          for (std::int64_t kh = 0; kh < k.h; ++kh)
            for (std::int64_t kw = 0; kw < k.w; ++kw)
              for (std::int64_t c = 0; c < C; ++c) {
                const std::int64_t ih = oh * s.h - ah.pad + kh, iw = ow * s.w - aw.pad + kw;
                if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
                const double t =
                    x[((n * H + ih) * W + iw) * C + c] * w[((kh * k.w + kw) * C + c) * F + f];
                acc += t, mag += std::abs(t);
              }
          const auto i = ((n * ah.out + oh) * aw.out + ow) * F + f;
          y[i] = acc;
          scale[i] = mag;
        }
  return y;
}

template <class T>
std::vector<double> to_doubles(mt::TensorView<const T, mt::Cpu> t) {
  std::vector<double> v;
  for (auto e : t) v.push_back(d(e));
  return v;
}

}  // namespace

template <class P>
class Conv2DTyped : public ::testing::Test {};
TYPED_TEST_SUITE(Conv2DTyped, mt_test::Policies);

// ---- forward against the naive convolution ------------------------------------------------

TYPED_TEST(Conv2DTyped, ForwardMatchesNaiveConvolution) {
  using P = TypeParam;
  using T = typename P::compute;
  const std::int64_t N = 2;
  const mt::Size2D kernels[] = {1, 3, {2, 3}, 5};
  const mt::Size2D strides[] = {1, 2, {2, 1}};
  int cases = 0;
  std::uint64_t seed = 0;
  for (auto pad : {mt::valid, mt::same})
    for (std::int64_t H : {1, 5, 7, 9})
      for (std::int64_t W : {1, 5, 7, 9})
        for (std::int64_t C : {1, 3})
          for (std::int64_t F : {2, 5})
            for (auto k : kernels)
              for (auto s : strides) {
                if (pad == mt::valid && (H < k.h || W < k.w)) continue;  // does not fit
                mt::Conv2DLayer<P, mt::Cpu> conv(mt::Conv2D(F, k, pad, {.strides = s}));
                mt::Generator gen(++seed);
                const Shape out = conv.build(Shape{H, W, C}, gen);
                auto* bias = conv.parameters()[1];
                mt::fill_normal<float>(bias->master.view(), 0.0f, 1.0f, gen);
                bias->refresh_compute();
                auto x = mt::normal<T>(Shape{N, H, W, C}, 0.0f, 1.0f, gen);
                Tensor<T> y(out.prepend(N));
                conv.forward(mt::default_context<mt::Cpu>(), y.view(), x.view(), mt::Mode::train);

                std::vector<double> scale(static_cast<std::size_t>(y.numel()));
                const auto ref = naive_conv(
                    to_doubles<T>(x.view()), to_doubles<T>(conv.parameters()[0]->value()),
                    to_doubles<T>(bias->value()), N, H, W, C, F, k, s, pad, scale.data());
                ASSERT_EQ(ref.size(), static_cast<std::size_t>(y.numel()));
                for (std::int64_t i = 0; i < y.numel(); ++i)
                  ASSERT_NEAR(d(y[i]), ref[i], forward_tolerance<T>() * scale[i])
                      << "padding " << mt::to_string(pad) << ", input (" << H << ", " << W << ", "
                      << C << "), filters " << F << ", kernel " << k.str() << ", strides "
                      << s.str() << ", element " << i;
                ++cases;
              }
  EXPECT_GT(cases, 1000);
}

// ---- gradients ----------------------------------------------------------------------------

TYPED_TEST(Conv2DTyped, Gradients) {
  using P = TypeParam;
  const mt_test::LayerCase<mt::Conv2D> cases[] = {
      {mt::Conv2D(2, 3, mt::same), Shape{5, 4, 3}},
      {mt::Conv2D(3, {2, 3}, mt::valid, {.strides = 2}), Shape{5, 7, 2}},
      {mt::Conv2D(2, 3, mt::same, {.strides = {2, 1}, .bias = false}), Shape{6, 5, 2}},
      {mt::Conv2D(3, 1), Shape{3, 4, 2}},             // 1 x 1: the direct path without im2col
      {mt::Conv2D(2, 3, mt::same), Shape{4, 3, 16}},  // col2im in 16-channel blocks
      // Stride 1: dx by the flipped kernel, on valid padding and uneven same padding too.
      {mt::Conv2D(3, {2, 3}, mt::valid), Shape{5, 6, 2}},
      {mt::Conv2D(2, {4, 2}, mt::same), Shape{5, 5, 3}},
      {mt::Conv2D(4, 5, mt::same, {.bias = false}), Shape{3, 7, 2}},  // kernel taller than x
  };
  for (const auto& c : cases) {
    auto r = mt::check_gradients<P>(c.spec, c.input);
    EXPECT_TRUE(r.passed) << c.input.str() << ": " << r.report();
    const std::int64_t kernel = c.spec.kernel.h * c.spec.kernel.w * c.input[2] * c.spec.filters;
    EXPECT_EQ(r.checked, 2 * c.input.numel() + kernel + (c.spec.options.bias ? c.spec.filters : 0));
  }
}

// ---- shapes and padding -------------------------------------------------------------------

TEST(Conv2D, OutputShapesAndTensorFlowSamePadding) {
  using P = mt::policy::float32;
  struct Case {
    mt::Conv2D spec;
    Shape input, output;
    std::int64_t pad_top, pad_left;
  };
  const Case cases[] = {
      {mt::Conv2D(32, 3, mt::same), {28, 28, 1}, {28, 28, 32}, 1, 1},
      {mt::Conv2D(32, 3), {28, 28, 1}, {26, 26, 32}, 0, 0},
      {mt::Conv2D(8, 3, mt::same, {.strides = 2}), {7, 7, 3}, {4, 4, 8}, 1, 1},
      // even input, stride 2: total padding 1, all of it after the image (TensorFlow's rule)
      {mt::Conv2D(8, 3, mt::same, {.strides = 2}), {8, 8, 3}, {4, 4, 8}, 0, 0},
      {mt::Conv2D(4, 2, mt::same), {5, 5, 1}, {5, 5, 4}, 0, 0},  // even kernel: extra after
      {mt::Conv2D(4, 3, mt::valid, {.strides = 2}), {7, 8, 2}, {3, 3, 4}, 0, 0},
      {mt::Conv2D(4, {2, 3}), {5, 7, 2}, {4, 5, 4}, 0, 0},
      {mt::Conv2D(4, 5, mt::same), {3, 2, 1}, {3, 2, 4}, 2, 2},
  };
  for (const auto& c : cases) {
    mt::Conv2DLayer<P, mt::Cpu> conv(c.spec);
    mt::Generator gen(0);
    EXPECT_EQ(conv.build(c.input, gen), c.output) << c.input.str();
    EXPECT_EQ(conv.window().pad_top, c.pad_top) << c.input.str();
    EXPECT_EQ(conv.window().pad_left, c.pad_left) << c.input.str();
  }
}

TEST(Conv2D, KernelLayoutInitAndParameterNames) {
  using P = mt::policy::float32;
  mt::Conv2DLayer<P, mt::Cpu> conv(mt::Conv2D(6, {3, 5}, mt::same));
  mt::Generator gen(4);
  (void)conv.build(Shape{8, 8, 4}, gen);
  auto ps = conv.parameters();
  ASSERT_EQ(ps.size(), 2u);
  EXPECT_EQ(ps[0]->name, "kernel");
  EXPECT_EQ(ps[0]->shape(), (Shape{3, 5, 4, 6}));  // (KH, KW, C, F) as Keras
  EXPECT_EQ(ps[1]->name, "bias");
  EXPECT_EQ(ps[1]->shape(), (Shape{6}));
  // Glorot-uniform with Keras's fans: fan_in = 3*5*4 = 60, fan_out = 3*5*6 = 90.
  const float limit = std::sqrt(6.0f / 150.0f);
  float lo = 1, hi = -1;
  for (float v : ps[0]->master) lo = std::min(lo, v), hi = std::max(hi, v);
  EXPECT_GE(lo, -limit);
  EXPECT_LE(hi, limit);
  EXPECT_LT(lo, -0.8f * limit);  // actually spread over the range
  EXPECT_GT(hi, 0.8f * limit);
  mt::Conv2DLayer<P, mt::Cpu> nb(mt::Conv2D(6, 3, {.bias = false, .init = mt::Init::he_normal}));
  (void)nb.build(Shape{8, 8, 4}, gen);
  EXPECT_EQ(nb.parameters().size(), 1u);
}

// ---- errors -------------------------------------------------------------------------------

TEST(Conv2D, ShapeErrorsSayWhatIsNeeded) {
  using P = mt::policy::float32;
  using mt_test::build_error;
  EXPECT_EQ(build_error<P>(mt::Conv2D(4, 3), Shape{2, 5, 3}),
            "got input shape (2, 5, 3) but needs a height and width of at least the kernel "
            "size (3, 3) under valid padding (the kernel is larger than the 2 x 5 image); use "
            "same padding or a smaller kernel");
  EXPECT_EQ(build_error<P>(mt::Conv2D(4, {2, 7}), Shape{6, 6, 1}),
            "got input shape (6, 6, 1) but needs a height and width of at least the kernel "
            "size (2, 7) under valid padding (the kernel is larger than the 6 x 6 image); use "
            "same padding or a smaller kernel");
  EXPECT_EQ(build_error<P>(mt::Conv2D(4, 3, mt::same), Shape{2, 2, 3}), "(no error)");
  EXPECT_EQ(build_error<P>(mt::Conv2D(4, 3), Shape{28, 28}),
            "got input shape (28, 28) but needs a 3-D input (height, width, channels) per "
            "sample; add a channels axis: input shape (28, 28, 1) for one channel");
  EXPECT_EQ(build_error<P>(mt::Conv2D(4, 3), Shape{784}),
            "got input shape (784,) but needs a 3-D input (height, width, channels) per sample "
            "(images are NHWC)");
  EXPECT_EQ(build_error<P>(mt::Conv2D(4, 3), Shape{64, 28, 28, 1}),
            "got input shape (64, 28, 28, 1) but needs a 3-D input (height, width, channels) "
            "per sample; leave the batch axis out of the input shape: (28, 28, 1)");
  EXPECT_EQ(build_error<P>(mt::Conv2D(4, 1), Shape{5, 5, 0}),
            "got input shape (5, 5, 0) but needs a height, width and channels of at least 1");
  EXPECT_EQ(build_error<P>(mt::Conv2D(0, 3), Shape{5, 5, 1}),
            "Conv2D: filters must be at least 1, got 0");
  EXPECT_EQ(build_error<P>(mt::Conv2D(2, {0, 3}), Shape{5, 5, 1}),
            "Conv2D: the kernel size must be at least 1, got (0, 3)");
  EXPECT_EQ(build_error<P>(mt::Conv2D(2, 3, {.strides = {1, 0}}), Shape{5, 5, 1}),
            "Conv2D: strides must be at least 1, got (1, 0)");
}

TEST(Conv2D, SequentialNamesTheLayerInTheError) {
  try {
    mt::Sequential<mt::policy::float32> model(Shape{2, 5, 3}, mt::Conv2D(4, 3));
    FAIL() << "no ShapeError";
  } catch (const mt::ShapeError& e) {
    EXPECT_EQ(std::string(e.what()),
              "Sequential: layer 0 'conv2d' (Conv2D): got input shape (2, 5, 3) but needs a "
              "height and width of at least the kernel size (3, 3) under valid padding (the "
              "kernel is larger than the 2 x 5 image); use same padding or a smaller kernel");
  }
}

// ---- backward: accumulation, adjoints, inference in between ---------------------------------

TEST(Conv2D, AccumulateAddDoublesTheGradients) {
  using P = mt::policy::float32;
  mt::Conv2DLayer<P, mt::Cpu> conv(mt::Conv2D(4, 3, mt::same));
  mt::Generator gen(2);
  const Shape out = conv.build(Shape{6, 5, 3}, gen).prepend(3);
  auto x = mt::normal<float>(Shape{3, 6, 5, 3}, 0.0f, 1.0f, gen);
  auto dy = mt::normal<float>(out, 0.0f, 1.0f, gen);
  Tensor<float> y(out), dx1(x.shape()), dx2(x.shape());
  conv.forward(mt::default_context<mt::Cpu>(), y.view(), x.view(), mt::Mode::train);
  conv.backward(mt::default_context<mt::Cpu>(), dx1.view(), dy.view(), x.view(), y.view(), mt::Accumulate::overwrite);
  auto dw = conv.parameters()[0]->grad.clone(), db = conv.parameters()[1]->grad.clone();
  conv.backward(mt::default_context<mt::Cpu>(), dx2.view(), dy.view(), x.view(), y.view(), mt::Accumulate::add);
  for (std::int64_t i = 0; i < dw.numel(); ++i)
    ASSERT_NEAR(conv.parameters()[0]->grad[i], 2.0f * dw[i], 1e-5f * (1.0f + std::abs(dw[i])));
  for (std::int64_t i = 0; i < db.numel(); ++i)
    ASSERT_NEAR(conv.parameters()[1]->grad[i], 2.0f * db[i], 1e-5f * (1.0f + std::abs(db[i])));
  for (std::int64_t i = 0; i < dx1.numel(); ++i) ASSERT_EQ(dx1[i], dx2[i]);  // dx: overwritten
}

TEST(Conv2D, InferenceBetweenForwardAndBackwardKeepsTheSavedColumns) {
  using P = mt::policy::float32;
  mt::Conv2DLayer<P, mt::Cpu> conv(mt::Conv2D(3, 3, mt::same));
  mt::Generator gen(5);
  const Shape out = conv.build(Shape{5, 5, 2}, gen).prepend(2);
  conv.reserve(mt::default_context<mt::Cpu>(), 2);
  auto x = mt::normal<float>(Shape{2, 5, 5, 2}, 0.0f, 1.0f, gen);
  auto other = mt::normal<float>(Shape{2, 5, 5, 2}, 0.0f, 1.0f, gen);
  auto dy = mt::normal<float>(out, 0.0f, 1.0f, gen);
  Tensor<float> y(out), y2(out), dx(x.shape());
  conv.forward(mt::default_context<mt::Cpu>(), y.view(), x.view(), mt::Mode::train);
  conv.backward(mt::default_context<mt::Cpu>(), dx.view(), dy.view(), x.view(), y.view(), mt::Accumulate::overwrite);
  auto expected = conv.parameters()[0]->grad.clone();
  conv.forward(mt::default_context<mt::Cpu>(), y.view(), x.view(), mt::Mode::train);
  conv.forward(mt::default_context<mt::Cpu>(), y2.view(), other.view(), mt::Mode::infer);  // an evaluation in between
  conv.backward(mt::default_context<mt::Cpu>(), dx.view(), dy.view(), x.view(), y.view(), mt::Accumulate::overwrite);
  for (std::int64_t i = 0; i < expected.numel(); ++i)
    ASSERT_EQ(conv.parameters()[0]->grad[i], expected[i]);
}

// The CPU convolves a few whole images at a time (its im2col matrix kept in cache). Images of
// 40 x 40 x 16 make a chunk of one or two images: a batch of 5 runs in 3 to 5 chunks, the last
// one short. y, dW (summed over the chunks, then added to under Accumulate::add) and dx are
// checked against a double reference, and every bit is the same on 1 and 2 threads.
template <class T>
std::uint32_t bits_of(T v) {
  if constexpr (std::is_same_v<T, float>) return std::bit_cast<std::uint32_t>(v);
  else return v.bits;
}

template <class T>
void check_chunked_convolution(double tol) {
  const std::int64_t N = 5, H = 40, W = 40, C = 16, F = 16;
  const auto g = mt::window_2d(1, H, W, C, 3, 1, mt::same);
  ASSERT_LT(mt::Backend<mt::Cpu>::Conv2d<T>(g, F).chunk(), 3);
  mt::Generator gen(21);
  auto x = mt::normal<T>(Shape{N, H, W, C}, 0.0f, 1.0f, gen);
  auto w = mt::normal<T>(Shape{3, 3, C, F}, 0.0f, 0.2f, gen);
  auto dy = mt::normal<T>(Shape{N, H, W, F}, 0.0f, 1.0f, gen);
  const auto X = to_doubles<T>(x.view()), Wk = to_doubles<T>(w.view()), DY = to_doubles<T>(dy.view());
  std::vector<double> y_ref(N * H * W * F), dw_ref(9 * C * F), dx_ref(N * H * W * C);
  for (std::int64_t n = 0; n < N; ++n)
    for (std::int64_t oh = 0; oh < H; ++oh)
      for (std::int64_t ow = 0; ow < W; ++ow)
        for (std::int64_t kh = 0; kh < 3; ++kh)
          for (std::int64_t kw = 0; kw < 3; ++kw) {
            const std::int64_t ih = oh - 1 + kh, iw = ow - 1 + kw;
            if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
            for (std::int64_t c = 0; c < C; ++c)
              for (std::int64_t f = 0; f < F; ++f) {
                const auto xi = ((n * H + ih) * W + iw) * C + c, yi = ((n * H + oh) * W + ow) * F + f;
                const auto wi = ((kh * 3 + kw) * C + c) * F + f;
                y_ref[yi] += X[xi] * Wk[wi];
                dw_ref[wi] += X[xi] * DY[yi];
                dx_ref[xi] += DY[yi] * Wk[wi];
              }
          }
  auto run = [&](int threads, Tensor<T>& y, Tensor<float>& dw, Tensor<T>& dx) {
    mt::Context<mt::Cpu> ctx;
    ctx.set_threads(threads);
    mt::ops::Conv2d<T, mt::Cpu> conv(g, F);
    conv.forward(ctx, y.view(), x.view(), w.view(), mt::Mode::train);
    mt::ops::fill(ctx, dw.view(), 0.5f);
    conv.backward(ctx, dx.view(), dw.view(), dy.view(), x.view(), w.view(), mt::Accumulate::add);
  };
  Tensor<T> y1(Shape{N, H, W, F}), y2(y1.shape()), dx1(x.shape()), dx2(x.shape());
  Tensor<float> dw1(w.shape()), dw2(w.shape());
  run(1, y1, dw1, dx1);
  run(2, y2, dw2, dx2);
  for (std::int64_t i = 0; i < y1.numel(); ++i) {
    ASSERT_NEAR(d(y1[i]), y_ref[i], tol * 12) << "y " << i;
    ASSERT_EQ(bits_of(y1[i]), bits_of(y2[i])) << "y " << i;
  }
  for (std::int64_t i = 0; i < dw1.numel(); ++i) {
    ASSERT_NEAR(dw1[i], 0.5 + dw_ref[i], 1e-5 * (1 + std::abs(dw_ref[i])) + tol * 60) << "dW " << i;
    ASSERT_EQ(dw1[i], dw2[i]) << "dW " << i;
  }
  for (std::int64_t i = 0; i < dx1.numel(); ++i) {
    ASSERT_NEAR(d(dx1[i]), dx_ref[i], tol * 8) << "dx " << i;
    ASSERT_EQ(bits_of(dx1[i]), bits_of(dx2[i])) << "dx " << i;
  }
}

TEST(Conv2DOps, ChunksOfImagesGiveTheBatchsResultsOnAnyThreadCount) {
  check_chunked_convolution<float>(1e-5);
  check_chunked_convolution<mt::bfloat16>(std::ldexp(1.0, -7));
}

// A batch of no images: backward's dW is 0 under overwrite and kept under add, as a product of
// depth 0 gives (the chunked loop runs no chunk).
TEST(Conv2DOps, AnEmptyBatchGivesAZeroWeightGradient) {
  const auto g = mt::window_2d(1, 6, 6, 2, 3, 1, mt::same);
  mt::ops::Conv2d<float, mt::Cpu> conv(g, 3);
  Tensor<float> x(Shape{0, 6, 6, 2}), dx(Shape{0, 6, 6, 2}), y(Shape{0, 6, 6, 3});
  Tensor<float> dy(Shape{0, 6, 6, 3}), w(Shape{3, 3, 2, 3}), dw(Shape{3, 3, 2, 3});
  auto& ctx = mt::default_context<mt::Cpu>();
  conv.forward(ctx, y.view(), x.view(), w.view(), mt::Mode::train);
  mt::ops::fill(ctx, dw.view(), 1.0f);
  conv.backward(ctx, dx.view(), dw.view(), dy.view(), x.view(), w.view(), mt::Accumulate::add);
  for (std::int64_t i = 0; i < dw.numel(); ++i) ASSERT_EQ(dw[i], 1.0f);
  conv.backward(ctx, dx.view(), dw.view(), dy.view(), x.view(), w.view(),
                mt::Accumulate::overwrite);
  for (std::int64_t i = 0; i < dw.numel(); ++i) ASSERT_EQ(dw[i], 0.0f);
}

// <im2col(x), c> == <x, col2im(c)> for every padding and stride: col2im is im2col's adjoint.
TEST(Conv2DOps, Col2imIsTheAdjointOfIm2col) {
  mt::Generator gen(11);
  for (auto pad : {mt::valid, mt::same})
    for (mt::Size2D k : {mt::Size2D(1), mt::Size2D(3), mt::Size2D(2, 3), mt::Size2D(4)})
      for (mt::Size2D s : {mt::Size2D(1), mt::Size2D(2), mt::Size2D(3, 1)})
        for (std::int64_t C : {3, 16}) {  // 16: the 16-channel-block path
          const auto g = mt::window_2d(2, 7, 6, C, k, s, pad);
          auto x = mt::normal<float>(Shape{2, 7, 6, C}, 0.0f, 1.0f, gen);
          auto c = mt::normal<float>(Shape{2 * g.oh * g.ow, k.h * k.w * C}, 0.0f, 1.0f, gen);
          Tensor<float> cols(c.shape()), dx(x.shape());
          mt::ops::im2col(mt::default_context<mt::Cpu>(), cols, x, g);
          mt::ops::col2im(mt::default_context<mt::Cpu>(), dx, c, g);
          double lhs = 0, rhs = 0;
          for (std::int64_t i = 0; i < c.numel(); ++i) lhs += double(cols[i]) * c[i];
          for (std::int64_t i = 0; i < x.numel(); ++i) rhs += double(x[i]) * dx[i];
          EXPECT_NEAR(lhs, rhs, 1e-4 * (1 + std::abs(lhs))) << k.str() << s.str() << C;
        }
}

TEST(Conv2DOps, ShapeChecksNameTheOperand) {
  const auto g = mt::window_2d(2, 5, 5, 3, 3, 1, mt::same);
  Tensor<float> x(Shape{2, 5, 5, 3}), cols(Shape{50, 27}), bad(Shape{49, 27});
  EXPECT_NO_THROW(mt::ops::im2col(mt::default_context<mt::Cpu>(), cols, x, g));
  try {
    mt::ops::im2col(mt::default_context<mt::Cpu>(), bad, x, g);
    FAIL();
  } catch (const mt::ShapeError& e) {
    EXPECT_EQ(std::string(e.what()),
              "im2col: cols has shape (49, 27) but the window needs (50, 27)");
  }
  EXPECT_THROW(mt::ops::col2im(mt::default_context<mt::Cpu>(), x, bad, g), mt::ShapeError);
}

// ---- a step allocates nothing ---------------------------------------------------------------

TEST(Conv2D, ReserveThenForwardAndBackwardAllocateNothing) {
  using P = mt::policy::mixed_bfloat16;
  for (auto spec : {mt::Conv2D(8, 3, mt::same), mt::Conv2D(8, 1)}) {
    mt::Conv2DLayer<P, mt::Cpu> conv(spec);
    EXPECT_EQ(mt_test::allocations_in_reserved_steps(conv, Shape{9, 9, 4}, 4), 0u);
  }
}

// ---- in a model -------------------------------------------------------------------------------

TEST(Conv2D, ReferenceCnnBuildsRunsAndCountsLikeKeras) {
  using P = mt::policy::float32;
  mt::Sequential<P> model(Shape{28, 28, 1}, mt::Seed{1}, mt::Conv2D(32, 3, mt::same), mt::ReLU(),
                          mt::MaxPool2D(2), mt::Conv2D(64, 3, mt::same), mt::ReLU(),
                          mt::MaxPool2D(2), mt::Flatten(), mt::Dense(128), mt::ReLU(),
                          mt::Dense(10));
  EXPECT_EQ(model.output_shape(), (Shape{10}));
  // Keras's summary: 320 + 18,496 + 401,536 + 1,290.
  EXPECT_EQ(model.parameter_count(), 421642);
  model.reserve(4);
  mt::Generator gen(2);
  auto x = mt::normal<float>(Shape{4, 28, 28, 1}, 0.0f, 1.0f, gen);
  auto y = model.forward(x.view(), mt::Mode::train);
  ASSERT_EQ(y.shape(), (Shape{4, 10}));
  auto dy = mt::normal<float>(Shape{4, 10}, 0.0f, 1.0f, gen);
  model.backward(dy.view());
  double norm = 0;
  for (float g : model.parameters()[0]->grad) norm += double(g) * g;
  EXPECT_GT(norm, 0.0);  // the gradient reached the first layer's kernel
}
