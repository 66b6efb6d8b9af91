// tests/core/test_gemm.cpp: cpu::gemm against a double-precision reference.
//
// The reference multiplies the already-rounded inputs (float(a) for 16-bit a) in double, so
// the only error measured is the kernel's own: float accumulation and, for a 16-bit C, the
// final rounding. Tolerance, per element, with S = |alpha| * sum_p |a_ip * b_pj| + |beta * c_ij|:
//   float accumulation: (k + 8) * 2^-24 * S. Sequential float summation of k products is within
//     k * 2^-24 * S (Higham, recursive summation); the +8 covers alpha, beta and one more
//     rounding per K block. A dropped or doubled term changes C by about S / k, far above it
//     for the k used here, so a wrong index fails.
//   16-bit C: plus one rounding of the result, u * (|ref| + the float bound), u = 2^-11 for
//     half, 2^-8 for bfloat16, plus half the smallest subnormal of the type.
// Layouts: every matrix has a leading dimension larger than its row, and the gap holds NaN
// (in A and B: it must not be read) or a sentinel (in C: it must not be written).
#include <gtest/gtest.h>
#include <omp.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "mantissa/core/cpu/gemm.hpp"
#include "mantissa/core/threads.hpp"
#include "mantissa/core/half.hpp"

namespace {

using mantissa::bfloat16;
using mantissa::half;
using mantissa::cpu::gemm;
using mantissa::cpu::Transpose;
using std::int64_t;

constexpr Transpose kNo = Transpose::no, kYes = Transpose::yes;

template <class T>
T nan_of() {
  return std::numeric_limits<T>::quiet_NaN();
}

template <class T>
bool same_bits(T x, T y) {
  return std::memcmp(&x, &y, sizeof(T)) == 0;
}

template <class TC>
double rounding_unit() {
  if constexpr (std::is_same_v<TC, float>)
    return 0.0;
  else if constexpr (std::is_same_v<TC, half>)
    return 0x1p-11;
  else
    return 0x1p-8;
}

template <class TC>
double smallest_subnormal() {
  return static_cast<double>(static_cast<float>(std::numeric_limits<TC>::denorm_min()));
}

struct Case {
  int64_t m, n, k;
  Transpose ta = kNo, tb = kNo;
  float alpha = 1.0f, beta = 0.0f;
  int64_t pad = 3;  // leading dimension = row length + pad
};

std::string describe(const Case& c) {
  return std::to_string(c.m) + "x" + std::to_string(c.n) + "x" + std::to_string(c.k) +
         (c.ta == kYes ? " At" : " A") + (c.tb == kYes ? " Bt" : " B") +
         " alpha=" + std::to_string(c.alpha) + " beta=" + std::to_string(c.beta);
}

// A stored matrix of `rows` rows of `cols` values plus `pad` NaN.
template <class T>
struct Stored {
  int64_t rows, cols, ld;
  std::vector<T> v;
  Stored(int64_t r, int64_t c, int64_t pad, std::mt19937& rng, float lo, float hi)
      : rows(r), cols(c), ld(c + pad), v(static_cast<std::size_t>(r * (c + pad)), nan_of<T>()) {
    std::uniform_real_distribution<float> dist(lo, hi);
    for (int64_t i = 0; i < r; ++i)
      for (int64_t j = 0; j < c; ++j) v[i * ld + j] = T(dist(rng));
  }
  double at(int64_t i, int64_t j) const { return static_cast<float>(v[i * ld + j]); }
};

// Runs one case and checks every element of C (and that C's padding is untouched).
template <class T, class TC>
void check(const Case& cs, std::uint32_t seed, float lo = -1.0f, float hi = 1.0f) {
  SCOPED_TRACE(describe(cs));
  std::mt19937 rng(seed);
  const Stored<T> a(cs.ta == kNo ? cs.m : cs.k, cs.ta == kNo ? cs.k : cs.m, cs.pad, rng, lo, hi);
  const Stored<T> b(cs.tb == kNo ? cs.k : cs.n, cs.tb == kNo ? cs.n : cs.k, cs.pad, rng, lo, hi);
  Stored<TC> c(cs.m, cs.n, cs.pad, rng, lo, hi);
  const TC sentinel = TC(12345.0f);
  for (int64_t i = 0; i < cs.m; ++i) {
    for (int64_t j = cs.n; j < c.ld; ++j) c.v[i * c.ld + j] = sentinel;
    if (cs.beta == 0.0f)  // beta == 0 must not read C: NaN here must not leak
      for (int64_t j = 0; j < cs.n; ++j) c.v[i * c.ld + j] = nan_of<TC>();
  }
  const Stored<TC> c0 = c;

  gemm<T, TC>(cs.ta, cs.tb, cs.m, cs.n, cs.k, cs.alpha, a.v.data(), a.ld, b.v.data(), b.ld, cs.beta,
              c.v.data(), c.ld);

  const double u = rounding_unit<TC>();
  int failures = 0;
  for (int64_t i = 0; i < cs.m && failures < 5; ++i) {
    for (int64_t j = 0; j < c.ld && failures < 5; ++j) {
      const TC got = c.v[i * c.ld + j];
      if (j >= cs.n) {
        if (!same_bits(got, sentinel)) {
          ++failures;
          ADD_FAILURE() << "C padding written at (" << i << ", " << j << ")";
        }
        continue;
      }
      double sum = 0.0, mag = 0.0;
      for (int64_t p = 0; p < cs.k; ++p) {
        const double x = cs.ta == kNo ? a.at(i, p) : a.at(p, i);
        const double y = cs.tb == kNo ? b.at(p, j) : b.at(j, p);
        sum += x * y;
        mag += std::fabs(x * y);
      }
      double ref = cs.alpha * sum;
      mag *= std::fabs(cs.alpha);
      if (cs.beta != 0.0f) {
        ref += cs.beta * c0.at(i, j);
        mag += std::fabs(cs.beta * c0.at(i, j));
      }
      const double float_bound = static_cast<double>(cs.k + 8) * 0x1p-24 * mag;
      const double tol =
          float_bound + u * (std::fabs(ref) + float_bound) + 0.5 * smallest_subnormal<TC>();
      const double g = static_cast<float>(got);
      if (!(std::fabs(g - ref) <= tol)) {  // NaN fails too
        ++failures;
        ADD_FAILURE() << "C(" << i << ", " << j << ") = " << g << ", reference " << ref
                      << ", |diff| " << std::fabs(g - ref) << " > tol " << tol;
      }
    }
  }
}

template <class T, class TC>
struct Pair {
  using A = T;
  using C = TC;
};
using Pairs = ::testing::Types<Pair<float, float>, Pair<half, half>, Pair<half, float>,
                               Pair<bfloat16, bfloat16>, Pair<bfloat16, float>>;
struct PairNames {
  template <class P>
  static std::string GetName(int i) {
    static const char* names[] = {"f32_f32", "f16_f16", "f16_f32", "bf16_bf16", "bf16_f32"};
    return names[i];
  }
};

template <class P>
class Gemm : public ::testing::Test {};
TYPED_TEST_SUITE(Gemm, Pairs, PairNames);

// ---- shapes, transposes, alpha and beta ------------------------------------------------------

// Odd sizes, sizes around the micro-tile (6 x 64) and the blocks (mc 96, kc 384, nc 1024):
// m = 97 and 193 take a second and third A block, k = 385 and 800 two and three K blocks
// (for a 16-bit C, the float workspace), n = 1030 a second B block.
TYPED_TEST(Gemm, ShapesTransposesAlphaBeta) {
  using T = typename TypeParam::A;
  using TC = typename TypeParam::C;
  const int64_t shapes[][3] = {{1, 1, 1},     {7, 7, 7},     {33, 33, 33}, {129, 65, 7},
                               {7, 129, 33},  {13, 1, 129},  {1, 100, 20}, {97, 70, 385},
                               {193, 64, 40}, {20, 1030, 9}, {6, 64, 800}};
  const float ab[][2] = {{1.0f, 0.0f}, {1.0f, 1.0f}, {-0.75f, 0.5f}};
  std::uint32_t seed = 1;
  for (const auto& s : shapes)
    for (Transpose ta : {kNo, kYes})
      for (Transpose tb : {kNo, kYes})
        for (const auto& x : ab) check<T, TC>({s[0], s[1], s[2], ta, tb, x[0], x[1]}, seed++);
}

// Every edge tile: 1..13 rows (two 6-row panels and a remainder) against columns that end
// inside each of the 4 vectors of a 64-wide panel and in a second panel.
TYPED_TEST(Gemm, EveryEdgeTile) {
  using T = typename TypeParam::A;
  using TC = typename TypeParam::C;
  std::uint32_t seed = 100;
  for (int64_t m = 1; m <= 13; ++m)
    for (int64_t n : {1, 15, 16, 17, 31, 32, 33, 48, 49, 63, 64, 65, 127, 129})
      check<T, TC>({m, n, 17, kNo, kNo, 1.0f, 0.5f}, seed++);
}

// The AMX level's blocks (core/src/cpu/gemm_amx.cpp: 32 x 32 of C, K in tiles of 32; A read
// in place when its block is whole): C that ends inside a block or a tile in each direction,
// K that ends inside a tile, every transpose, beta 0 and not, and the shapes just too thin for
// tiles (m, n or k under 32), which run the avx512 loops there. Elsewhere, more edge shapes.
TYPED_TEST(Gemm, TileBlocksAndTails) {
  using T = typename TypeParam::A;
  using TC = typename TypeParam::C;
  const int64_t shapes[][3] = {{32, 32, 32}, {47, 33, 33}, {64, 80, 95}, {100, 48, 64},
                               {31, 64, 64}, {64, 31, 64}, {64, 64, 31}, {96, 40, 161}};
  std::uint32_t seed = 300;
  for (const auto& s : shapes)
    for (Transpose ta : {kNo, kYes})
      for (Transpose tb : {kNo, kYes})
        for (float beta : {0.0f, 1.5f}) check<T, TC>({s[0], s[1], s[2], ta, tb, 0.75f, beta}, seed++);
}

// Products large enough to run on several threads, split along M (the second with n = 64 and
// two K blocks: A read in place, a 16-bit C through the workspace) and along N.
TYPED_TEST(Gemm, ThreadedShapes) {
  using T = typename TypeParam::A;
  using TC = typename TypeParam::C;
  check<T, TC>({300, 64, 200, kYes, kNo, 1.0f, 0.0f}, 7);
  check<T, TC>({200, 64, 600, kNo, kNo, 1.0f, 0.5f}, 9);
  check<T, TC>({64, 640, 100, kNo, kYes, 0.5f, 1.0f}, 8);
}

// ---- degenerate sizes ------------------------------------------------------------------------

TYPED_TEST(Gemm, KZeroScalesC) {
  using T = typename TypeParam::A;
  using TC = typename TypeParam::C;
  check<T, TC>({5, 7, 0, kNo, kNo, 1.0f, 0.0f}, 11);   // NaN C becomes 0
  check<T, TC>({5, 7, 0, kNo, kYes, 1.0f, 1.0f}, 12);  // unchanged
  check<T, TC>({5, 7, 0, kYes, kNo, 2.0f, -0.5f}, 13);
}

TYPED_TEST(Gemm, MOrNZeroTouchesNothing) {
  using T = typename TypeParam::A;
  using TC = typename TypeParam::C;
  const T a[4] = {T(1.0f), T(2.0f), T(3.0f), T(4.0f)};
  TC c[4] = {TC(5.0f), TC(6.0f), TC(7.0f), TC(8.0f)};
  gemm<T, TC>(kNo, kNo, 0, 2, 2, 1.0f, a, 2, a, 2, 0.0f, c, 2);
  gemm<T, TC>(kNo, kNo, 2, 0, 2, 1.0f, a, 2, a, 2, 0.0f, c, 2);
  gemm<T, TC>(kNo, kNo, 0, 0, 0, 1.0f, a, 2, a, 2, 0.0f, c, 2);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(static_cast<float>(c[i]), 5.0f + static_cast<float>(i));
}

// alpha == 0: C = beta * C and A, B are not read (BLAS semantics), so NaN there is harmless.
TYPED_TEST(Gemm, AlphaZeroDoesNotReadAB) {
  using T = typename TypeParam::A;
  using TC = typename TypeParam::C;
  const T nan = nan_of<T>();
  const T a[4] = {nan, nan, nan, nan};
  TC c[4] = {TC(1.0f), TC(2.0f), TC(3.0f), TC(4.0f)};
  gemm<T, TC>(kNo, kNo, 2, 2, 2, 0.0f, a, 2, a, 2, 0.5f, c, 2);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(static_cast<float>(c[i]), 0.5f * (1.0f + float(i)));
}

// ---- exactness and determinism ---------------------------------------------------------------

// Small integers multiply and add exactly in float, so C must be exactly TC(exact result):
// this pins the final rounding (and the beta path) bit for bit, with no tolerance.
TYPED_TEST(Gemm, ExactOnSmallIntegers) {
  using T = typename TypeParam::A;
  using TC = typename TypeParam::C;
  const int64_t m = 9, n = 70, k = 40;
  std::vector<T> a(m * k), b(k * n);
  std::vector<TC> c(m * n);
  for (int64_t i = 0; i < m * k; ++i) a[i] = T(static_cast<float>(i % 7 - 3));
  for (int64_t i = 0; i < k * n; ++i) b[i] = T(static_cast<float>(i % 5 - 2));
  for (int64_t i = 0; i < m * n; ++i) c[i] = TC(static_cast<float>(i % 3));
  const std::vector<TC> c0 = c;
  gemm<T, TC>(kNo, kNo, m, n, k, 2.0f, a.data(), k, b.data(), n, 3.0f, c.data(), n);
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      float s = 0.0f;
      for (int64_t p = 0; p < k; ++p) s += float(a[i * k + p]) * float(b[p * n + j]);
      const TC want = TC(2.0f * s + 3.0f * float(c0[i * n + j]));
      ASSERT_TRUE(same_bits(c[i * n + j], want)) << i << ", " << j;
    }
}

