// tests/core/test_tensor_basics.cpp: the tensor basics a user reaches for first: a tensor
// from a list of values (and how each dtype checks them), elementwise division (IEEE at
// zero), mean over everything or one axis, and the transpose of a matrix; each against a
// naive reference, and each wrong shape or value with the error that names it.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <type_traits>
#include <utility>

#include "mantissa/core/core.hpp"

namespace mt = mantissa;
using mt::Shape;
using mt::Tensor;

namespace {

double d(float v) { return v; }
template <class T>
double d(T v) {
  return static_cast<double>(static_cast<float>(v));
}

template <class T>
Tensor<T> random_tensor(Shape s, float lo, float hi, std::uint64_t seed) {
  mt::Generator g(seed);
  return mt::uniform<T>(s, lo, hi, g);
}

// The message of the exception f throws as E; a test failure if it throws nothing.
template <class E, class F>
std::string message_of(F&& f) {
  try {
    std::forward<F>(f)();
  } catch (const E& e) {
    return e.what();
  }
  ADD_FAILURE() << "nothing was thrown";
  return {};
}

template <class T>
bool same_bits(T a, T b) {
  return std::memcmp(&a, &b, sizeof(T)) == 0;
}

const float kInf = std::numeric_limits<float>::infinity();

}  // namespace

// ---- Tensor::from ---------------------------------------------------------------------------

TEST(TensorFrom, FlatListShapedListAndRows) {
  const auto v = Tensor<float>::from({0.5f, -1.5f, 2.0f});
  EXPECT_EQ(v.shape(), (Shape{3}));
  EXPECT_EQ(v[0], 0.5f);
  EXPECT_EQ(v[1], -1.5f);
  EXPECT_EQ(v[2], 2.0f);

  const auto m = Tensor<float>::from({1, 2, 3, 4, 5, 6}, {2, 3});  // row-major
  const auto r = Tensor<float>::from({{1, 2, 3}, {4, 5, 6}});
  EXPECT_EQ(m.shape(), (Shape{2, 3}));
  EXPECT_EQ(r.shape(), (Shape{2, 3}));
  for (std::int64_t i = 0; i < 2; ++i)
    for (std::int64_t j = 0; j < 3; ++j) {
      EXPECT_EQ(m(i, j), static_cast<float>(3 * i + j + 1));
      EXPECT_EQ(r(i, j), m(i, j));
    }

  const auto column = Tensor<float>::from({{1}, {2}});  // rows of one: a (2, 1) matrix
  EXPECT_EQ(column.shape(), (Shape{2, 1}));
  EXPECT_EQ(column(1, 0), 2.0f);
  EXPECT_EQ(Tensor<float>::from({7.0f}, Shape{}).shape(), Shape{});  // a scalar
}

TEST(TensorFrom, SixteenBitDtypesRoundAsTheirConstructors) {
  const auto h = Tensor<mt::half>::from({0.1f, 1.0f / 3.0f, 65504.0f, -2.0f});
  EXPECT_TRUE(same_bits(h[0], mt::half(0.1f)));
  EXPECT_TRUE(same_bits(h[1], mt::half(1.0f / 3.0f)));
  EXPECT_TRUE(same_bits(h[2], mt::half(65504.0f)));
  EXPECT_TRUE(same_bits(h[3], mt::half(-2.0f)));
  const auto b = Tensor<mt::bfloat16>::from({{0.1f, 1e38f}});
  EXPECT_TRUE(same_bits(b(0, 0), mt::bfloat16(0.1f)));
  EXPECT_TRUE(same_bits(b(0, 1), mt::bfloat16(1e38f)));  // bfloat16 has float32's range
  // Values of the tensor's own dtype are taken as they are.
  const mt::half third(1.0f / 3.0f);
  EXPECT_TRUE(same_bits(Tensor<mt::half>::from({third})[0], third));
}

