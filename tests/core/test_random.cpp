// tests/core/test_random.cpp: Philox known answers, reproducibility, thread independence,
// and the moments of the uniform and normal fills.
#include <gtest/gtest.h>
#include <omp.h>

#include <cmath>
#include <cstring>

#include "mantissa/core/core.hpp"

namespace mt = mantissa;
using mt::Shape;

// Random123's published known-answer vectors (kat_vectors) for Philox4x32-10.
TEST(Philox, KnownAnswers) {
  using A4 = std::array<std::uint32_t, 4>;
  EXPECT_EQ(mt::philox4x32_10({0, 0, 0, 0}, {0, 0}),
            (A4{0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}));
  EXPECT_EQ(mt::philox4x32_10({0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff},
                              {0xffffffff, 0xffffffff}),
            (A4{0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}));
  EXPECT_EQ(mt::philox4x32_10({0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344},
                              {0xa4093822, 0x299f31d0}),
            (A4{0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}));
}

TEST(Generator, SameSeedSameNumbersAndFillsAdvance) {
  mt::Generator g1(42), g2(42);
  auto a = mt::uniform<float>(Shape{1000}, -1.0f, 1.0f, g1);
  auto b = mt::uniform<float>(Shape{1000}, -1.0f, 1.0f, g2);
  EXPECT_EQ(std::memcmp(a.data(), b.data(), a.size_bytes()), 0);
  EXPECT_EQ(g1.offset(), 250u);
  auto c = mt::uniform<float>(Shape{1000}, -1.0f, 1.0f, g1);  // fresh numbers
  EXPECT_NE(std::memcmp(a.data(), c.data(), a.size_bytes()), 0);
  mt::Generator g3(43);
  auto d = mt::uniform<float>(Shape{1000}, -1.0f, 1.0f, g3);
  EXPECT_NE(std::memcmp(a.data(), d.data(), a.size_bytes()), 0);
}

TEST(Generator, ResultsDoNotDependOnThreadCount) {
  const int saved = omp_get_max_threads();
  const Shape big{1 << 18};  // above the parallel threshold
  mt::set_num_threads(1);
  mt::Generator g1(7);
  auto a = mt::normal<float>(big, 0.0f, 1.0f, g1);
  mt::set_num_threads(2);
  mt::Generator g2(7);
  auto b = mt::normal<float>(big, 0.0f, 1.0f, g2);
  mt::set_num_threads(saved);
  EXPECT_EQ(std::memcmp(a.data(), b.data(), a.size_bytes()), 0);
}

TEST(Generator, UniformAndNormalMoments) {
  mt::Generator g(1);
  const std::int64_t n = 1 << 17;
  auto u = mt::uniform<float>(Shape{n}, 2.0f, 4.0f, g);
  double s = 0, s2 = 0;
  for (float v : u) {
    ASSERT_GE(v, 2.0f);
    ASSERT_LT(v, 4.0f);
    s += v;
    s2 += double(v) * v;
  }
  const double mean = s / n, var = s2 / n - mean * mean;
  EXPECT_NEAR(mean, 3.0, 0.01);
  EXPECT_NEAR(var, 4.0 / 12.0, 0.01);

  auto z = mt::normal<mt::bfloat16>(Shape{n}, 1.0f, 2.0f, g);
  s = s2 = 0;
  for (auto v : z) {
    const double f = static_cast<float>(v);
    ASSERT_TRUE(std::isfinite(f));
    s += f;
    s2 += f * f;
  }
  const double zm = s / n, zv = s2 / n - zm * zm;
  EXPECT_NEAR(zm, 1.0, 0.03);
  EXPECT_NEAR(zv, 4.0, 0.08);
}