// bfloat16 products run on AMX tiles at the amx level (core/src/cpu/gemm_amx.cpp).
template <class T>
bool amx_bf16() {
  return std::is_same_v<T, mantissa::bfloat16> && std::string(mantissa::cpu_kernels()) == "amx";
}

// 16-bit inputs are widened exactly and then multiplied like floats, so gemm<T, float> equals
// gemm<float, float> on the widened values bit for bit (at the amx level, bfloat16 within the
// rounding of another order of the same sums). For bfloat16 on AVX512-BF16 this pins
// the pair kernel's claim (gemm_kernel.hpp): vdpbf16ps with k in the high half is the float
// kernel's two FMAs in k order. Odd k (a zero pad pair), all transposes, several K blocks.
TYPED_TEST(Gemm, SixteenBitInputsMatchFloatPathExactly) {
  using T = typename TypeParam::A;
  if constexpr (!std::is_same_v<T, float>) {
    const int64_t shapes[][3] = {{13, 70, 33}, {64, 130, 1031}, {7, 64, 8}};
    for (const auto& s : shapes)
      for (Transpose ta : {kNo, kYes})
        for (Transpose tb : {kNo, kYes}) {
          const int64_t m = s[0], n = s[1], k = s[2];
          SCOPED_TRACE(describe({m, n, k, ta, tb}));
          std::mt19937 rng(static_cast<std::uint32_t>(m + n + k));
          const Stored<T> a(ta == kNo ? m : k, ta == kNo ? k : m, 1, rng, -2.0f, 2.0f);
          const Stored<T> b(tb == kNo ? k : n, tb == kNo ? n : k, 1, rng, -2.0f, 2.0f);
          std::vector<float> a32(a.v.size()), b32(b.v.size());
          for (std::size_t i = 0; i < a.v.size(); ++i) a32[i] = static_cast<float>(a.v[i]);
          for (std::size_t i = 0; i < b.v.size(); ++i) b32[i] = static_cast<float>(b.v[i]);
          std::vector<float> c(static_cast<std::size_t>(m * n)), c32(c.size());
          gemm<T, float>(ta, tb, m, n, k, 1.5f, a.v.data(), a.ld, b.v.data(), b.ld, 0.0f, c.data(),
                         n);
          gemm<float, float>(ta, tb, m, n, k, 1.5f, a32.data(), a.ld, b32.data(), b.ld, 0.0f,
                             c32.data(), n);
          if (!amx_bf16<T>()) {
            EXPECT_EQ(0, std::memcmp(c.data(), c32.data(), c.size() * sizeof(float)));
            continue;
          }
          // AMX tiles add a pair of products at a time: the float path's sum in another
          // order, so within the two orders' rounding bounds, 2 k u sum |a b| (u = 2^-24).
          for (int64_t i = 0; i < m; ++i)
            for (int64_t j = 0; j < n; ++j) {
              double bound = 0.0;
              for (int64_t p = 0; p < k; ++p) {
                const float x = ta == kNo ? a32[i * a.ld + p] : a32[p * a.ld + i];
                const float y = tb == kNo ? b32[p * b.ld + j] : b32[j * b.ld + p];
                bound += std::fabs(double{x} * y);
              }
              bound *= 1.5 * 2.0 * static_cast<double>(k) * 0x1p-24;
              ASSERT_LE(std::fabs(double{c[i * n + j]} - c32[i * n + j]), bound) << i << ", " << j;
            }
        }
  }
}