// checked_cast's rules: no value becomes a silent inf in a 16-bit tensor.
TEST(TensorFrom, SixteenBitOverflowNanAndInfAreNumericsErrors) {
  const auto msg = message_of<mt::NumericsError>([] {
    (void)Tensor<mt::half>::from({1.0f, 2.0f, 70000.0f});
  });
  EXPECT_NE(msg.find("Tensor<float16>::from: element 2 is 70000"), std::string::npos) << msg;
  EXPECT_NE(msg.find("65504"), std::string::npos) << msg;
  EXPECT_THROW((void)Tensor<mt::half>::from({std::nanf("")}), mt::NumericsError);
  EXPECT_THROW((void)Tensor<mt::half>::from({{0.0f}, {-kInf}}), mt::NumericsError);
  EXPECT_THROW((void)Tensor<mt::half>::from({65520}), mt::NumericsError);  // an integer too
  EXPECT_THROW((void)Tensor<mt::bfloat16>::from({kInf}), mt::NumericsError);
  // float32 holds NaN and inf as they are: nothing narrows.
  const auto f = Tensor<float>::from({kInf, std::nanf("")});
  EXPECT_EQ(f[0], kInf);
  EXPECT_TRUE(std::isnan(f[1]));
}

TEST(TensorFrom, IntegersIntoFloatMustBeExact) {
  EXPECT_EQ(Tensor<float>::from({16777216, -16777216})[0], 16777216.0f);
  const auto msg = message_of<mt::ValueError>([] {
    (void)Tensor<float>::from({1, 16777217});
  });
  EXPECT_NE(msg.find("element 1 is the integer 16777217"), std::string::npos) << msg;
  EXPECT_THROW((void)Tensor<float>::from({std::int64_t{1} << 40}), mt::ValueError);
}

TEST(TensorFrom, IntegerDtypesCheckTheirRange) {
  const auto labels = Tensor<std::int32_t>::from({0, 2, 1, -7});
  EXPECT_EQ(labels[1], 2);
  EXPECT_EQ(labels[3], -7);
  const auto pixels = Tensor<std::uint8_t>::from({{0, 255}});
  EXPECT_EQ(pixels(0, 1), 255);
  const auto msg = message_of<mt::ValueError>([] {
    (void)Tensor<std::uint8_t>::from({0, 256});
  });
  EXPECT_NE(msg.find("element 1 is 256, out of range for uint8 [0, 255]"), std::string::npos)
      << msg;
  EXPECT_THROW((void)Tensor<std::uint8_t>::from({-1}), mt::ValueError);
  EXPECT_THROW((void)Tensor<std::int32_t>::from({std::int64_t{1} << 31}), mt::ValueError);
}

TEST(TensorFrom, CountAndRaggedRowsAreShapeErrors) {
  auto msg = message_of<mt::ShapeError>([] {
    (void)Tensor<float>::from({1, 2, 3, 4, 5}, {2, 2});
  });
  EXPECT_NE(msg.find("5 values listed for shape (2, 2), which holds 4"), std::string::npos)
      << msg;
  msg = message_of<mt::ShapeError>([] {
    (void)Tensor<float>::from({{1, 2}, {3, 4}, {5}});
  });
  EXPECT_NE(msg.find("row 2 has 1 values and row 0 has 2"), std::string::npos) << msg;
}

// ---- division -------------------------------------------------------------------------------

template <class T>
class BasicsTyped : public ::testing::Test {};
using FloatTypes = ::testing::Types<float, mt::half, mt::bfloat16>;
TYPED_TEST_SUITE(BasicsTyped, FloatTypes);

