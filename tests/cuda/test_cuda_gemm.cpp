// tests/cuda/test_cuda_gemm.cpp: the CUDA matrix product (cublasGemmEx behind
// Backend<Cuda>::gemm) against the CPU's, for every (input, output) dtype pair the ops use,
// every transpose combination, awkward sizes, padded leading dimensions, beta = 0 over NaN
// and beta = 1 accumulation; and the error a bad leading dimension gives.
#include <cstring>
#include <limits>
#include <string>
#include <tuple>

#include "parity.hpp"

namespace mt = mantissa;
using mt::Cpu;
using mt::Cuda;
using mt::Shape;

namespace {

// Tolerance of one product element. The CPU and cuBLAS sum up to 130 products of values in
// [-2, 2) in different orders: float32 partial sums reach about 20 (ulp 2e-6), so float32
// results may differ by some 1e-5 absolute after cancellation. A 16-bit C is one rounding
// of those sums, which may land on either side of a rounding boundary: one ulp of the
// output dtype, as tolerance_for gives.
template <class TC>
mt_cuda::Tolerance gemm_tolerance() {
  if constexpr (std::same_as<TC, float>) return {1e-4f, 1e-5f};
  else return mt_cuda::tolerance_for<TC>();
}

template <class T, class TC>
struct Pair {
  using In = T;
  using Out = TC;
};

template <class P>
class CudaGemm : public ::testing::Test {};
using Pairs = ::testing::Types<Pair<float, float>, Pair<mt::half, mt::half>,
                               Pair<mt::half, float>, Pair<mt::bfloat16, mt::bfloat16>,
                               Pair<mt::bfloat16, float>>;
TYPED_TEST_SUITE(CudaGemm, Pairs);

struct Dims {
  std::int64_t m, n, k;
};
constexpr Dims kAwkward[] = {{1, 1, 1}, {7, 33, 130}, {130, 7, 33}, {33, 130, 1},
                             {1, 130, 7}, {130, 33, 130}, {33, 1, 7}};

// op(X) stored as (rows, cols), or transposed.
Shape stored(bool trans, std::int64_t rows, std::int64_t cols) {
  return trans ? Shape{cols, rows} : Shape{rows, cols};
}

TYPED_TEST(CudaGemm, EveryTransposeAndAwkwardSizesMatchTheCpu) {
  MANTISSA_REQUIRE_GPU();
  using T = typename TypeParam::In;
  using TC = typename TypeParam::Out;
  auto& gpu = mt::default_context<Cuda>();
  auto& cpu = mt::default_context<Cpu>();
  std::uint64_t seed = 1;
  for (const Dims d : kAwkward)
    for (const bool ta : {false, true})
      for (const bool tb : {false, true}) {
        const auto a = mt_cuda::random<T>(stored(ta, d.m, d.k), seed++);
        const auto b = mt_cuda::random<T>(stored(tb, d.k, d.n), seed++);
        const mt::GemmOptions o{.trans_a = ta, .trans_b = tb, .alpha = 0.75f, .beta = 0.0f};
        mt::Tensor<TC, Cpu> want(Shape{d.m, d.n});
        mt::ops::gemm(cpu, want, a, b, o);
        mt::Tensor<TC, Cuda> got(Shape{d.m, d.n});
        mt::ops::gemm(gpu, got, mt::to<Cuda>(a), mt::to<Cuda>(b), o);
        EXPECT_TRUE(mt_cuda::near(want, got, gemm_tolerance<TC>()))
            << "m " << d.m << " n " << d.n << " k " << d.k << " ta " << ta << " tb " << tb;
      }
}

TYPED_TEST(CudaGemm, MatmulMatchesTheCpu) {
  MANTISSA_REQUIRE_GPU();
  using T = typename TypeParam::In;
  if constexpr (std::same_as<T, typename TypeParam::Out>) {
    const auto a = mt_cuda::random<T>(Shape{33, 130}, 11);
    const auto b = mt_cuda::random<T>(Shape{130, 7}, 12);
    EXPECT_TRUE(mt_cuda::near(mt::matmul(a, b), mt::matmul(mt::to<Cuda>(a), mt::to<Cuda>(b)),
                              gemm_tolerance<T>()));
  }
}

// Leading dimensions above the minimum (sub-blocks of wider matrices), through the backend as
// layers call it; columns beyond n in C must stay untouched.
TYPED_TEST(CudaGemm, PaddedLeadingDimensionsMatchTheCpu) {
  MANTISSA_REQUIRE_GPU();
  using T = typename TypeParam::In;
  using TC = typename TypeParam::Out;
  auto& gpu = mt::default_context<Cuda>();
  auto& cpu = mt::default_context<Cpu>();
  const std::int64_t m = 7, n = 33, k = 130, pad = 5;
  std::uint64_t seed = 100;
  for (const bool ta : {false, true})
    for (const bool tb : {false, true}) {
      const Shape sa = stored(ta, m, k), sb = stored(tb, k, n);
      const auto a = mt_cuda::random<T>(Shape{sa[0], sa[1] + pad}, seed++);
      const auto b = mt_cuda::random<T>(Shape{sb[0], sb[1] + pad}, seed++);
      const auto c0 = mt_cuda::random<TC>(Shape{m, n + pad}, seed++);
      auto want = c0.clone();
      mt::Backend<Cpu>::gemm<T, TC>(cpu, ta, tb, m, n, k, 1.0f, a.data(), sa[1] + pad, b.data(),
                                    sb[1] + pad, 0.5f, want.data(), n + pad);
      const auto ga = mt::to<Cuda>(a), gb = mt::to<Cuda>(b);
      auto got = mt::to<Cuda>(c0);
      mt::Backend<Cuda>::gemm<T, TC>(gpu, ta, tb, m, n, k, 1.0f, ga.data(), sa[1] + pad,
                                     gb.data(), sb[1] + pad, 0.5f, got.data(), n + pad);
      EXPECT_TRUE(mt_cuda::near(want, got, gemm_tolerance<TC>())) << "ta " << ta << " tb " << tb;
      const auto back = mt::to<Cpu>(got);
      for (std::int64_t i = 0; i < m; ++i)
        for (std::int64_t j = n; j < n + pad; ++j)
          ASSERT_EQ(std::memcmp(&back[i * (n + pad) + j], &c0[i * (n + pad) + j], sizeof(TC)), 0)
              << "C changed beyond column n at row " << i;
    }
}

TYPED_TEST(CudaGemm, BetaZeroIgnoresNanInC) {
  MANTISSA_REQUIRE_GPU();
  using T = typename TypeParam::In;
  using TC = typename TypeParam::Out;
  auto& gpu = mt::default_context<Cuda>();
  auto& cpu = mt::default_context<Cpu>();
  const auto a = mt_cuda::random<T>(Shape{7, 33}, 21);
  const auto b = mt_cuda::random<T>(Shape{33, 130}, 22);
  const auto nan = mt::full<TC, Cpu>(Shape{7, 130}, std::numeric_limits<float>::quiet_NaN());
  auto want = nan.clone();
  mt::ops::gemm(cpu, want, a, b);
  auto got = mt::to<Cuda>(nan);
  mt::ops::gemm(gpu, got, mt::to<Cuda>(a), mt::to<Cuda>(b));
  EXPECT_TRUE(mt_cuda::near(want, got, gemm_tolerance<TC>()));
  for (const auto v : mt::to<Cpu>(got)) ASSERT_FALSE(std::isnan(static_cast<float>(v)));
}

TYPED_TEST(CudaGemm, BetaOneAccumulates) {
  MANTISSA_REQUIRE_GPU();
  using T = typename TypeParam::In;
  using TC = typename TypeParam::Out;
  auto& gpu = mt::default_context<Cuda>();
  auto& cpu = mt::default_context<Cpu>();
  const auto a = mt_cuda::random<T>(Shape{130, 33}, 31);
  const auto b = mt_cuda::random<T>(Shape{7, 130}, 32);
  const auto c0 = mt_cuda::random<TC>(Shape{33, 7}, 33);
  const mt::GemmOptions o{.trans_a = true, .trans_b = true, .alpha = 1.0f, .beta = 1.0f};
  auto want = c0.clone();
  mt::ops::gemm(cpu, want, a, b, o);
  auto got = mt::to<Cuda>(c0);
  const auto ga = mt::to<Cuda>(a), gb = mt::to<Cuda>(b);
  mt::ops::gemm(gpu, got, ga, gb, o);
  EXPECT_TRUE(mt_cuda::near(want, got, gemm_tolerance<TC>()));
  // Twice: C = c0 + 2 op(A) op(B).
  mt::ops::gemm(cpu, want, a, b, o);
  mt::ops::gemm(gpu, got, ga, gb, o);
  EXPECT_TRUE(mt_cuda::near(want, got, gemm_tolerance<TC>()));
}

// k = 0 and alpha = 0 scale C by beta without reading A and B, bit for bit as the CPU
// (beta = 0 writes zeros over NaN); m = 0 or n = 0 touches nothing.
TYPED_TEST(CudaGemm, EmptyProductsScaleCAsTheCpu) {
  MANTISSA_REQUIRE_GPU();
  using T = typename TypeParam::In;
  using TC = typename TypeParam::Out;
  auto& gpu = mt::default_context<Cuda>();
  auto& cpu = mt::default_context<Cpu>();
  auto c0 = mt_cuda::random<TC>(Shape{7, 33}, 41);
  c0[3] = TC(std::numeric_limits<float>::quiet_NaN());
  const auto a = mt_cuda::random<T>(Shape{7, 5}, 42);
  const auto b = mt_cuda::random<T>(Shape{5, 33}, 43);
  const auto ga = mt::to<Cuda>(a), gb = mt::to<Cuda>(b);
  for (const float beta : {0.0f, 0.5f, 1.0f}) {
    auto want = c0.clone();
    auto got = mt::to<Cuda>(c0);
    mt::Backend<Cpu>::gemm<T, TC>(cpu, false, false, 7, 33, 0, 1.0f, a.data(), 5, b.data(), 33,
                                  beta, want.data(), 33);
    mt::Backend<Cuda>::gemm<T, TC>(gpu, false, false, 7, 33, 0, 1.0f, ga.data(), 5, gb.data(),
                                   33, beta, got.data(), 33);
    EXPECT_TRUE(mt_cuda::same_bits(want, got)) << "k = 0, beta " << beta;
    mt::Backend<Cpu>::gemm<T, TC>(cpu, false, false, 7, 33, 5, 0.0f, a.data(), 5, b.data(), 33,
                                  beta, want.data(), 33);
    mt::Backend<Cuda>::gemm<T, TC>(gpu, false, false, 7, 33, 5, 0.0f, ga.data(), 5, gb.data(),
                                   33, beta, got.data(), 33);
    EXPECT_TRUE(mt_cuda::same_bits(want, got)) << "alpha = 0, beta " << beta;
  }
  auto got = mt::to<Cuda>(c0);
  mt::Backend<Cuda>::gemm<T, TC>(gpu, false, false, 0, 33, 5, 1.0f, ga.data(), 5, gb.data(), 33,
                                 0.0f, got.data(), 33);
  mt::Backend<Cuda>::gemm<T, TC>(gpu, false, false, 7, 0, 5, 1.0f, ga.data(), 5, gb.data(), 33,
                                 0.0f, got.data(), 33);
  EXPECT_TRUE(mt_cuda::same_bits(c0, got));
}

// A leading dimension below A's row length is cuBLAS's INVALID_VALUE, reported by name.
TEST(CudaGemmErrors, BadLeadingDimensionNamesCublasGemmExAndTheStatus) {
  MANTISSA_REQUIRE_GPU();
  auto& gpu = mt::default_context<Cuda>();
  const auto a = mt::to<Cuda>(mt_cuda::random<float>(Shape{4, 3}, 51));
  const auto b = mt::to<Cuda>(mt_cuda::random<float>(Shape{3, 5}, 52));
  mt::Tensor<float, Cuda> c(Shape{4, 5});
  try {
    mt::Backend<Cuda>::gemm<float, float>(gpu, false, false, 4, 5, 3, 1.0f, a.data(), 2,
                                          b.data(), 5, 0.0f, c.data(), 5);
    FAIL() << "expected CudaError";
  } catch (const mt::CudaError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("cublasGemmEx"), std::string::npos) << what;
    EXPECT_NE(what.find("CUBLAS_STATUS_INVALID_VALUE"), std::string::npos) << what;
  }
}

}  // namespace
