// tests/cuda/test_cuda_layers.cpp: the CUDA layer kernels (bias, dropout, batch norm, im2col /
// col2im, max pooling) against the CPU backend, through the public ops, for float, half and
// bfloat16. Bit for bit where both backends do the same arithmetic in the same order (bias,
// dropout masks, the sliding-window gathers, pooling winners); batch norm's statistics are
// sums in double in another order, so within a tolerance.
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "parity.hpp"

namespace {

namespace mt = mantissa;
using mt::Cpu;
using mt::Cuda;
using mt::Shape;
using mt::Tensor;
using mt_cuda::near;
using mt_cuda::same_bits;
using mt_cuda::tolerance_for;

using mt_cuda::cpu_ctx;
using mt_cuda::gpu_ctx;

template <class T>
class CudaLayers : public ::testing::Test {};
using FloatTypes = ::testing::Types<float, mt::half, mt::bfloat16>;
TYPED_TEST_SUITE(CudaLayers, FloatTypes);

// ---- bias ----

TYPED_TEST(CudaLayers, BiasAddIsTheCpusBits) {
  MANTISSA_REQUIRE_GPU();
  using T = TypeParam;
  for (const auto& [rows, c] : {std::pair{1, 1}, std::pair{37, 70}, std::pair{1001, 71}}) {
    auto y = mt_cuda::random<T>(Shape{rows, c}, 1);
    const auto bias = mt_cuda::random<T>(Shape{c}, 2);
    auto gy = mt::to<Cuda>(y);
    mt::ops::bias_add(cpu_ctx(), y, bias);
    mt::ops::bias_add(gpu_ctx(), gy, mt::to<Cuda>(bias));
    EXPECT_TRUE(same_bits(y, gy)) << rows << " x " << c;
  }
}

// The CPU sums chunks of 512 rows, then the chunks in order; the kernel makes the same
// additions, so the gradient is its bits (1300 rows: three chunks, the last one short).
TYPED_TEST(CudaLayers, BiasGradIsTheCpusBitsOverwritingAndAccumulating) {
  MANTISSA_REQUIRE_GPU();
  using T = TypeParam;
  for (const auto& [rows, c] : {std::pair{1, 3}, std::pair{1300, 7}, std::pair{600, 130}}) {
    const auto dy = mt_cuda::random<T>(Shape{rows, c}, 3);
    const auto gdy = mt::to<Cuda>(dy);
    auto db = mt_cuda::random<float>(Shape{c}, 4);
    auto gdb = mt::to<Cuda>(db);
    mt::ops::bias_grad(cpu_ctx(), db, dy, mt::Accumulate::overwrite);
    mt::ops::bias_grad(gpu_ctx(), gdb, gdy, mt::Accumulate::overwrite);
    EXPECT_TRUE(same_bits(db, gdb)) << rows << " x " << c;
    mt::ops::bias_grad(cpu_ctx(), db, dy, mt::Accumulate::add);
    mt::ops::bias_grad(gpu_ctx(), gdb, gdy, mt::Accumulate::add);
    EXPECT_TRUE(same_bits(db, gdb)) << rows << " x " << c << " accumulated";
  }
}

// ---- dropout ----

// One Philox generator for both backends: the same mask, so the same bits, for any size
// (not a multiple of 4 included) and any offset; the backward (dy in place of x) too.
TYPED_TEST(CudaLayers, DropoutMaskIsTheCpusBits) {
  MANTISSA_REQUIRE_GPU();
  using T = TypeParam;
  for (const std::int64_t n : {1, 7, 70001}) {
    for (const auto& [rate, offset] : {std::pair{0.3f, std::uint64_t{0}},
                                      std::pair{0.5f, std::uint64_t{12345}},
                                      std::pair{0.9f, std::uint64_t{1} << 40}}) {
      const auto x = mt_cuda::random<T>(Shape{n}, 5);
      Tensor<T, Cpu> y(Shape{n});
      Tensor<T, Cuda> gy(Shape{n});
      mt::ops::dropout(cpu_ctx(), y, x, rate, 42, offset);
      mt::ops::dropout(gpu_ctx(), gy, mt::to<Cuda>(x), rate, 42, offset);
      EXPECT_TRUE(same_bits(y, gy)) << n << " rate " << rate << " offset " << offset;
      mt::ops::dropout(cpu_ctx(), y, y, rate, 42, offset);  // in place, as backward runs
      mt::ops::dropout(gpu_ctx(), gy, gy, rate, 42, offset);
      EXPECT_TRUE(same_bits(y, gy)) << n << " in place";
    }
  }
}

// ---- batch normalisation ----

template <mt::Device D>
struct BnTensors {
  Tensor<float, D> gamma, beta, mean, inv_std, running_mean, running_var;
  mt::ops::BatchNormState<D> state(float momentum, float epsilon) {
    return {gamma, beta, mean, inv_std, running_mean, running_var, momentum, epsilon};
  }
};

BnTensors<Cpu> bn_cpu(std::int64_t c) {
  return {mt_cuda::random<float>(Shape{c}, 10, 0.5f, 1.5f),
          mt_cuda::random<float>(Shape{c}, 11),
          Tensor<float, Cpu>(Shape{c}),
          Tensor<float, Cpu>(Shape{c}),
          mt_cuda::random<float>(Shape{c}, 12),
          mt_cuda::random<float>(Shape{c}, 13, 0.5f, 2.0f)};
}
BnTensors<Cuda> bn_gpu(const BnTensors<Cpu>& s) {
  return {mt::to<Cuda>(s.gamma),   mt::to<Cuda>(s.beta),         mt::to<Cuda>(s.mean),
          mt::to<Cuda>(s.inv_std), mt::to<Cuda>(s.running_mean), mt::to<Cuda>(s.running_var)};
}

// The statistics are double sums on both sides, in another order on the GPU (chunks of
// rows): the float32 results agree within float rounding; y and dx within T's rounding.
TYPED_TEST(CudaLayers, BatchNormForwardAndBackwardMatchTheCpu) {
  MANTISSA_REQUIRE_GPU();
  using T = TypeParam;
  constexpr auto f32 = tolerance_for<float>();
  // (N, H, W, C) with M = N*H*W rows: one row; a small odd batch; 9000 rows (141 chunks of rows,
  // the last one short).
  for (const Shape& shape : {Shape{1, 1, 1, 5}, Shape{3, 5, 7, 6}, Shape{4, 50, 45, 3}}) {
    const std::int64_t c = shape[3];
    const auto x = mt_cuda::random<T>(shape, 20, -3.0f, 5.0f);
    const auto gx = mt::to<Cuda>(x);
    auto s = bn_cpu(c);
    auto gs = bn_gpu(s);
    Tensor<T, Cpu> y(shape);
    Tensor<T, Cuda> gy(shape);
    for (const mt::Mode mode : {mt::Mode::train, mt::Mode::infer}) {
      mt::ops::batchnorm_forward(cpu_ctx(), y, x, s.state(0.9f, 1e-3f), mode);
      mt::ops::batchnorm_forward(gpu_ctx(), gy, gx, gs.state(0.9f, 1e-3f), mode);
      const bool train = mode == mt::Mode::train;
      EXPECT_TRUE(near(y, gy, tolerance_for<T>())) << shape.str() << " train " << train;
      EXPECT_TRUE(near(s.mean, gs.mean, f32)) << shape.str() << " train " << train;
      EXPECT_TRUE(near(s.inv_std, gs.inv_std, f32)) << shape.str() << " train " << train;
      EXPECT_TRUE(near(s.running_mean, gs.running_mean, f32)) << shape.str();
      EXPECT_TRUE(near(s.running_var, gs.running_var, f32)) << shape.str();
    }
    mt::ops::batchnorm_forward(cpu_ctx(), y, x, s.state(0.9f, 1e-3f), mt::Mode::train);
    mt::ops::batchnorm_forward(gpu_ctx(), gy, gx, gs.state(0.9f, 1e-3f), mt::Mode::train);

    const auto dy = mt_cuda::random<T>(shape, 21);
    const auto gdy = mt::to<Cuda>(dy);
    auto dgamma = mt_cuda::random<float>(Shape{c}, 22),
         dbeta = mt_cuda::random<float>(Shape{c}, 23);
    auto gdgamma = mt::to<Cuda>(dgamma), gdbeta = mt::to<Cuda>(dbeta);
    Tensor<T, Cpu> dx(shape);
    Tensor<T, Cuda> gdx(shape);
    // Sums over M rows of products: the absolute part of the tolerance grows with M.
    const mt_cuda::Tolerance sums{f32.abs * static_cast<float>(x.numel() / c), f32.rel};
    for (const auto acc : {mt::Accumulate::overwrite, mt::Accumulate::add}) {
      mt::ops::batchnorm_backward(cpu_ctx(), dx, dgamma.view(), dbeta.view(), dy, x,
                                  s.state(0.9f, 1e-3f), acc);
      mt::ops::batchnorm_backward(gpu_ctx(), gdx, gdgamma.view(), gdbeta.view(), gdy, gx,
                                  gs.state(0.9f, 1e-3f), acc);
      EXPECT_TRUE(near(dgamma, gdgamma, sums)) << shape.str();
      EXPECT_TRUE(near(dbeta, gdbeta, sums)) << shape.str();
      EXPECT_TRUE(near(dx, gdx, tolerance_for<T>())) << shape.str();
    }
    // dx empty: the parameter gradients alone.
    Tensor<T, Cpu> none;
    Tensor<T, Cuda> gnone;
    mt::ops::batchnorm_backward(cpu_ctx(), none, dgamma.view(), dbeta.view(), dy, x,
                                s.state(0.9f, 1e-3f), mt::Accumulate::overwrite);
    mt::ops::batchnorm_backward(gpu_ctx(), gnone, gdgamma.view(), gdbeta.view(), gdy, gx,
                                gs.state(0.9f, 1e-3f), mt::Accumulate::overwrite);
    EXPECT_TRUE(near(dgamma, gdgamma, sums)) << shape.str() << " without dx";
    EXPECT_TRUE(near(dbeta, gdbeta, sums)) << shape.str() << " without dx";
  }
}

// ---- sliding windows ----

// Windows of every kind: `same` with asymmetric padding (more after than before), `valid`,
// strides below the window (overlaps), above it (gaps), non-square, one channel.
std::vector<mt::Window2D> windows(std::int64_t n) {
  using mt::Padding;
  return {
      mt::window_2d(n, 6, 8, 3, 3, 1, Padding::same),        // pad 1 each side
      mt::window_2d(n, 6, 8, 3, 2, 2, Padding::same),        // pad 0 before, 1 after (W)
      mt::window_2d(n, 7, 9, 5, {4, 3}, {1, 2}, Padding::same),  // pad 1 / 2 on H
      mt::window_2d(n, 7, 9, 2, 3, 2, Padding::valid),       // overlapping, no padding
      mt::window_2d(n, 8, 8, 16, 2, 2, Padding::valid),      // the CNN pool, C = 16
      mt::window_2d(n, 9, 10, 1, 2, 3, Padding::same),       // strides above the window
      mt::window_2d(n, 5, 5, 4, 5, 1, Padding::same),        // one window covers all
  };
}

TYPED_TEST(CudaLayers, Im2colAndCol2imAreTheCpusBits) {
  MANTISSA_REQUIRE_GPU();
  using T = TypeParam;
  for (const auto& g : windows(3)) {
    const auto x = mt_cuda::random<T>(Shape{g.n, g.h, g.w, g.c}, 30);
    Tensor<T, Cpu> cols(Shape{g.n * g.oh * g.ow, g.kh * g.kw * g.c});
    auto gcols = mt::to<Cuda>(mt_cuda::random<T>(cols.shape(), 31));  // every element written
    mt::ops::im2col(cpu_ctx(), cols, x, g);
    mt::ops::im2col(gpu_ctx(), gcols, mt::to<Cuda>(x), g);
    EXPECT_TRUE(same_bits(cols, gcols)) << g.kh << "x" << g.kw << " stride " << g.sh;

    // col2im sums each element's taps in the CPU's window order: the same bits.
    const auto dcols = mt_cuda::random<T>(cols.shape(), 32);
    Tensor<T, Cpu> dx(x.shape());
    auto gdx = mt::to<Cuda>(mt_cuda::random<T>(x.shape(), 33));
    mt::ops::col2im(cpu_ctx(), dx, dcols, g);
    mt::ops::col2im(gpu_ctx(), gdx, mt::to<Cuda>(dcols), g);
    EXPECT_TRUE(same_bits(dx, gdx)) << g.kh << "x" << g.kw << " stride " << g.sh;
  }
}

// Pool inputs that exercise the rules: small integers (many ties: the first maximum wins),
// all negative (a padded zero would win if padding were visited), and NaNs (they win).
template <class T>
Tensor<T, Cpu> pool_input(const mt::Window2D& g, std::uint64_t seed) {
  auto x = mt_cuda::random<T>(Shape{g.n, g.h, g.w, g.c}, seed, -4.0f, 0.0f);
  for (std::int64_t i = 0; i < x.numel(); ++i) x[i] = T(std::floor(static_cast<float>(x[i])));
  for (std::int64_t i = 5; i < x.numel(); i += 37)
    x[i] = T(std::numeric_limits<float>::quiet_NaN());
  return x;
}

TYPED_TEST(CudaLayers, MaxPoolWinnersValuesAndGradientsAreTheCpusBits) {
  MANTISSA_REQUIRE_GPU();
  using T = TypeParam;
  for (const auto& g : windows(2)) {
    const auto x = pool_input<T>(g, 40);
    const auto gx = mt::to<Cuda>(x);
    const Shape out{g.n, g.oh, g.ow, g.c};
    Tensor<T, Cpu> y(out);
    Tensor<std::int32_t, Cpu> arg(out);
    auto gy = mt::to<Cuda>(mt_cuda::random<T>(out, 41));
    Tensor<std::int32_t, Cuda> garg(out);
    mt::ops::maxpool2d(cpu_ctx(), y, arg, x, g);
    mt::ops::maxpool2d(gpu_ctx(), gy, garg, gx, g);
    const auto label = std::to_string(g.kh) + "x" + std::to_string(g.kw) + " stride " +
                       std::to_string(g.sh) + "x" + std::to_string(g.sw);
    EXPECT_TRUE(same_bits(y, gy)) << label;
    EXPECT_TRUE(same_bits(arg, garg)) << label;

    // Inference saves no winners, and pools the same.
    Tensor<std::int32_t, Cuda> no_arg;
    auto gy2 = mt::to<Cuda>(mt_cuda::random<T>(out, 42));
    mt::ops::maxpool2d(gpu_ctx(), gy2, no_arg, gx, g);
    EXPECT_TRUE(same_bits(y, gy2)) << label << " inference";

    // dy with -0 (a copy keeps its sign where windows never overlap; a sum does not) and an
    // inf (it must reach only the element that won its window).
    auto dy = mt_cuda::random<T>(out, 43);
    dy[0] = T(-0.0f);
    dy[dy.numel() - 1] = T(std::numeric_limits<float>::infinity());
    Tensor<T, Cpu> dx(x.shape());
    auto gdx = mt::to<Cuda>(mt_cuda::random<T>(x.shape(), 44));
    mt::ops::maxpool2d_backward(cpu_ctx(), dx, dy, arg, g);
    mt::ops::maxpool2d_backward(gpu_ctx(), gdx, mt::to<Cuda>(dy), garg, g);
    EXPECT_TRUE(same_bits(dx, gdx)) << label << " backward";
  }
}

// The rules on a hand-made image (3 x 4, one channel, 3 x 3 windows, stride 1, padded by one
// all round; every value negative so that a visited pad would win): a NaN wins and a later
// NaN does not replace it; of equal maxima the first in (kh, kw) order wins.
TYPED_TEST(CudaLayers, MaxPoolRulesOnAHandMadeImage) {
  MANTISSA_REQUIRE_GPU();
  using T = TypeParam;
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float image[] = {-1, nan, -3, nan,  //
                         -2, -1,  -1, -5,   //
                         nan, -7, -1, -1};
  const auto g = mt::window_2d(1, 3, 4, 1, 3, 1, mt::Padding::same);
  Tensor<T, Cpu> x(Shape{1, 3, 4, 1});
  for (std::int64_t i = 0; i < 12; ++i) x[i] = T(image[i]);
  Tensor<T, Cpu> y(Shape{1, 3, 4, 1});
  Tensor<std::int32_t, Cpu> arg(y.shape());
  Tensor<T, Cuda> gy(y.shape());
  Tensor<std::int32_t, Cuda> garg(y.shape());
  mt::ops::maxpool2d(cpu_ctx(), y, arg, x, g);
  mt::ops::maxpool2d(gpu_ctx(), gy, garg, mt::to<Cuda>(x), g);
  EXPECT_TRUE(same_bits(y, gy));
  EXPECT_TRUE(same_bits(arg, garg));
  const auto back = mt::to<Cpu>(garg);
  EXPECT_EQ(back[0], 1);   // (0, 0): the NaN at 1 beats every number
  EXPECT_EQ(back[2], 1);   // (0, 2): the NaN at 1 stays ahead of the NaN at 3
  EXPECT_EQ(back[10], 5);  // (2, 2): -1 at 5, 6, 10 and 11: the first wins
  EXPECT_EQ(back[11], 6);  // (2, 3): -1 at 6, 10 and 11; the pads (zeros) are never visited
}

// The op object: winners saved by forward(train) in memory reserve() allocated (grown when a
// larger batch comes), kept through an inference forward and a move, read by backward.
TYPED_TEST(CudaLayers, MaxPool2dObjectMatchesTheCpu) {
  MANTISSA_REQUIRE_GPU();
  using T = TypeParam;
  const auto g = mt::window_2d(1, 7, 9, 3, 3, 2, mt::Padding::same);
  mt::ops::MaxPool2d<T, Cpu> pool(g);
  mt::ops::MaxPool2d<T, Cuda> gpool_first(g);
  gpool_first.reserve(gpu_ctx(), 2);
  mt::ops::MaxPool2d<T, Cuda> gpool = std::move(gpool_first);
  for (const std::int64_t n : {2, 5, 3}) {
    const auto gn = g.with_batch(n);
    const auto x = pool_input<T>(gn, 50 + static_cast<std::uint64_t>(n));
    const auto gx = mt::to<Cuda>(x);
    const Shape out{n, g.oh, g.ow, g.c};
    Tensor<T, Cpu> y(out);
    Tensor<T, Cuda> gy(out);
    pool.forward(cpu_ctx(), y, x, mt::Mode::train);
    gpool.forward(gpu_ctx(), gy, gx, mt::Mode::train);
    EXPECT_TRUE(same_bits(y, gy)) << n;
    // An evaluation in between must not disturb the saved winners.
    const auto other = mt::to<Cuda>(pool_input<T>(gn, 60));
    gpool.forward(gpu_ctx(), gy, other, mt::Mode::infer);

    const auto dy = mt_cuda::random<T>(out, 61);
    Tensor<T, Cpu> dx(x.shape());
    Tensor<T, Cuda> gdx(x.shape());
    pool.backward(cpu_ctx(), dx, dy);
    const auto gdy = mt::to<Cuda>(dy);
    gpool.backward(gpu_ctx(), gdx, gdy);
    EXPECT_TRUE(same_bits(dx, gdx)) << n;
  }
  mt::ops::MaxPool2d<T, Cuda> assigned;
  assigned = std::move(gpool);  // move-assigned state keeps working
  const auto x = pool_input<T>(g.with_batch(3), 70);
  Tensor<T, Cuda> gy(Shape{3, g.oh, g.ow, g.c});
  const auto gx = mt::to<Cuda>(x);
  assigned.forward(gpu_ctx(), gy, gx, mt::Mode::train);
  Tensor<T, Cpu> y(gy.shape());
  pool.forward(cpu_ctx(), y, x, mt::Mode::train);
  EXPECT_TRUE(same_bits(y, gy));
}

}  // namespace