// The thread count never changes a bit of C: 1, 2 and 3 threads, on products that split along
// M, along N, and (16-bit C) across K blocks through the float workspace.
TYPED_TEST(Gemm, BitIdenticalAcrossThreadCounts) {
  using T = typename TypeParam::A;
  using TC = typename TypeParam::C;
  const Case cases[] = {{300, 64, 200, kNo, kNo, 1.0f, 0.0f},
                        {200, 64, 600, kYes, kNo, 1.0f, 0.5f},
                        {64, 640, 100, kYes, kYes, 0.5f, 1.0f},
                        {150, 130, 800, kNo, kYes, 1.0f, -1.0f}};
  const int saved = omp_get_max_threads();
  for (const Case& cs : cases) {
    SCOPED_TRACE(describe(cs));
    std::mt19937 rng(42);
    const Stored<T> a(cs.ta == kNo ? cs.m : cs.k, cs.ta == kNo ? cs.k : cs.m, cs.pad, rng, -1, 1);
    const Stored<T> b(cs.tb == kNo ? cs.k : cs.n, cs.tb == kNo ? cs.n : cs.k, cs.pad, rng, -1, 1);
    const Stored<TC> c0(cs.m, cs.n, cs.pad, rng, -1, 1);
    std::vector<std::vector<TC>> results;
    for (int threads : {1, 2, 3}) {
      omp_set_num_threads(threads);
      Stored<TC> c = c0;
      gemm<T, TC>(cs.ta, cs.tb, cs.m, cs.n, cs.k, cs.alpha, a.v.data(), a.ld, b.v.data(), b.ld,
                  cs.beta, c.v.data(), c.ld);
      results.push_back(c.v);
    }
    for (std::size_t r = 1; r < results.size(); ++r)
      EXPECT_EQ(0,
                std::memcmp(results[0].data(), results[r].data(), results[0].size() * sizeof(TC)))
          << "1 thread and " << r + 1 << " threads differ";
  }
  omp_set_num_threads(saved);
}

}  // namespace

