// tests/core/test_nn_ops.cpp: the kernels under the layers (bias, activation derivatives,
// softmax) against naive references, at sizes on both sides of the threading thresholds, for
// float, half and bfloat16, on 1 and 2 threads.
#include <gtest/gtest.h>
#include <omp.h>

#include <cmath>

#include "mantissa/core/core.hpp"

namespace mt = mantissa;
using mt::Shape;
using mt::Tensor;

template <class T>
class NnOpsTyped : public ::testing::Test {};
using FloatTypes = ::testing::Types<float, mt::half, mt::bfloat16>;
TYPED_TEST_SUITE(NnOpsTyped, FloatTypes);

namespace {
template <class T>
double tol() {
  if constexpr (std::is_same_v<T, float>) return 1e-5;
  else if constexpr (std::is_same_v<T, mt::half>) return 2.0 / 1024;
  else return 2.0 / 128;
}
const std::int64_t kRows[] = {1, 7, 129, 3000};  // 3000 x 33 crosses the parallel thresholds
}  // namespace

TYPED_TEST(NnOpsTyped, BiasAddAndBiasGradMatchNaiveOnAnyThreadCount) {
  using T = TypeParam;
  const int saved = omp_get_max_threads();
  for (int threads : {1, 2}) {
    mt::set_num_threads(threads);
    for (auto n : kRows) {
      const std::int64_t c = 33;
      mt::Generator g(static_cast<std::uint64_t>(n));
      auto y = mt::normal<T>(Shape{n, c}, 0.0f, 1.0f, g);
      auto b = mt::normal<T>(Shape{c}, 0.0f, 1.0f, g);
      auto before = y.clone();
      mt::ops::bias_add(mt::default_context<mt::Cpu>(), y, b);
      for (std::int64_t r = 0; r < n; ++r)
        for (std::int64_t j = 0; j < c; ++j) {
          const double want = double(float(before(r, j))) + float(b[j]);
          ASSERT_NEAR(float(y(r, j)), want, tol<T>() * std::max(1.0, std::abs(want)))
              << n << "x" << c << " at " << r << "," << j << " threads " << threads;
        }
      Tensor<float> db(Shape{c});
      mt::ops::bias_grad(mt::default_context<mt::Cpu>(), db, y, mt::Accumulate::overwrite);
      for (std::int64_t j = 0; j < c; ++j) {
        double want = 0;
        for (std::int64_t r = 0; r < n; ++r) want += float(y(r, j));
        ASSERT_NEAR(db[j], want, 1e-4 * double(n)) << n << " col " << j;
      }
      auto db2 = db.clone();
      mt::ops::bias_grad(mt::default_context<mt::Cpu>(), db2, y, mt::Accumulate::add);  // accumulate: twice the sum
      for (std::int64_t j = 0; j < c; ++j) ASSERT_NEAR(db2[j], 2 * db[j], 1e-4 * double(n));
    }
  }
  mt::set_num_threads(saved);
}

TYPED_TEST(NnOpsTyped, ActivationBackwardMatchesNaive) {
  using T = TypeParam;
  for (auto n : kRows) {
    mt::Generator g(3);
    auto dy = mt::normal<T>(Shape{n * 33}, 0.0f, 1.0f, g);
    auto x = mt::normal<T>(Shape{n * 33}, 0.0f, 2.0f, g);
    for (auto f : {mt::Activation::relu, mt::Activation::sigmoid, mt::Activation::tanh}) {
      Tensor<T> y = f == mt::Activation::relu ? mt::relu(x)
                    : f == mt::Activation::sigmoid ? mt::sigmoid(x) : mt::tanh(x);
      Tensor<T> dx(y.shape());
      mt::ops::activation_backward(mt::default_context<mt::Cpu>(), f, dx, dy, y);
      for (std::int64_t i = 0; i < y.numel(); ++i) {
        const double v = float(y[i]), d = float(dy[i]);
        const double want = f == mt::Activation::relu ? (v > 0 ? d : 0.0)
                            : f == mt::Activation::sigmoid ? d * v * (1 - v) : d * (1 - v * v);
        ASSERT_NEAR(float(dx[i]), want, tol<T>() * std::max(1.0, std::abs(want))) << i;
      }
    }
  }
}

