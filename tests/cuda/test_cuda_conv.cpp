// tests/cuda/test_cuda_conv.cpp: Conv2D on CUDA (cuDNN in NHWC, or im2col + cuBLAS where
// mantissa's `same` padding is asymmetric) against the CPU's im2col + GEMM: forward, dx, and
// the float32 dkernel overwritten and accumulated, for float, half and bfloat16, over the
// reference CNN's geometries and the awkward ones; and which path each geometry takes.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include "mantissa/core/backend_cuda.hpp"
#include "parity.hpp"

namespace mt = mantissa;
using mt::Cpu;
using mt::Cuda;
using mt::Shape;

namespace {

// y and dx in T: sums of up to 288 products of values in [-2, 2), summed in another order
// and rounded once to T on both sides (float32 results within some 1e-5 absolute, as the
// GEMM's), so one step of T's rounding either side for 16-bit dtypes.
template <class T>
mt_cuda::Tolerance output_tolerance() {
  if constexpr (std::same_as<T, float>) return {1e-4f, 1e-5f};
  else return mt_cuda::tolerance_for<T>();
}
// dx in T. The CPU rounds each element of dcols = dy W^T to T before col2im sums the up to
// ceil(KH / SH) * ceil(KW / SW) taps that read one input element; cuDNN rounds once at the
// end. So the two may differ by that many half-ulps of T at the size of the largest dcols
// element, on top of output_tolerance (largest for bfloat16 and 64 filters: dcols near 40,
// ulp 0.25). A wrong tap or filter is off by the size of the values themselves.
template <class T>
mt_cuda::Tolerance dx_tolerance(const mt::Tensor<T, Cpu>& dy, const mt::Tensor<T, Cpu>& kernel,
                                const mt::Window2D& g, std::int64_t filters) {
  const std::int64_t rows = dy.numel() / filters, k = g.kh * g.kw * g.c;
  float largest = 0.0f;
  for (std::int64_t r = 0; r < rows; ++r)
    for (std::int64_t j = 0; j < k; ++j) {
      float sum = 0.0f;
      for (std::int64_t f = 0; f < filters; ++f)
        sum += static_cast<float>(dy[r * filters + f]) * static_cast<float>(kernel[j * filters + f]);
      largest = std::max(largest, std::fabs(sum));
    }
  const int mantissa_bits = std::same_as<T, float> ? 23 : std::same_as<T, mt::half> ? 10 : 7;
  const float half_ulp = std::ldexp(1.0f, std::ilogb(std::max(largest, 1e-30f)) - mantissa_bits - 1);
  const auto taps = static_cast<float>(((g.kh + g.sh - 1) / g.sh) * ((g.kw + g.sw - 1) / g.sw));
  const auto base = output_tolerance<T>();
  return {base.abs + taps * half_ulp, base.rel};
}

// dkernel in float32: sums of up to 2 * 28 * 28 = 1568 products in a different order (float32
// partial sums near 50, ulp 4e-6): a few 1e-4 absolute at most; a wrong tap is off by units.
constexpr mt_cuda::Tolerance kGradTolerance{1e-3f, 1e-5f};

struct Case {
  const char* name;
  std::int64_t n, h, w, c, kernel, stride;
  mt::Padding padding;
  std::int64_t filters;
  bool cudnn;  // the path expected
};

// cuDNN's symmetric pad reproduces mantissa's windows except where `same` pads one more after.
constexpr Case kCases[] = {
    {"reference conv1: 28x28x1, 3x3 same, 32", 2, 28, 28, 1, 3, 1, mt::Padding::same, 32, true},
    {"reference conv2: 14x14x32, 3x3 same, 64", 2, 14, 14, 32, 3, 1, mt::Padding::same, 64, true},
    {"valid 3x3 on 13x11x3", 3, 13, 11, 3, 3, 1, mt::Padding::valid, 5, true},
    {"valid 3x3 stride 2 on 28x28 (a row left unread)", 2, 28, 28, 2, 3, 2, mt::Padding::valid, 4,
     true},
    {"5x5 same on 9x7x3 (pad 2 both sides)", 2, 9, 7, 3, 5, 1, mt::Padding::same, 6, true},
    {"1x1 on 7x9x5", 3, 7, 9, 5, 1, 1, mt::Padding::valid, 6, true},
    {"3x3 stride 2 same on 28x28 (pad 0 before, 1 after)", 2, 28, 28, 3, 3, 2, mt::Padding::same,
     8, false},
    {"2x2 same stride 1 on 28x28 (pad 0 before, 1 after)", 2, 28, 28, 2, 2, 1, mt::Padding::same,
     4, false},
};

template <class T>
class CudaConv : public ::testing::Test {};
using Dtypes = ::testing::Types<float, mt::half, mt::bfloat16>;
TYPED_TEST_SUITE(CudaConv, Dtypes);

TYPED_TEST(CudaConv, EachGeometryTakesTheExpectedPath) {
  MANTISSA_REQUIRE_GPU();
  using T = TypeParam;
  auto& gpu = mt::default_context<Cuda>();
  for (const Case& k : kCases) {
    const auto g = mt::window_2d(1, k.h, k.w, k.c, k.kernel, k.stride, k.padding);
    typename mt::Backend<Cuda>::template Conv2d<T> state(g, k.filters);
    EXPECT_EQ(state.uses_cudnn(), k.cudnn) << k.name;
    state.reserve(gpu, k.n);
    EXPECT_EQ(state.uses_cudnn(), k.cudnn) << k.name << " (after reserve)";
    EXPECT_EQ(state.reserved(), k.n);
  }
  EXPECT_FALSE(typename mt::Backend<Cuda>::template Conv2d<T>().uses_cudnn());
}

// A window no kernel can run is the op's ShapeError, not a cuDNN error from the state that
// is built first.
TYPED_TEST(CudaConv, AnInvalidWindowIsTheOpsShapeError) {
  MANTISSA_REQUIRE_GPU();
  using T = TypeParam;
  EXPECT_THROW((mt::ops::Conv2d<T, Cuda>(mt::window_2d(1, 2, 2, 1, 3, 1, mt::Padding::valid), 4)),
               mt::ShapeError);
}

TYPED_TEST(CudaConv, ForwardAndBackwardMatchTheCpu) {
  MANTISSA_REQUIRE_GPU();
  using T = TypeParam;
  auto& gpu = mt::default_context<Cuda>();
  auto& cpu = mt::default_context<Cpu>();
  std::uint64_t seed = 1;
  for (const Case& k : kCases) {
    SCOPED_TRACE(k.name);
    const auto g = mt::window_2d(1, k.h, k.w, k.c, k.kernel, k.stride, k.padding);
    mt::ops::Conv2d<T, Cpu> on_cpu(g, k.filters);
    mt::ops::Conv2d<T, Cuda> on_gpu(g, k.filters);
    on_cpu.reserve(cpu, k.n);
    on_gpu.reserve(gpu, k.n);

    const auto x = mt_cuda::random<T>(Shape{k.n, k.h, k.w, k.c}, seed++);
    const auto kernel = mt_cuda::random<T>(Shape{k.kernel, k.kernel, k.c, k.filters}, seed++);
    const auto dy = mt_cuda::random<T>(Shape{k.n, g.oh, g.ow, k.filters}, seed++);
    const auto gx = mt::to<Cuda>(x), gkernel = mt::to<Cuda>(kernel), gdy = mt::to<Cuda>(dy);

    mt::Tensor<T, Cpu> y(Shape{k.n, g.oh, g.ow, k.filters});
    mt::Tensor<T, Cuda> gy(y.shape());
    on_cpu.forward(cpu, y, x, kernel, mt::Mode::train);
    on_gpu.forward(gpu, gy, gx, gkernel, mt::Mode::train);
    EXPECT_TRUE(mt_cuda::near(y, gy, output_tolerance<T>())) << "forward";

    // Overwrite: dkernel starts as NaN on both sides and must not keep any.
    const auto nan = mt::full<float, Cpu>(kernel.shape(), std::numeric_limits<float>::quiet_NaN());
    auto dkernel = nan.clone();
    auto gdkernel = mt::to<Cuda>(nan);
    mt::Tensor<T, Cpu> dx(x.shape());
    mt::Tensor<T, Cuda> gdx(x.shape());
    on_cpu.backward(cpu, dx, dkernel, dy, x, kernel, mt::Accumulate::overwrite);
    on_gpu.backward(gpu, gdx, gdkernel, gdy, gx, gkernel, mt::Accumulate::overwrite);
    EXPECT_TRUE(mt_cuda::near(dx, gdx, dx_tolerance(dy, kernel, g, k.filters))) << "dx";
    EXPECT_TRUE(mt_cuda::near(dkernel, gdkernel, kGradTolerance)) << "dkernel (overwrite)";

    // Accumulate onto a gradient that holds values already; no dx requested.
    const auto start = mt_cuda::random<float>(kernel.shape(), seed++);
    dkernel = start.clone();
    gdkernel = mt::to<Cuda>(start);
    on_cpu.backward(cpu, mt::TensorView<T, Cpu>(), dkernel, dy, x, kernel, mt::Accumulate::add);
    on_gpu.backward(gpu, mt::TensorView<T, Cuda>(), gdkernel, gdy, gx, gkernel, mt::Accumulate::add);
    EXPECT_TRUE(mt_cuda::near(dkernel, gdkernel, kGradTolerance)) << "dkernel (add)";
  }
}

// A batch below the reserved one (an epoch's last) gets its own plan and the same results;
// inference between forward(train) and backward leaves backward's inputs alone.
TYPED_TEST(CudaConv, SmallerBatchAndInferenceBetweenForwardAndBackward) {
  MANTISSA_REQUIRE_GPU();
  using T = TypeParam;
  auto& gpu = mt::default_context<Cuda>();
  auto& cpu = mt::default_context<Cpu>();
  // Stride 1 runs on cuDNN, stride 2 (asymmetric `same`) on im2col + cuBLAS.
  for (const std::int64_t stride : {1, 2}) {
    const auto g = mt::window_2d(1, 12, 10, 3, 3, stride, mt::Padding::same);
    mt::ops::Conv2d<T, Cpu> on_cpu(g, 4);
    mt::ops::Conv2d<T, Cuda> on_gpu(g, 4);
    on_cpu.reserve(cpu, 3);
    on_gpu.reserve(gpu, 3);
    const auto x = mt_cuda::random<T>(Shape{2, 12, 10, 3}, 61);
    const auto other = mt_cuda::random<T>(Shape{3, 12, 10, 3}, 62);
    const auto kernel = mt_cuda::random<T>(Shape{3, 3, 3, 4}, 63);
    const auto dy = mt_cuda::random<T>(Shape{2, g.oh, g.ow, 4}, 64);
    const auto gx = mt::to<Cuda>(x), gkernel = mt::to<Cuda>(kernel);
    mt::Tensor<T, Cpu> y(Shape{2, g.oh, g.ow, 4}), y3(Shape{3, g.oh, g.ow, 4});
    mt::Tensor<T, Cuda> gy(y.shape()), gy3(y3.shape());
    on_cpu.forward(cpu, y, x, kernel, mt::Mode::train);
    on_gpu.forward(gpu, gy, gx, gkernel, mt::Mode::train);
    on_cpu.forward(cpu, y3, other, kernel, mt::Mode::infer);
    const auto gother = mt::to<Cuda>(other);
    on_gpu.forward(gpu, gy3, gother, gkernel, mt::Mode::infer);
    EXPECT_TRUE(mt_cuda::near(y, gy, output_tolerance<T>()));
    EXPECT_TRUE(mt_cuda::near(y3, gy3, output_tolerance<T>()));
    mt::Tensor<float, Cpu> dkernel(kernel.shape());
    mt::Tensor<float, Cuda> gdkernel(kernel.shape());
    mt::Tensor<T, Cpu> dx(x.shape());
    mt::Tensor<T, Cuda> gdx(x.shape());
    on_cpu.backward(cpu, dx, dkernel, dy, x, kernel, mt::Accumulate::overwrite);
    const auto gdy1 = mt::to<Cuda>(dy);
    on_gpu.backward(gpu, gdx, gdkernel, gdy1, gx, gkernel, mt::Accumulate::overwrite);
    EXPECT_TRUE(mt_cuda::near(dx, gdx, dx_tolerance(dy, kernel, g, 4)));
    EXPECT_TRUE(mt_cuda::near(dkernel, gdkernel, kGradTolerance));
  }
}

// The same backward twice gives the same bits: cuDNN's non-deterministic algorithms (atomic
// sums; the emulated cuDNN varies their last bits between calls, as a GPU would) are never
// chosen.
TYPED_TEST(CudaConv, BackwardIsDeterministic) {
  MANTISSA_REQUIRE_GPU();
  using T = TypeParam;
  auto& gpu = mt::default_context<Cuda>();
  const Case& k = kCases[1];  // the reference CNN's second convolution: on cuDNN
  const auto g = mt::window_2d(1, k.h, k.w, k.c, k.kernel, k.stride, k.padding);
  mt::ops::Conv2d<T, Cuda> conv(g, k.filters);
  const auto x = mt::to<Cuda>(mt_cuda::random<T>(Shape{k.n, k.h, k.w, k.c}, 81));
  const auto kernel =
      mt::to<Cuda>(mt_cuda::random<T>(Shape{k.kernel, k.kernel, k.c, k.filters}, 82));
  const auto dy = mt::to<Cuda>(mt_cuda::random<T>(Shape{k.n, g.oh, g.ow, k.filters}, 83));
  mt::Tensor<T, Cuda> y(dy.shape());
  conv.forward(gpu, y, x, kernel, mt::Mode::train);
  mt::Tensor<T, Cuda> dx1(x.shape()), dx2(x.shape());
  mt::Tensor<float, Cuda> dk1(kernel.shape()), dk2(kernel.shape());
  conv.backward(gpu, dx1, dk1, dy, x, kernel, mt::Accumulate::overwrite);
  conv.backward(gpu, dx2, dk2, dy, x, kernel, mt::Accumulate::overwrite);
  EXPECT_TRUE(mt_cuda::same_bits(mt::to<Cpu>(dx1), dx2));
  EXPECT_TRUE(mt_cuda::same_bits(mt::to<Cpu>(dk1), dk2));
}

// The reserved step allocates nothing: every buffer and the workspace come from reserve().
TYPED_TEST(CudaConv, AReservedStepAllocatesNothing) {
  MANTISSA_REQUIRE_GPU();
  using T = TypeParam;
  auto& gpu = mt::default_context<Cuda>();
  for (const Case& k : kCases) {
    SCOPED_TRACE(k.name);
    const auto g = mt::window_2d(1, k.h, k.w, k.c, k.kernel, k.stride, k.padding);
    mt::ops::Conv2d<T, Cuda> conv(g, k.filters);
    conv.reserve(gpu, k.n);
    const auto x = mt::to<Cuda>(mt_cuda::random<T>(Shape{k.n, k.h, k.w, k.c}, 71));
    const auto kernel =
        mt::to<Cuda>(mt_cuda::random<T>(Shape{k.kernel, k.kernel, k.c, k.filters}, 72));
    mt::Tensor<T, Cuda> y(Shape{k.n, g.oh, g.ow, k.filters}), dx(x.shape());
    mt::Tensor<float, Cuda> dkernel(kernel.shape());
    const auto before = mt::cuda_allocation_stats().allocations;
    conv.forward(gpu, y, x, kernel, mt::Mode::train);
    conv.backward(gpu, dx, dkernel, y, x, kernel, mt::Accumulate::overwrite);
    EXPECT_EQ(mt::cuda_allocation_stats().allocations, before);
  }
}

}  // namespace