// The quotient is computed in float32 from the widened operands and rounded once into T:
// exactly what the naive reference below does.
TYPED_TEST(BasicsTyped, DivisionMatchesTheRoundedFloatQuotient) {
  using T = TypeParam;
  for (const std::int64_t n : {1, 7, 33, 40000}) {  // 40000 crosses the threading block
    const auto a = random_tensor<T>(Shape{n}, -3.0f, 3.0f, 1);
    const auto b = random_tensor<T>(Shape{n}, 0.25f, 3.0f, 2);
    const auto q = a / b, qs = a / 3.0f, sq = 3.0f / b;
    for (std::int64_t i = 0; i < n; ++i) {
      const float x = static_cast<float>(a[i]), y = static_cast<float>(b[i]);
      ASSERT_TRUE(same_bits(q[i], mt::convert_scalar<T>(x / y))) << "a/b at " << i;
      // A true quotient: x / 3 is not x * (1 / 3), which rounds twice.
      ASSERT_TRUE(same_bits(qs[i], mt::convert_scalar<T>(x / 3.0f))) << "a/s at " << i;
      ASSERT_TRUE(same_bits(sq[i], mt::convert_scalar<T>(3.0f / y))) << "s/b at " << i;
    }
  }
}

TYPED_TEST(BasicsTyped, DivisionByZeroFollowsIeee) {
  using T = TypeParam;
  // Through cast: Tensor<half>::from refuses inf (it would come from an overflow).
  const auto a = mt::cast<T>(Tensor<float>::from({1.0f, -1.0f, 0.0f, 2.0f, kInf}));
  const auto b = mt::cast<T>(Tensor<float>::from({0.0f, 0.0f, 0.0f, kInf, kInf}));
  const auto q = a / b;
  EXPECT_EQ(d(q[0]), std::numeric_limits<double>::infinity());
  EXPECT_EQ(d(q[1]), -std::numeric_limits<double>::infinity());
  EXPECT_TRUE(std::isnan(d(q[2])));
  EXPECT_EQ(d(q[3]), 0.0);
  EXPECT_TRUE(std::isnan(d(q[4])));
  const auto by_zero = a / 0.0f;
  EXPECT_EQ(d(by_zero[0]), std::numeric_limits<double>::infinity());
  EXPECT_TRUE(std::isnan(d(by_zero[2])));
  EXPECT_EQ(d((1.0f / b)[0]), std::numeric_limits<double>::infinity());
}

TEST(Division, ShapesMustMatch) {
  const auto a = Tensor<float>(Shape{2, 3}), b = Tensor<float>(Shape{3, 2});
  const auto msg = message_of<mt::ShapeError>([&] { (void)(a / b); });
  EXPECT_NE(msg.find("(2, 3) vs (3, 2)"), std::string::npos) << msg;
  auto out = Tensor<float>(Shape{6});
  EXPECT_THROW(mt::ops::div(mt::default_context<mt::Cpu>(), out, a, a), mt::ShapeError);
}

// ---- mean -----------------------------------------------------------------------------------

TYPED_TEST(BasicsTyped, MeanOverEverythingAndEachAxis) {
  using T = TypeParam;
  const Shape s{3, 5, 7};
  const auto x = random_tensor<T>(s, -2.0f, 2.0f, 3);
  static_assert(std::is_same_v<decltype(mt::mean(x)), Tensor<float>>);  // float32 by signature
  double all = 0.0;
  for (std::int64_t i = 0; i < x.numel(); ++i) all += d(x[i]);
  const auto m = mt::mean(x);
  EXPECT_EQ(m.rank(), 0);
  EXPECT_NEAR(m[0], all / 105.0, 1e-6);

  for (int axis = -3; axis < 3; ++axis) {
    const auto got = mt::mean(x, axis);
    const int a = axis < 0 ? axis + 3 : axis;
    EXPECT_EQ(got.shape().rank(), 2) << "axis " << axis;
    EXPECT_EQ(got.numel(), 105 / s[a]) << "axis " << axis;
    std::int64_t k = 0;
    for (std::int64_t i = 0; i < s[0]; ++i)
      for (std::int64_t j = 0; j < s[1]; ++j)
        for (std::int64_t l = 0; l < s[2]; ++l) {
          // The reduced axis is the one whose index stays 0 in the loops' output order.
          const std::int64_t idx[3] = {i, j, l};
          if (idx[a] != 0) continue;
          double ref = 0.0;
          for (std::int64_t t = 0; t < s[a]; ++t) {
            std::int64_t p[3] = {i, j, l};
            p[a] = t;
            ref += d(x(p[0], p[1], p[2]));
          }
          ASSERT_NEAR(got[k], ref / static_cast<double>(s[a]), 1e-6) << "axis " << axis;
          ++k;
        }
  }
}

