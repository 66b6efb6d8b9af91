// tests/core/test_ops.cpp: elementwise ops, activations and reductions against naive double
// references, for float, half and bfloat16, on odd sizes; and the ops' shape errors.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <string>

#include "mantissa/core/core.hpp"

namespace mt = mantissa;
using mt::Shape;
using mt::Tensor;

namespace {

template <class T>
double tol() {  // relative: one rounding into T (plus float math for the transcendentals)
  if constexpr (std::is_same_v<T, float>) return 2e-6;
  else if constexpr (std::is_same_v<T, mt::half>) return 1.0 / 1024;
  else return 1.0 / 128;
}

double d(float v) { return v; }
template <class T>
double d(T v) { return static_cast<float>(v); }

template <class T>
Tensor<T> random_tensor(Shape s, float lo, float hi, std::uint64_t seed) {
  mt::Generator g(seed);
  return mt::uniform<T>(s, lo, hi, g);
}

template <class T>
void expect_close(double got, double want, const char* what, std::int64_t i) {
  const double scale = std::max(1.0, std::abs(want));
  ASSERT_LE(std::abs(got - want), tol<T>() * scale) << what << " at " << i << ": got " << got
                                                    << ", want " << want;
}

const std::int64_t kSizes[] = {1, 7, 33, 129, 40000};  // 40000 crosses the threading block

}  // namespace

template <class T>
class OpsTyped : public ::testing::Test {};
using FloatTypes = ::testing::Types<float, mt::half, mt::bfloat16>;
TYPED_TEST_SUITE(OpsTyped, FloatTypes);

TYPED_TEST(OpsTyped, BinaryMatchesNaive) {
  using T = TypeParam;
  for (auto n : kSizes) {
    auto a = random_tensor<T>(Shape{n}, -3.0f, 3.0f, 1);
    auto b = random_tensor<T>(Shape{n}, -3.0f, 3.0f, 2);
    auto sum = a + b, diff = a - b, prod = a * b;
    for (std::int64_t i = 0; i < n; ++i) {
      expect_close<T>(d(sum[i]), d(a[i]) + d(b[i]), "a+b", i);
      expect_close<T>(d(diff[i]), d(a[i]) - d(b[i]), "a-b", i);
      expect_close<T>(d(prod[i]), d(a[i]) * d(b[i]), "a*b", i);
    }
  }
}

TYPED_TEST(OpsTyped, ScalarFormsMatchNaive) {
  using T = TypeParam;
  for (auto n : kSizes) {
    auto a = random_tensor<T>(Shape{n}, -3.0f, 3.0f, 3);
    auto p = a + 0.5f, m = 2.0f - a, q = a * 3.0f;
    for (std::int64_t i = 0; i < n; ++i) {
      expect_close<T>(d(p[i]), d(a[i]) + 0.5, "a+s", i);
      expect_close<T>(d(m[i]), 2.0 - d(a[i]), "s-a", i);
      expect_close<T>(d(q[i]), d(a[i]) * 3.0, "a*s", i);
    }
  }
}

TYPED_TEST(OpsTyped, ActivationsMatchNaive) {
  using T = TypeParam;
  for (auto n : kSizes) {
    auto x = random_tensor<T>(Shape{n}, -6.0f, 6.0f, 4);
    auto pos = random_tensor<T>(Shape{n}, 0.01f, 50.0f, 5);
    auto r = mt::relu(x), s = mt::sigmoid(x), t = mt::tanh(x), e = mt::exp(x), l = mt::log(pos);
    for (std::int64_t i = 0; i < n; ++i) {
      const double v = d(x[i]);
      expect_close<T>(d(r[i]), v > 0 ? v : 0.0, "relu", i);
      expect_close<T>(d(s[i]), 1.0 / (1.0 + std::exp(-v)), "sigmoid", i);
      expect_close<T>(d(t[i]), std::tanh(v), "tanh", i);
      expect_close<T>(d(e[i]), std::exp(v), "exp", i);
      expect_close<T>(d(l[i]), std::log(d(pos[i])), "log", i);
    }
  }
}

TEST(Ops, ActivationEdgeCases) {
  Tensor<float> x(Shape{5});
  x[0] = -1000.0f;
  x[1] = 1000.0f;
  x[2] = std::numeric_limits<float>::quiet_NaN();
  x[3] = -0.0f;
  x[4] = 0.0f;
  auto s = mt::sigmoid(x);
  EXPECT_EQ(s[0], 0.0f);  // no NaN from inf / inf
  EXPECT_EQ(s[1], 1.0f);
  EXPECT_TRUE(std::isnan(s[2]));
  auto r = mt::relu(x);
  EXPECT_TRUE(std::isnan(r[2]));  // relu propagates NaN, as PyTorch
  EXPECT_EQ(r[0], 0.0f);
  auto t = mt::tanh(x);
  EXPECT_EQ(t[1], 1.0f);
  EXPECT_EQ(t[0], -1.0f);
}

