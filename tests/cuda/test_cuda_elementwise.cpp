// tests/cuda/test_cuda_elementwise.cpp: the CUDA backend's elementwise ops, activations,
// casts and reductions against the CPU backend, through the public ops,
// for float, half and bfloat16, from the same inputs. Bit for bit where both compute the
// same float operations (binary ops, relu, casts, max, argmax); within a tolerance where
// the GPU's exp / log / tanh or its order of additions differs from the CPU's.
#include <algorithm>
#include <bit>
#include <cmath>
#include <concepts>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>

#include "parity.hpp"

namespace mt = mantissa;
using mt::Activation;
using mt::BinaryOp;
using mt::Cpu;
using mt::Cuda;
using mt::Shape;
using mt::Tensor;

namespace {

using mt_cuda::cpu_ctx;
using mt_cuda::float32_result;
using mt_cuda::gpu_ctx;
using mt_cuda::set;
using mt_cuda::tied;

template <class T>
bool is_nan(T v) {
  if constexpr (mt::FloatDtype<T>) return std::isnan(static_cast<float>(v));
  else return false;
}

// Bit for bit, except that two NaNs match whatever their payloads: a GPU's arithmetic gives
// the canonical NaN where x86 propagates an operand's.
template <class T>
::testing::AssertionResult same_bits_or_nan(const Tensor<T, Cpu>& cpu,
                                            const Tensor<T, Cuda>& cuda) {
  const auto back = mt::to<Cpu>(cuda);
  if (back.shape() != cpu.shape()) return ::testing::AssertionFailure() << "shapes differ";
  for (std::int64_t i = 0; i < cpu.numel(); ++i) {
    if (is_nan(cpu[i]) && is_nan(back[i])) continue;
    if (std::memcmp(&cpu[i], &back[i], sizeof(T)) != 0)
      return ::testing::AssertionFailure()
             << "first difference at flat index " << i << " of " << cpu.numel() << ": cpu "
             << static_cast<double>(static_cast<float>(cpu[i])) << ", cuda "
             << static_cast<double>(static_cast<float>(back[i]));
  }
  return ::testing::AssertionSuccess();
}

template <class T>
Tensor<T, Cpu> random(Shape shape, std::uint64_t seed, float lo = -2.0f, float hi = 2.0f) {
  return mt_cuda::random<T>(shape, seed, lo, hi);
}

// Special values at the front of x (as many as fit): NaN, +-inf, +-0 and a few exact ones.
template <class T>
void add_specials(Tensor<T, Cpu>& x) {
  const float inf = std::numeric_limits<float>::infinity();
  const float specials[] = {std::nanf(""), inf, -inf, 0.0f, -0.0f, 1.0f, -1.0f, 0.5f};
  for (std::int64_t i = 0; i < x.numel() && i < 8; ++i) set(x, i, specials[i]);
}

constexpr std::int64_t kSizes[] = {1, 7, 70001};  // one, odd, several blocks and chunks

template <class T>
class CudaParity : public ::testing::Test {};
TYPED_TEST_SUITE(CudaParity, mt_cuda::FloatDtypes, mt_cuda::DtypeName);

// ---- binary ops -----------------------------------------------------------------------------

TYPED_TEST(CudaParity, BinaryOpsAreBitExact) {
  MANTISSA_REQUIRE_GPU();
  using T = TypeParam;
  for (const std::int64_t n : kSizes) {
    auto a = random<T>(Shape{n}, 1), b = random<T>(Shape{n}, 2);
    add_specials(a);
    if (n > 1) set(b, 1, std::numeric_limits<float>::infinity());  // inf - inf: NaN
    const auto ga = mt::to<Cuda>(a), gb = mt::to<Cuda>(b);
    for (const BinaryOp op : {BinaryOp::add, BinaryOp::sub, BinaryOp::mul, BinaryOp::div}) {
      auto out = Tensor<T, Cpu>::empty(a.shape());
      auto gout = Tensor<T, Cuda>::empty(a.shape());
      mt::ops::binary(cpu_ctx(), op, out, a, b);
      mt::ops::binary(gpu_ctx(), op, gout, ga, gb);
      EXPECT_TRUE(same_bits_or_nan(out, gout)) << "op " << static_cast<int>(op) << ", n " << n;
    }
  }
}

TYPED_TEST(CudaParity, ScalarOpsAreBitExactOnBothSides) {
  MANTISSA_REQUIRE_GPU();
  using T = TypeParam;
  for (const std::int64_t n : kSizes) {
    auto a = random<T>(Shape{n}, 3);
    add_specials(a);
    const auto ga = mt::to<Cuda>(a);
    for (const BinaryOp op : {BinaryOp::add, BinaryOp::sub, BinaryOp::mul, BinaryOp::div}) {
      for (const bool scalar_first : {false, true}) {
        auto out = Tensor<T, Cpu>::empty(a.shape());
        auto gout = Tensor<T, Cuda>::empty(a.shape());
        mt::ops::binary_scalar(cpu_ctx(), op, out, a, 0.37f, scalar_first);
        mt::ops::binary_scalar(gpu_ctx(), op, gout, ga, 0.37f, scalar_first);
        EXPECT_TRUE(same_bits_or_nan(out, gout))
            << "op " << static_cast<int>(op) << ", scalar first " << scalar_first << ", n " << n;
      }
    }
  }
  // The value-returning operators put the scalar on its side.
  const auto x = random<T>(Shape{33}, 4);
  const auto gx = mt::to<Cuda>(x);
  EXPECT_TRUE(same_bits_or_nan(2.5f - x, 2.5f - gx));
  EXPECT_TRUE(same_bits_or_nan(x - 2.5f, gx - 2.5f));
}

// ---- activations ----------------------------------------------------------------------------

constexpr Activation kActivations[] = {Activation::relu, Activation::sigmoid, Activation::tanh,
                                       Activation::exp,  Activation::log,     Activation::softmax};
// (rows, cols): one element, odd, many rows of a few classes, one long row.
const Shape kActivationShapes[] = {Shape{1, 1}, Shape{3, 7}, Shape{3000, 10}, Shape{1, 70001}};

template <class T>
Tensor<T, Cpu> activation_input(Activation f, const Shape& s, std::uint64_t seed) {
  if (f == Activation::log) return random<T>(s, seed, 0.01f, 4.0f);  // where log is defined
  auto x = random<T>(s, seed, -4.0f, 4.0f);
  if (f == Activation::relu) add_specials(x);  // relu keeps NaN and -0
  return x;
}

// relu computes no float operation and exp's derivative is one product: the same bits.
// The others go through CUDA's exp / log / tanh, an ulp or two from Eigen's: the dtype's
// tolerance (one rounding step of a 16-bit result).
bool exact(Activation f, bool backward) {
  return f == Activation::relu || (backward && f == Activation::exp);
}

TYPED_TEST(CudaParity, ActivationsForward) {
  MANTISSA_REQUIRE_GPU();
  using T = TypeParam;
  for (const Activation f : kActivations) {
    for (const Shape& s : kActivationShapes) {
      const auto x = activation_input<T>(f, s, 5);
      auto y = Tensor<T, Cpu>::empty(s);
      auto gy = Tensor<T, Cuda>::empty(s);
      mt::ops::activation(cpu_ctx(), f, y, x);
      mt::ops::activation(gpu_ctx(), f, gy, mt::to<Cuda>(x));
      if (exact(f, false))
        EXPECT_TRUE(same_bits_or_nan(y, gy)) << mt::activation_name(f) << " " << s.str();
      else
        EXPECT_TRUE(mt_cuda::near(y, gy, mt_cuda::tolerance_for<T>()))
            << mt::activation_name(f) << " " << s.str();
    }
  }
}

TYPED_TEST(CudaParity, ActivationsBackwardFromTheForwardOutput) {
  MANTISSA_REQUIRE_GPU();
  using T = TypeParam;
  for (const Activation f : kActivations) {
    for (const Shape& s : kActivationShapes) {
      const auto x = activation_input<T>(f, s, 6);
      auto y = Tensor<T, Cpu>::empty(s);
      mt::ops::activation(cpu_ctx(), f, y, x);
      const auto dy = random<T>(s, 7);
      auto dx = Tensor<T, Cpu>::empty(s);
      auto gdx = Tensor<T, Cuda>::empty(s);
      mt::ops::activation_backward(cpu_ctx(), f, dx, dy, y);
      mt::ops::activation_backward(gpu_ctx(), f, gdx, mt::to<Cuda>(dy), mt::to<Cuda>(y));
      if (exact(f, true))
        EXPECT_TRUE(same_bits_or_nan(dx, gdx)) << mt::activation_name(f) << " " << s.str();
      else
        EXPECT_TRUE(mt_cuda::near(dx, gdx, mt_cuda::tolerance_for<T>()))
            << mt::activation_name(f) << " " << s.str();
    }
  }
}

TYPED_TEST(CudaParity, ActivationsInPlace) {
  MANTISSA_REQUIRE_GPU();
  using T = TypeParam;
  auto x = random<T>(Shape{5, 9}, 8);
  auto gx = mt::to<Cuda>(x);
  mt::ops::activation(cpu_ctx(), Activation::softmax, x, x);
  mt::ops::activation(gpu_ctx(), Activation::softmax, gx, gx);
  EXPECT_TRUE(mt_cuda::near(x, gx, mt_cuda::tolerance_for<T>()));
}

// ---- casts ----------------------------------------------------------------------------------

template <class T>
void put_bits(Tensor<T, Cpu>& t, std::int64_t i, std::uint32_t bits) {
  if constexpr (std::same_as<T, float>) t[i] = std::bit_cast<float>(bits);
  else t[i] = T(mt::from_bits, static_cast<std::uint16_t>(bits));
}

// Values every conversion out of From must carry bit for bit: NaNs with payloads (quiet and
// signalling, both signs), infinities, zeros, ties of half and bfloat16 rounding, overflow
// into inf, subnormals; then random values of several magnitudes. With to_integer, only
// values an integer cast accepts (in (-1, 256), for uint8 too).
template <class From>
Tensor<From, Cpu> cast_source(bool to_integer) {
  const std::int64_t n = 70001;
  auto x = Tensor<From, Cpu>::empty(Shape{n});
  std::int64_t k = 0;
  if constexpr (std::same_as<From, std::uint8_t>) {
    for (; k < 256; ++k) x[k] = static_cast<std::uint8_t>(k);
    for (std::int64_t i = k; i < n; ++i) x[i] = static_cast<std::uint8_t>(i * 37);
  } else if constexpr (std::same_as<From, std::int32_t>) {
    for (const std::int64_t v :
         {0LL, 1LL, -1LL, 255LL, 256LL, -129LL, 2049LL, 2051LL, 65519LL, 65520LL, 65535LL,
          16777217LL, 16777219LL, 2147483647LL, -2147483648LL, -16777217LL})
      x[k++] = static_cast<std::int32_t>(v);
    for (std::int64_t i = k; i < n; ++i)
      x[i] = static_cast<std::int32_t>((i * 2654435761LL) % 4294967296LL - 2147483648LL);
  } else if (to_integer) {
    // Exact in every floating dtype (bfloat16 rounds 255.5 up to 256, out of uint8's range).
    for (const float v : {0.0f, -0.0f, -0.75f, 0.5f, 1.5f, 2.5f, 254.0f, 255.0f}) set(x, k++, v);
    auto r = random<From>(Shape{n - k}, 9, -0.99f, 250.0f);
    for (std::int64_t i = 0; i < r.numel(); ++i) x[k + i] = r[i];
  } else {
    const std::uint32_t float_bits[] = {
        0x7fc00000u, 0xffc12345u, 0x7fa00001u, 0xff800001u,  // NaNs: quiet, signalling
        0x7f800000u, 0xff800000u, 0x00000000u, 0x80000000u,  // +-inf, +-0
        0x3f801000u, 0x3f803000u, 0x3f808000u, 0x3f818000u,  // half ties, bfloat16 ties
        0x477fefffu, 0x477ff000u, 0x47800000u, 0x7f7fffffu,  // around half's max; float's max
        0x33000000u, 0x33400000u, 0x33c00000u, 0x00000001u,  // half subnormal ties; denorm
        0x7f7f8000u, 0x80400000u};                           // bfloat16 overflow tie; subnormal
    const std::uint32_t half_bits[] = {0x7e00u, 0xfe55u, 0x7d01u, 0xfc01u, 0x7c00u, 0xfc00u,
                                       0x0000u, 0x8000u, 0x0001u, 0x8001u, 0x03ffu, 0x7bffu};
    const std::uint32_t bf16_bits[] = {0x7fc0u, 0xffc1u, 0x7f81u, 0xff81u, 0x7f80u, 0xff80u,
                                       0x0000u, 0x8000u, 0x0001u, 0x8001u, 0x007fu, 0x7f7fu};
    if constexpr (std::same_as<From, float>)
      for (const auto b : float_bits) put_bits(x, k++, b);
    else if constexpr (std::same_as<From, mt::half>)
      for (const auto b : half_bits) put_bits(x, k++, b);
    else
      for (const auto b : bf16_bits) put_bits(x, k++, b);
    auto small = random<From>(Shape{n / 2}, 10, -1e-4f, 1e-4f);
    auto large = random<From>(Shape{n - k - n / 2}, 11, -7e4f, 7e4f);
    for (std::int64_t i = 0; i < small.numel(); ++i) x[k + i] = small[i];
    for (std::int64_t i = 0; i < large.numel(); ++i) x[k + small.numel() + i] = large[i];
  }
  return x;
}

template <class To, class From>
void expect_cast_same_bits() {
  const auto src = cast_source<From>(!mt::FloatDtype<To> && mt::FloatDtype<From>);
  for (const std::int64_t n : kSizes) {
    const auto s = src.slice(0, n);
    auto out = Tensor<To, Cpu>::empty(Shape{n});
    auto gout = Tensor<To, Cuda>::empty(Shape{n});
    mt::ops::cast_into(cpu_ctx(), out, s);
    mt::ops::cast_into(gpu_ctx(), gout, mt::to<Cuda>(s));
    EXPECT_TRUE(mt_cuda::same_bits(out, gout))
        << mt::dtype_name<From> << " -> " << mt::dtype_name<To> << ", n " << n;
  }
  // The value-returning form.
  EXPECT_TRUE(mt_cuda::same_bits(mt::cast<To>(src), mt::cast<To>(mt::to<Cuda>(src))))
      << mt::dtype_name<From> << " -> " << mt::dtype_name<To>;
}

template <class From>
void expect_casts_from() {
  expect_cast_same_bits<float, From>();
  expect_cast_same_bits<mt::half, From>();
  expect_cast_same_bits<mt::bfloat16, From>();
  expect_cast_same_bits<std::int32_t, From>();
  expect_cast_same_bits<std::uint8_t, From>();
}

TEST(CudaCast, EveryPairIsBitExact) {
  MANTISSA_REQUIRE_GPU();
  expect_casts_from<float>();
  expect_casts_from<mt::half>();
  expect_casts_from<mt::bfloat16>();
  expect_casts_from<std::int32_t>();
  expect_casts_from<std::uint8_t>();
}

// Floating -> integer refuses NaN, inf and values out of range with the CPU's error, which
// names the first bad element.
template <class To, class From>
void expect_same_cast_error(std::int64_t first_bad, float bad_value, float later_bad_value) {
  auto x = random<From>(Shape{70001}, 12, 0.0f, 200.0f);
  set(x, first_bad, bad_value);
  set(x, 69000, later_bad_value);
  std::string cpu_error, gpu_error;
  try {
    (void)mt::cast<To>(x);
  } catch (const mt::NumericsError& e) {
    cpu_error = e.what();
  }
  try {
    (void)mt::cast<To>(mt::to<Cuda>(x));
  } catch (const mt::NumericsError& e) {
    gpu_error = e.what();
  }
  EXPECT_FALSE(cpu_error.empty());
  EXPECT_EQ(gpu_error, cpu_error);
}

TYPED_TEST(CudaParity, CastToIntegerRefusesWhatTheCpuRefuses) {
  MANTISSA_REQUIRE_GPU();
  using T = TypeParam;
  const float inf = std::numeric_limits<float>::infinity();
  expect_same_cast_error<std::int32_t, T>(5000, std::nanf(""), inf);
  expect_same_cast_error<std::int32_t, T>(0, -inf, std::nanf(""));
  expect_same_cast_error<std::uint8_t, T>(69999, 256.0f, -1.0f);
  expect_same_cast_error<std::uint8_t, T>(3, -1.0f, 1e4f);
  if constexpr (!std::same_as<T, mt::half>)  // beyond half's range
    expect_same_cast_error<std::int32_t, T>(4097, 3e9f, -3e9f);
}

// ---- reductions -----------------------------------------------------------------------------

struct ReduceCase {
  Shape shape;
  int axis;
};
// Lengths of 1, odd, one chunk and several (4096 elements a chunk); inner 1 and more.
const ReduceCase kReduceCases[] = {
    {Shape{1}, 0},          {Shape{70001}, 0},      {Shape{3, 9001, 2}, 1}, {Shape{3000, 10}, 1},
    {Shape{3000, 10}, 0},   {Shape{7, 1, 3}, 1},    {Shape{2, 5000}, -1},   {Shape{9, 13}, 0}};

TYPED_TEST(CudaParity, SumOverAnyAxis) {
  MANTISSA_REQUIRE_GPU();
  using T = TypeParam;
  for (const auto& [shape, axis] : kReduceCases) {
    const auto x = random<T>(shape, 13);
    // The inputs widen exactly; the CPU adds in 512-element blocks (vectorised inside), the
    // GPU in 4096-element chunks: the float32 sums differ by rounding, which grows with the
    // length summed (seen: 1e-4 over 70,001 values in [-2, 2]; the bound is ten times that).
    const auto len = static_cast<float>(shape[axis < 0 ? axis + shape.rank() : axis]);
    const mt_cuda::Tolerance tol{2e-7f * len, 1e-5f};
    EXPECT_TRUE(mt_cuda::near(mt::sum(x, axis), mt::sum(mt::to<Cuda>(x), axis), tol))
        << shape.str() << " axis " << axis;
  }
  const auto x = random<T>(Shape{70001}, 14);
  EXPECT_TRUE(mt_cuda::near(mt::sum(x), mt::sum(mt::to<Cuda>(x)), {0.014f, 1e-5f}));
}

// mean is the float32 sum divided by the length: the sums' tolerance, and the division exact.
TYPED_TEST(CudaParity, MeanOverAnyAxis) {
  MANTISSA_REQUIRE_GPU();
  using T = TypeParam;
  for (const auto& [shape, axis] : kReduceCases) {
    const auto x = random<T>(shape, 15);
    const auto len = static_cast<float>(shape[axis < 0 ? axis + shape.rank() : axis]);
    const mt_cuda::Tolerance tol{2e-7f * len, 1e-5f};
    EXPECT_TRUE(mt_cuda::near(mt::mean(x, axis), mt::mean(mt::to<Cuda>(x), axis), tol))
        << shape.str() << " axis " << axis;
  }
}

// A transpose moves bits: exact, for every dtype; and Tensor<T, Cuda>::from lists on the host.
template <class T>
void expect_transpose_same_bits() {
  for (const Shape& s : {Shape{1, 1}, Shape{3, 7}, Shape{300, 257}}) {
    const auto x = mt::cast<T>(random<float>(s, 16, 0.0f, 100.0f));
    EXPECT_TRUE(same_bits_or_nan(mt::transpose(x), mt::transpose(mt::to<Cuda>(x)))) << s.str();
  }
}

TEST(CudaTranspose, EveryDtypeIsBitExact) {
  MANTISSA_REQUIRE_GPU();
  expect_transpose_same_bits<float>();
  expect_transpose_same_bits<mt::half>();
  expect_transpose_same_bits<mt::bfloat16>();
  expect_transpose_same_bits<std::int32_t>();
  expect_transpose_same_bits<std::uint8_t>();
  EXPECT_TRUE(same_bits_or_nan(Tensor<mt::half, Cpu>::from({{1, 2}, {3, 4}}),
                               Tensor<mt::half, Cuda>::from({{1, 2}, {3, 4}})));
}

TYPED_TEST(CudaParity, MaxAndArgmaxAreExactWithTiesAndNans) {
  MANTISSA_REQUIRE_GPU();
  using T = TypeParam;
  for (const auto& [shape, axis] : kReduceCases) {
    auto x = tied<T>(shape, 15);
    const auto gx = mt::to<Cuda>(x);
    EXPECT_TRUE(mt_cuda::same_bits(mt::max(x, axis), mt::max(gx, axis)))
        << shape.str() << " axis " << axis;
    EXPECT_TRUE(mt_cuda::same_bits(mt::argmax(x, axis), mt::argmax(gx, axis)))
        << shape.str() << " axis " << axis;
  }
  // (3, 9001, 2) over axis 1, three chunks: column (0, 1) has its maximum twice, in the
  // second and third chunks; column (1, 0) a NaN in the second chunk and one in the third
  // after it; column (2, 1) a NaN first; -0 and +0 tie in column (2, 0).
  auto x = tied<T>(Shape{3, 9001, 2}, 16);
  const auto at = [](std::int64_t o, std::int64_t l, std::int64_t i) {
    return (o * 9001 + l) * 2 + i;
  };
  set(x, at(0, 6000, 1), 3.0f);
  set(x, at(0, 8500, 1), 3.0f);
  set(x, at(1, 5000, 0), std::nanf(""));
  set(x, at(1, 8200, 0), -std::nanf(""));
  set(x, at(2, 0, 1), std::nanf(""));
  for (std::int64_t l = 0; l < 9001; ++l) set(x, at(2, l, 0), l % 2 ? 0.0f : -0.0f);
  const auto gx = mt::to<Cuda>(x);
  EXPECT_TRUE(mt_cuda::same_bits(mt::max(x, 1), mt::max(gx, 1)));
  const auto where = mt::argmax(gx, 1);
  EXPECT_TRUE(mt_cuda::same_bits(mt::argmax(x, 1), where));
  const auto back = mt::to<Cpu>(where);
  EXPECT_EQ(back[1], 6000);
  EXPECT_EQ(back[2], 5000);
  EXPECT_EQ(back[5], 0);
  EXPECT_EQ(back[4], 0);
}

TYPED_TEST(CudaParity, SoftmaxAndLogSumExpInFloat32) {
  MANTISSA_REQUIRE_GPU();
  using T = TypeParam;
  for (const Shape& s : {Shape{1, 1}, Shape{3000, 10}, Shape{7, 129}, Shape{2, 70001}}) {
    auto x = random<T>(s, 17, -8.0f, 8.0f);
    if (s[1] > 2) {
      set(x, 1, 60.0f);  // e^60 overflows float without the max subtracted
      set(x, 2, -std::numeric_limits<float>::infinity());
    }
    const auto gx = mt::to<Cuda>(x);
    EXPECT_TRUE(mt_cuda::near(mt::softmax(x), mt::softmax(gx), float32_result)) << s.str();
    EXPECT_TRUE(mt_cuda::near(mt::log_sum_exp(x), mt::log_sum_exp(gx), float32_result))
        << s.str();
  }
}

}  // namespace