TEST(Mean, IsTheSumDividedExactly) {
  // Divided by the length, not multiplied by its reciprocal (which rounds twice): bit for bit
  // the float32 sum over the float32 length.
  const auto x = random_tensor<float>(Shape{50, 7}, -1.0f, 1.0f, 5);
  const auto m = mt::mean(x, 1), s = mt::sum(x, 1);
  for (std::int64_t i = 0; i < 50; ++i) ASSERT_EQ(m[i], s[i] / 7.0f) << "row " << i;
  EXPECT_EQ(mt::mean(Tensor<float>::from({3, 3, 3}))[0], 3.0f);
}

TEST(Mean, AxisOutOfRangeAndEmptyAxisAreShapeErrors) {
  const auto x = Tensor<float>(Shape{2, 3});
  auto msg = message_of<mt::ShapeError>([&] { (void)mt::mean(x, 2); });
  EXPECT_NE(msg.find("mean: axis 2 is out of range for a tensor of shape (2, 3)"),
            std::string::npos)
      << msg;
  const auto empty = Tensor<float>(Shape{2, 0});
  msg = message_of<mt::ShapeError>([&] { (void)mt::mean(empty, 1); });
  EXPECT_NE(msg.find("mean: cannot reduce over axis 1 of size 0"), std::string::npos) << msg;
}

// ---- transpose ------------------------------------------------------------------------------

template <class T>
void expect_transpose_of(std::int64_t m, std::int64_t n) {
  const auto x = mt::cast<T>(random_tensor<float>(Shape{m, n}, 0.0f, 200.0f, 4));
  const auto y = mt::transpose(x);
  ASSERT_EQ(y.shape(), (Shape{n, m}));
  for (std::int64_t i = 0; i < m; ++i)
    for (std::int64_t j = 0; j < n; ++j)
      ASSERT_TRUE(same_bits(y(j, i), x(i, j))) << m << "x" << n << " at " << i << ", " << j;
}

TEST(Transpose, EveryDtypeAgainstTheDefinition) {
  // One element, thin, odd (tiles cut at 32), a square, and one past the threading size.
  for (const auto& [m, n] : {std::pair<std::int64_t, std::int64_t>{1, 1}, {1, 9}, {9, 1},
                             {33, 65}, {64, 64}, {300, 257}}) {
    expect_transpose_of<float>(m, n);
    expect_transpose_of<mt::half>(m, n);
    expect_transpose_of<mt::bfloat16>(m, n);
    expect_transpose_of<std::int32_t>(m, n);
    expect_transpose_of<std::uint8_t>(m, n);
  }
  const auto x = Tensor<float>::from({{1, 2, 3}, {4, 5, 6}});
  const auto back = mt::transpose(mt::transpose(x));
  EXPECT_EQ(std::memcmp(back.data(), x.data(), x.size_bytes()), 0);
  EXPECT_EQ(mt::transpose(Tensor<float>(Shape{0, 3})).shape(), (Shape{3, 0}));
}

TEST(Transpose, NeedsAMatrixAndTheTransposedOutput) {
  const auto cube = Tensor<float>(Shape{2, 3, 4});
  auto msg = message_of<mt::ShapeError>([&] { (void)mt::transpose(cube); });
  EXPECT_NE(msg.find("transpose: needs a 2-D matrix, got shape (2, 3, 4)"), std::string::npos)
      << msg;
  const auto x = Tensor<float>(Shape{2, 3});
  auto out = Tensor<float>(Shape{2, 3});
  msg = message_of<mt::ShapeError>(
      [&] { mt::ops::transpose(mt::default_context<mt::Cpu>(), out, x); });
  EXPECT_NE(msg.find("the output is (2, 3) but the transpose of (2, 3) is (3, 2)"),
            std::string::npos)
      << msg;
}