TYPED_TEST(OpsTyped, ReductionsAlongEveryAxis) {
  using T = TypeParam;
  const Shape shapes[] = {{7, 33, 5}, {1, 129, 7}, {129, 1, 33}, {33, 7, 1}};
  for (const Shape& s : shapes) {
    auto x = random_tensor<T>(s, -2.0f, 2.0f, 6);
    for (int axis = 0; axis < 3; ++axis) {
      auto sm = mt::sum(x, axis);
      auto mx = mt::max(x, axis);
      auto am = mt::argmax(x, axis);
      static_assert(std::is_same_v<decltype(sm), Tensor<float>>, "sum returns float32");
      static_assert(std::is_same_v<decltype(mx), Tensor<T>>, "max keeps the dtype");
      static_assert(std::is_same_v<decltype(am), Tensor<std::int32_t>>, "argmax is int32");
      const std::int64_t len = s[axis];
      std::int64_t o = 0;
      for (std::int64_t i = 0; i < s[0]; ++i)
        for (std::int64_t j = 0; j < s[1]; ++j)
          for (std::int64_t k = 0; k < s[2]; ++k) {
            const std::int64_t idx[3] = {i, j, k};
            if (idx[axis] != 0) continue;
            double ref_sum = 0, ref_max = -1e30;
            std::int64_t ref_arg = 0;
            for (std::int64_t l = 0; l < len; ++l) {
              std::int64_t w[3] = {i, j, k};
              w[axis] = l;
              const double v = d(x(w[0], w[1], w[2]));
              ref_sum += v;
              if (v > ref_max) ref_max = v, ref_arg = l;
            }
            ASSERT_NEAR(sm[o], ref_sum, 1e-5 * static_cast<double>(len)) << s.str() << " axis " << axis;
            ASSERT_EQ(d(mx[o]), ref_max) << s.str() << " axis " << axis;
            ASSERT_EQ(am[o], ref_arg) << s.str() << " axis " << axis;
            ++o;
          }
      EXPECT_EQ(o, sm.numel());
    }
  }
}

TEST(Ops, SumOfEverythingAndLongRows) {
  auto x = mt::full<mt::half>(Shape{129, 1031}, 0.5f);
  auto all = mt::sum(x);
  EXPECT_EQ(all.rank(), 0);
  EXPECT_EQ(all[0], 0.5f * 129 * 1031);
  auto rows = mt::sum(x, -1);
  EXPECT_EQ(rows.shape(), (Shape{129}));
  EXPECT_EQ(rows[128], 0.5f * 1031);
}

TEST(Ops, MaxAndArgmaxWithNaNAndTies) {
  Tensor<float> x(Shape{2, 4});
  x(0, 1) = 3.0f;
  x(0, 3) = 3.0f;  // tie: first index wins
  x(1, 0) = 1.0f;
  x(1, 2) = std::numeric_limits<float>::quiet_NaN();
  auto m = mt::max(x, 1);
  auto a = mt::argmax(x, 1);
  EXPECT_EQ(m[0], 3.0f);
  EXPECT_EQ(a[0], 1);
  EXPECT_TRUE(std::isnan(m[1]));
  EXPECT_EQ(a[1], 2);
}

TEST(Ops, ShapeErrorsNameBothShapes) {
  Tensor<float> a(Shape{2, 3}), b(Shape{3, 2});
  try {
    auto c = a + b;
    FAIL();
  } catch (const mt::ShapeError& e) {
    EXPECT_STREQ(e.what(),
                 "binary op: shapes differ: (2, 3) vs (3, 2) (operands must have the same "
                 "shape; reshape or slice explicitly)");
  }
  try {
    auto c = mt::matmul(a, a);
    FAIL();
  } catch (const mt::ShapeError& e) {
    EXPECT_STREQ(e.what(),
                 "matmul: inner dimensions differ: a is (2, 3) and b is (2, 3); the columns of "
                 "the first must equal the rows of the second");
  }
  EXPECT_THROW((void)mt::sum(a, 2), mt::ShapeError);
  EXPECT_THROW((void)mt::max(Tensor<float>(Shape{0, 3}), 0), mt::ShapeError);
  Tensor<float> out(Shape{3, 3});
  EXPECT_THROW(mt::ops::gemm(mt::default_context<mt::Cpu>(), out, a, b), mt::ShapeError);  // product is (2, 2)
}