namespace {

// A K-major A with a thin C (a weight gradient, cols^T dy) runs as the transposed product
// (core/src/cpu/gemm.cpp): C against the double reference, C's padding untouched and, with
// beta 0, C never read; and bit for bit the C of the same A stored row-major, which takes the
// plain loop nest (products commuted, the same sums in the same order). One, two and several
// K blocks; C 1, 7, 32 and 64 wide; 1 and 2 threads.
TYPED_TEST(Gemm, KMajorAWithAThinCGivesTheBitsOfARowMajorA) {
  using T = typename TypeParam::A;
  using TC = typename TypeParam::C;
  const Case cases[] = {{288, 32, 700, kYes, kNo, 1.0f, 0.0f},
                        {100, 64, 1200, kYes, kNo, 1.5f, 0.5f},
                        {70, 7, 513, kYes, kNo, 1.0f, 1.0f},
                        {65, 1, 64, kYes, kNo, -1.0f, 0.0f}};
  const int saved = omp_get_max_threads();
  for (int threads : {1, 2}) {
    omp_set_num_threads(threads);
    for (const Case& cs : cases) {
      check<T, TC>(cs, 7);
      SCOPED_TRACE(describe(cs) + " threads " + std::to_string(threads));
      std::mt19937 rng(11);
      const Stored<T> a(cs.k, cs.m, cs.pad, rng, -1, 1);  // K-major: k rows of m
      const Stored<T> b(cs.k, cs.n, cs.pad, rng, -1, 1);
      Stored<T> at(cs.m, cs.k, cs.pad, rng, -1, 1);  // the same A, row-major
      for (int64_t i = 0; i < cs.m; ++i)
        for (int64_t p = 0; p < cs.k; ++p) at.v[i * at.ld + p] = a.v[p * a.ld + i];
      const Stored<TC> c0(cs.m, cs.n, cs.pad, rng, -1, 1);
      Stored<TC> c1 = c0, c2 = c0;
      gemm<T, TC>(kYes, kNo, cs.m, cs.n, cs.k, cs.alpha, a.v.data(), a.ld, b.v.data(), b.ld,
                  cs.beta, c1.v.data(), c1.ld);
      gemm<T, TC>(kNo, kNo, cs.m, cs.n, cs.k, cs.alpha, at.v.data(), at.ld, b.v.data(), b.ld,
                  cs.beta, c2.v.data(), c2.ld);
      if (amx_bf16<T>()) continue;  // AMX's own order of the pair sums (checked above)
      for (int64_t i = 0; i < cs.m; ++i)
        for (int64_t j = 0; j < cs.n; ++j)
          ASSERT_TRUE(same_bits(c1.v[i * c1.ld + j], c2.v[i * c2.ld + j]))
              << "(" << i << ", " << j << "): " << float(c1.v[i * c1.ld + j]) << " vs "
              << float(c2.v[i * c2.ld + j]);
    }
  }
  omp_set_num_threads(saved);
}

}  // namespace
