// tests/core/test_nn_ops.cpp: the kernels under the layers (bias, activation derivatives,
// softmax, batch normalisation) against naive references, at sizes on both sides of the threading thresholds, for
// float, half and bfloat16, on 1 and 2 threads.
#include <gtest/gtest.h>
#include <omp.h>

#include <cmath>
#include <vector>

#include "mantissa/core/core.hpp"
#include "mantissa/core/cpu/nn.hpp"

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

// Batch normalisation's kernels on (m, c) rows: the statistics against a double reference, the
// outputs bit-identical to the float formula on the widened inputs (the 16-bit paths convert
// rows in bulk and compute in float, as float does), and every bit the same on 1 and 2
// threads (fixed chunks of rows, their partial sums added in order), at sizes of one chunk and
// of many.
TYPED_TEST(NnOpsTyped, BatchNormMatchesTheFloatFormulaAndAReferenceOnAnyThreadCount) {
  using T = TypeParam;
  const int saved = omp_get_max_threads();
  struct Size {
    std::int64_t m, c;
  };
  for (const Size sz : {Size{1, 3}, Size{7, 33}, Size{3000, 33}, Size{70000, 3}}) {
    const std::int64_t m = sz.m, c = sz.c;
    const auto uc = static_cast<std::size_t>(c);
    mt::Generator g(static_cast<std::uint64_t>(m * 100 + c));
    auto x = mt::normal<T>(Shape{m, c}, 0.5f, 3.0f, g);
    auto dy = mt::normal<T>(Shape{m, c}, 0.0f, 1.0f, g);
    auto gamma = mt::normal<float>(Shape{c}, 1.0f, 0.2f, g);
    auto beta = mt::normal<float>(Shape{c}, 0.0f, 0.2f, g);
    struct Out {
      Tensor<T> y, dx;
      std::vector<float> mean, inv_std, rmean, rvar, dgamma, dbeta;
    };
    auto run = [&](int threads) {
      mt::set_num_threads(threads);
      Out o{Tensor<T>(Shape{m, c}), Tensor<T>(Shape{m, c}), std::vector<float>(uc),
            std::vector<float>(uc), std::vector<float>(uc, 0.5f), std::vector<float>(uc, 2.0f),
            std::vector<float>(uc), std::vector<float>(uc)};
      mt::cpu::batchnorm_forward(o.y.data(), x.data(), m, c, gamma.data(), beta.data(),
                                 o.mean.data(), o.inv_std.data(), o.rmean.data(), o.rvar.data(),
                                 0.9f, 1e-3f, true);
      mt::cpu::batchnorm_backward(o.dx.data(), o.dgamma.data(), o.dbeta.data(), dy.data(),
                                  x.data(), m, c, gamma.data(), o.mean.data(), o.inv_std.data(),
                                  false);
      return o;
    };
    const Out one = run(1), two = run(2);
    for (std::int64_t i = 0; i < m * c; ++i) {
      ASSERT_EQ(float(one.y[i]), float(two.y[i])) << m << "x" << c << " y at " << i;
      ASSERT_EQ(float(one.dx[i]), float(two.dx[i])) << m << "x" << c << " dx at " << i;
    }
    EXPECT_EQ(one.mean, two.mean);
    EXPECT_EQ(one.inv_std, two.inv_std);
    EXPECT_EQ(one.dgamma, two.dgamma);
    EXPECT_EQ(one.dbeta, two.dbeta);
    // References in double over the widened inputs.
    for (std::int64_t j = 0; j < c; ++j) {
      double s = 0, v = 0, sg = 0, sgx = 0;
      for (std::int64_t i = 0; i < m; ++i) s += float(x(i, j));
      s /= double(m);
      for (std::int64_t i = 0; i < m; ++i) v += (float(x(i, j)) - s) * (float(x(i, j)) - s);
      const double inv = 1.0 / std::sqrt(v / double(m) + 1e-3);
      ASSERT_NEAR(one.mean[j], s, 1e-5 * std::max(1.0, std::abs(s))) << "channel " << j;
      ASSERT_NEAR(one.inv_std[j], inv, 1e-5 * inv) << "channel " << j;
      const double unbiased = m > 1 ? v / double(m - 1) : v / double(m);
      ASSERT_NEAR(one.rvar[j], 0.9 * 2.0 + 0.1 * unbiased, 1e-4 * std::max(1.0, unbiased));
      for (std::int64_t i = 0; i < m; ++i) {
        const float xf = float(x(i, j));
        // The float formula the kernels compute, element for element.
        const float want = (xf - one.mean[j]) * one.inv_std[j] * gamma[j] + beta[j];
        ASSERT_EQ(float(one.y(i, j)), float(T(want))) << m << "x" << c << " at " << i << "," << j;
        const double gi = float(dy(i, j));
        sg += gi;
        sgx += gi * double((xf - one.mean[j]) * one.inv_std[j]);
      }
      ASSERT_NEAR(one.dbeta[j], sg, 1e-5 * std::max(1.0, std::abs(sg)) + 1e-6 * double(m));
      ASSERT_NEAR(one.dgamma[j], sgx, 1e-5 * std::max(1.0, std::abs(sgx)) + 1e-6 * double(m));
      const auto fm = static_cast<float>(m);
      for (std::int64_t i = 0; i < m; ++i) {
        const float xhat = (float(x(i, j)) - one.mean[j]) * one.inv_std[j];
        const float want = gamma[j] * one.inv_std[j] / fm *
                           (fm * float(dy(i, j)) - float(sg) - xhat * float(sgx));
        ASSERT_NEAR(float(one.dx(i, j)), want,
                    tol<T>() * std::max(1.0f, std::abs(want)) + 1e-5 * gamma[j] * one.inv_std[j])
            << m << "x" << c << " dx at " << i << "," << j;
      }
    }
  }
  mt::set_num_threads(saved);
}