TEST(Ops, OutParameterFormsWriteInPlace) {
  auto a = mt::arange<float>(5), b = mt::full<float>(Shape{5}, 2.0f);
  Tensor<float> out(Shape{5});
  mt::ops::mul(mt::default_context<mt::Cpu>(), out, a, b);
  EXPECT_EQ(out[4], 8.0f);
  mt::ops::add(mt::default_context<mt::Cpu>(), out.view(), out, a);  // aliasing an input is allowed
  EXPECT_EQ(out[4], 12.0f);
  mt::ops::activation(mt::default_context<mt::Cpu>(), mt::Activation::relu, out, out - 5.0f);
  EXPECT_EQ(out[0], 0.0f);
  EXPECT_EQ(out[4], 7.0f);
}

TEST(Ops, MatmulSmall) {
  auto a = mt::arange<float>(6);
  auto b = mt::arange<float>(6);
  auto c = mt::matmul(a.reshape(Shape{2, 3}), b.reshape(Shape{3, 2}));
  // [[0 1 2],[3 4 5]] x [[0 1],[2 3],[4 5]] = [[10 13],[28 40]]
  EXPECT_EQ(c(0, 0), 10.0f);
  EXPECT_EQ(c(0, 1), 13.0f);
  EXPECT_EQ(c(1, 0), 28.0f);
  EXPECT_EQ(c(1, 1), 40.0f);
}

// ---- fills: the tensor's type, integers range-checked -----------------------------------------

// An integer tensor takes an integer of any type (the value, not the type, must fit); a value
// outside the dtype's range is a ValueError naming it and the range, and leaves the tensor as it
// was. (A float fill value for an integer tensor, or a double or int for a floating one, does not
// compile: tests/compile_fail/narrow_fill_*.)
TEST(Ops, FillChecksIntegerValuesAgainstTheDtypesRange) {
  auto& ctx = mt::default_context<mt::Cpu>();
  auto labels = mt::full<std::int32_t>(Shape{3}, 2147483647);
  EXPECT_EQ(labels[2], 2147483647);
  mt::ops::fill(ctx, labels, -2147483648LL);
  EXPECT_EQ(labels[0], std::numeric_limits<std::int32_t>::min());
  mt::ops::fill(ctx, labels, std::uint64_t{7});
  EXPECT_EQ(labels[1], 7);
  auto pixels = mt::full<std::uint8_t>(Shape{2}, 255u);
  EXPECT_EQ(pixels[1], 255);
  mt::ops::fill(ctx, pixels, 'A');  // a char is a small integer
  EXPECT_EQ(pixels[0], 65);

  auto message = [](auto&& f) -> std::string {
    try {
      f();
    } catch (const mt::ValueError& e) {
      return e.what();
    }
    return "no ValueError";
  };
  EXPECT_EQ(message([&] { mt::ops::fill(ctx, pixels, 256); }),
            "fill: the value 256 is out of range for uint8 [0, 255]");
  EXPECT_EQ(message([&] { mt::ops::fill(ctx, pixels, -1); }),
            "fill: the value -1 is out of range for uint8 [0, 255]");
  EXPECT_EQ(message([&] { mt::ops::fill(ctx, labels, std::numeric_limits<std::uint64_t>::max()); }),
            "fill: the value 18446744073709551615 is out of range for int32 "
            "[-2147483648, 2147483647]");
  EXPECT_EQ(message([] { (void)mt::full<std::int32_t>(Shape{2}, 3000000000LL); }),
            "fill: the value 3000000000 is out of range for int32 "
            "[-2147483648, 2147483647]");
  EXPECT_EQ(message([] { (void)mt::full<std::int32_t>(Shape{2}, -2147483649LL); }),
            "fill: the value -2147483649 is out of range for int32 "
            "[-2147483648, 2147483647]");
  EXPECT_EQ(pixels[1], 65);  // untouched by the failed fills
  EXPECT_EQ(labels[2], 7);
}

TEST(Ops, FillTakesAFloatForFloatingTensors) {
  auto h = mt::full<mt::half>(Shape{2}, 0.1f);
  EXPECT_EQ(h[1].bits, mt::half(0.1f).bits);  // rounded once, from the float
  auto b = mt::full<mt::bfloat16>(Shape{2}, 1e-30f);
  EXPECT_EQ(b[0].bits, mt::bfloat16(1e-30f).bits);  // bfloat16 has float's range: not 0
  auto f = mt::full<float>(Shape{3}, 1e-40f);  // a float subnormal stays what it is
  mt::ops::fill(mt::default_context<mt::Cpu>(), f.slice(1, 3), 2.5f);
  EXPECT_EQ(f[0], 1e-40f);
  EXPECT_EQ(f[2], 2.5f);
}