// ReLU of 16-bit values works on their bits (elementwise.cpp): for every one of the 65,536
// values, forward and backward give the bits of the float computation (widen, select, round
// once), NaN, infinities and -0 included.
TYPED_TEST(NnOpsTyped, ReluOfEverySixteenBitValueIsTheFloatResult) {
  using T = TypeParam;
  if constexpr (!std::is_same_v<T, float>) {
    const std::int64_t n = 1 << 16;
    Tensor<T> x(Shape{n}), dy(Shape{n});
    for (std::int64_t i = 0; i < n; ++i) {
      x[i] = T(mt::from_bits, static_cast<std::uint16_t>(i));
      dy[i] = T(static_cast<float>(i % 7) - 3.25f);
    }
    const Tensor<T> y = mt::relu(x);
    Tensor<T> dx(x.shape());
    mt::ops::activation_backward(mt::default_context<mt::Cpu>(), mt::Activation::relu, dx, dy, x);
    for (std::int64_t i = 0; i < n; ++i) {
      const float v = float(x[i]);
      const T want_y = std::isnan(v) ? x[i] : T(v < 0.0f ? 0.0f : v);
      const T want_dx = T(v > 0.0f ? float(dy[i]) : 0.0f);
      ASSERT_EQ(y[i].bits, want_y.bits) << "x bits " << i;
      ASSERT_EQ(dx[i].bits, want_dx.bits) << "y bits " << i;
    }
  }
}

TYPED_TEST(NnOpsTyped, SoftmaxRowsSumToOneAndMatchNaive) {
  using T = TypeParam;
  mt::Generator g(4);
  auto x = mt::normal<T>(Shape{129, 10}, 0.0f, 3.0f, g);
  Tensor<T> y(x.shape());
  mt::ops::activation(mt::default_context<mt::Cpu>(), mt::Activation::softmax, y, x);
  for (std::int64_t r = 0; r < 129; ++r) {
    double z = 0, m = -1e30;
    for (int j = 0; j < 10; ++j) m = std::max(m, double(float(x(r, j))));
    for (int j = 0; j < 10; ++j) z += std::exp(double(float(x(r, j))) - m);
    for (int j = 0; j < 10; ++j)
      ASSERT_NEAR(float(y(r, j)), std::exp(double(float(x(r, j))) - m) / z, tol<T>());
  }
}

TYPED_TEST(NnOpsTyped, SoftmaxAndLogSumExpReturnFloat32BySignature) {
  using T = TypeParam;
  mt::Generator g(5);
  auto x = mt::normal<T>(Shape{7, 3, 10}, 0.0f, 4.0f, g);
  auto p = mt::softmax(x);
  auto l = mt::log_sum_exp(x);
  static_assert(std::is_same_v<decltype(p), Tensor<float>>);
  static_assert(std::is_same_v<decltype(l), Tensor<float>>);
  EXPECT_EQ(l.shape(), (Shape{7, 3}));
  for (std::int64_t r = 0; r < 21; ++r) {
    double z = 0, s = 0;
    for (int j = 0; j < 10; ++j) z += std::exp(double(float(x[r * 10 + j])));
    for (int j = 0; j < 10; ++j) s += p[r * 10 + j];
    ASSERT_NEAR(s, 1.0, 1e-5);
    ASSERT_NEAR(l[r], std::log(z), 1e-4 * std::max(1.0, std::abs(std::log(z))));
  }
  Tensor<T> big(Shape{1, 2});
  big[0] = T(30000.0f), big[1] = T(30000.0f);  // exp(30000) overflows: max subtracted first
  EXPECT_NEAR(mt::log_sum_exp(big)[0], float(big[0]) + std::log(2.0f), 1e-2f);
}
