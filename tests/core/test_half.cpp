// test_half: the scalar half / bfloat16 conversions against an independent reference.
//
// The reference does not use the code under test: 16-bit -> value is std::ldexp on the sign,
// exponent and mantissa fields, and value -> 16-bit is a ties-to-even rounding done in double
// (exact there: every float and every midpoint fits in 53 bits). For half, the CPU's F16C
// instruction is a second opinion where the CPU has it.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <iomanip>
#include <limits>
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

#include "mantissa/core/half.hpp"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#include <immintrin.h>
#define MANTISSA_TEST_X86 1
#endif

namespace {

using mantissa::bfloat16;
using mantissa::from_bits;
using mantissa::half;

// ---- the reference --------------------------------------------------------------------------

// A binary format with 1 sign bit, `exp_bits` exponent bits and `man_bits` mantissa bits.
struct Format {
  int exp_bits;
  int man_bits;
  int bias() const { return (1 << (exp_bits - 1)) - 1; }
  int emin() const { return 1 - bias(); }  // exponent of the smallest normal
  std::uint32_t exp_mask() const { return (1u << exp_bits) - 1u; }
  double max() const {
    return std::ldexp(2.0 - std::ldexp(1.0, -man_bits), static_cast<int>(exp_mask()) - 1 - bias());
  }
};
constexpr Format kHalf{5, 10};
constexpr Format kBf16{8, 7};

// Value of a finite pattern (infinity for inf; NaN is tested on its own).
double ref_value(Format f, std::uint16_t bits) {
  const bool neg = (bits >> (f.exp_bits + f.man_bits)) & 1u;
  const std::uint32_t e = (bits >> f.man_bits) & f.exp_mask();
  const std::uint32_t m = bits & ((1u << f.man_bits) - 1u);
  double v;
  if (e == f.exp_mask())
    v = std::numeric_limits<double>::infinity();
  else if (e == 0)
    v = std::ldexp(static_cast<double>(m), f.emin() - f.man_bits);
  else
    v = std::ldexp(static_cast<double>(m + (1u << f.man_bits)),
                   static_cast<int>(e) - f.bias() - f.man_bits);
  return neg ? -v : v;
}

// Round a non-NaN double to the format, ties to even; overflow gives inf.
std::uint16_t ref_round(Format f, double v) {
  const std::uint32_t sign = std::signbit(v) ? 1u << (f.exp_bits + f.man_bits) : 0u;
  const std::uint32_t inf = sign | (f.exp_mask() << f.man_bits);
  const double a = std::fabs(v);
  if (std::isinf(a)) return static_cast<std::uint16_t>(inf);
  int ex = 0;
  std::frexp(a, &ex);  // a = fr * 2^ex, fr in [0.5, 1)
  const int e = std::max(ex - 1, f.emin());  // binade, clamped to the subnormal one
  const double q = std::ldexp(1.0, e - f.man_bits);  // spacing of the format there
  const double scaled = a / q;  // exact: a power-of-two scale
  double r = std::floor(scaled);
  const double frac = scaled - r;
  if (frac > 0.5 || (frac == 0.5 && std::fmod(r, 2.0) == 1.0)) r += 1.0;
  const double rv = r * q;
  if (rv > f.max()) return static_cast<std::uint16_t>(inf);
  if (rv < std::ldexp(1.0, f.emin()))  // subnormal or zero: the mantissa is rv / 2^(emin-p)
    return static_cast<std::uint16_t>(sign | static_cast<std::uint32_t>(r));
  std::frexp(rv, &ex);
  const int be = ex - 1;
  const auto m = static_cast<std::uint32_t>(std::ldexp(rv, f.man_bits - be)) - (1u << f.man_bits);
  return static_cast<std::uint16_t>(sign | (static_cast<std::uint32_t>(be + f.bias()) << f.man_bits) |
                                    m);
}

std::uint32_t bits_of(float f) { return std::bit_cast<std::uint32_t>(f); }

#ifdef MANTISSA_TEST_X86
// _cvtss_sh's instruction, written without the macro (clang's expands to a C99 compound literal).
__attribute__((target("f16c"))) std::uint16_t hw_float_to_half(float f) {
  const __m128i h = _mm_cvtps_ph(_mm_set_ss(f), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  return static_cast<std::uint16_t>(_mm_cvtsi128_si32(h) & 0xffff);
}
bool hw_has_f16c() {  // CPUID.1:ECX.F16C; clang's __builtin_cpu_supports has no "f16c"
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  return __get_cpuid(1, &eax, &ebx, &ecx, &edx) && (ecx & bit_F16C) != 0;
}
#else
std::uint16_t hw_float_to_half(float) { return 0; }
bool hw_has_f16c() { return false; }
#endif

// For every finite 16-bit pattern: its value, the midpoints to both neighbours and the floats
// just below and above each (plus the negatives). These are all the places rounding can go wrong.
std::vector<float> rounding_probes(Format f) {
  std::vector<float> out;
  const std::uint32_t top = f.exp_mask() << f.man_bits;  // +inf's pattern
  for (std::uint32_t b = 0; b < top; ++b) {
    const double v = ref_value(f, static_cast<std::uint16_t>(b));
    // Above max the next step is 2^(emax+1), the value where the format would continue.
    const double up = b + 1 < top ? ref_value(f, static_cast<std::uint16_t>(b + 1))
                                  : std::ldexp(1.0, static_cast<int>(f.exp_mask()) - f.bias());
    const auto vf = static_cast<float>(v);
    const auto mid = static_cast<float>((v + up) / 2);  // exact in float for both formats
    EXPECT_EQ(static_cast<double>(mid), (v + up) / 2);
    const float inf = std::numeric_limits<float>::infinity();
    for (float p : {vf, std::nextafter(vf, inf), std::nextafter(vf, -inf), mid,
                    std::nextafter(mid, inf), std::nextafter(mid, -inf)}) {
      out.push_back(p);
      out.push_back(-p);
    }
  }
  return out;
}

// ---- 16-bit -> float, all 65,536 patterns ---------------------------------------------------

TEST(Half, EveryPatternToFloat) {
  for (std::uint32_t b = 0; b < 65536; ++b) {
    const auto h = static_cast<std::uint16_t>(b);
    const float f = static_cast<float>(half(from_bits, h));
    const bool neg = (h & 0x8000u) != 0;
    ASSERT_EQ(std::signbit(f), neg) << std::hex << b;
    if ((h & 0x7c00u) == 0x7c00u && (h & 0x3ffu) != 0) {  // NaN: quiet, sign and payload kept
      ASSERT_TRUE(std::isnan(f)) << std::hex << b;
      ASSERT_EQ(bits_of(f), (neg ? 0x80000000u : 0u) | 0x7fc00000u | ((h & 0x3ffu) << 13))
          << std::hex << b;
    } else {
      ASSERT_EQ(static_cast<double>(f), ref_value(kHalf, h)) << std::hex << b;
    }
  }
}

TEST(Bfloat16, EveryPatternToFloat) {
  for (std::uint32_t b = 0; b < 65536; ++b) {
    const auto h = static_cast<std::uint16_t>(b);
    const float f = static_cast<float>(bfloat16(from_bits, h));
    ASSERT_EQ(std::signbit(f), (h & 0x8000u) != 0) << std::hex << b;
    if ((h & 0x7f80u) == 0x7f80u && (h & 0x7fu) != 0) {  // NaN: the plain shift, sNaN kept
      ASSERT_TRUE(std::isnan(f)) << std::hex << b;
      ASSERT_EQ(bits_of(f), b << 16) << std::hex << b;
    } else {
      ASSERT_EQ(static_cast<double>(f), ref_value(kBf16, h)) << std::hex << b;
    }
  }
}

// ---- float -> 16-bit: every rounding boundary -----------------------------------------------

TEST(Half, EveryRoundingBoundary) {
  const bool hw = hw_has_f16c();
  const std::vector<float> probes = rounding_probes(kHalf);
  for (float p : probes) {
    const std::uint16_t want = ref_round(kHalf, static_cast<double>(p));
    ASSERT_EQ(half(p).bits, want) << std::hexfloat << p;
    if (hw) {
      ASSERT_EQ(hw_float_to_half(p), want) << "F16C disagrees with the reference at " << p;
    }
  }
  // And a stride through all of float's finite range, for what lies between the boundaries.
  for (std::uint64_t x = 0; x < 0x7f800000u; x += 997) {
    const float p = std::bit_cast<float>(static_cast<std::uint32_t>(x));
    ASSERT_EQ(half(p).bits, ref_round(kHalf, static_cast<double>(p))) << std::hexfloat << p;
    ASSERT_EQ(half(-p).bits, ref_round(kHalf, -static_cast<double>(p))) << std::hexfloat << -p;
  }
}

TEST(Bfloat16, EveryRoundingBoundary) {
  for (float p : rounding_probes(kBf16))
    ASSERT_EQ(bfloat16(p).bits, ref_round(kBf16, static_cast<double>(p))) << std::hexfloat << p;
  for (std::uint64_t x = 0; x < 0x7f800000u; x += 997) {
    const float p = std::bit_cast<float>(static_cast<std::uint32_t>(x));
    ASSERT_EQ(bfloat16(p).bits, ref_round(kBf16, static_cast<double>(p))) << std::hexfloat << p;
  }
}

// Every float NaN (both signs, all 2^23 - 1 payloads): NaN out, sign kept, the quieting rule.
TEST(HalfAndBfloat16, EveryNanStaysNan) {
  for (std::uint32_t x = 0x7f800001u; x <= 0x7fffffffu; ++x) {
    for (std::uint32_t s : {0u, 0x80000000u}) {
      const float f = std::bit_cast<float>(x | s);
      const std::uint16_t h = half(f).bits;
      const std::uint16_t b = bfloat16(f).bits;
      const bool h_ok = (h & 0x7c00u) == 0x7c00u && (h & 0x200u) && (h & 0x8000u) == (s >> 16) &&
                        (h & 0x3ffu) == (((x >> 13) & 0x3ffu) | 0x200u);
      const bool b_ok = b == (((x | s) >> 16) | 0x40u);
      if (!h_ok || !b_ok) FAIL() << std::hex << (x | s) << " -> half " << h << ", bf16 " << b;
    }
  }
}

// ---- named cases ----------------------------------------------------------------------------

TEST(Half, NamedCases) {
  const float inf = std::numeric_limits<float>::infinity();
  EXPECT_EQ(half(0.0f).bits, 0x0000);
  EXPECT_EQ(half(-0.0f).bits, 0x8000);
  EXPECT_EQ(half(1.0f).bits, 0x3c00);
  EXPECT_EQ(half(inf).bits, 0x7c00);
  EXPECT_EQ(half(-inf).bits, 0xfc00);
  EXPECT_EQ(half(65504.0f).bits, 0x7bff);
  EXPECT_EQ(half(65519.99f).bits, 0x7bff);  // just below the midpoint to 2^16: rounds down
  EXPECT_EQ(half(65520.0f).bits, 0x7c00);   // the midpoint ties to even, which is inf
  EXPECT_EQ(half(-65520.0f).bits, 0xfc00);
  EXPECT_EQ(half(1e9f).bits, 0x7c00);
  EXPECT_EQ(half(std::ldexp(1.0f, -24)).bits, 0x0001);  // the smallest subnormal
  EXPECT_EQ(half(std::ldexp(1.0f, -25)).bits, 0x0000);  // half of it: ties to even, 0
  EXPECT_EQ(half(std::nextafter(std::ldexp(1.0f, -25), 1.0f)).bits, 0x0001);
  EXPECT_EQ(half(std::ldexp(3.0f, -25)).bits, 0x0002);  // 1.5 ulps: ties to even, 2
  EXPECT_EQ(half(-std::ldexp(1.0f, -14)).bits, 0x8400);  // the smallest normal
  EXPECT_EQ(half(std::ldexp(1023.0f, -24)).bits, 0x03ff);  // the largest subnormal
  EXPECT_EQ(half(std::ldexp(2047.0f, -25)).bits, 0x0400);  // rounds up into the normals
  EXPECT_EQ(half(1.0f + std::ldexp(1.0f, -11)).bits, 0x3c00);      // tie, even is down
  EXPECT_EQ(half(1.0f + std::ldexp(3.0f, -11)).bits, 0x3c02);      // tie, even is up
  EXPECT_EQ(half(std::numeric_limits<float>::denorm_min()).bits, 0x0000);
  EXPECT_EQ(half(-std::numeric_limits<float>::denorm_min()).bits, 0x8000);
  EXPECT_TRUE(std::isnan(static_cast<float>(half(std::numeric_limits<float>::quiet_NaN()))));
  EXPECT_EQ(half(-std::numeric_limits<float>::quiet_NaN()).bits & 0x8000, 0x8000);
  EXPECT_EQ(half(std::numeric_limits<float>::signaling_NaN()).bits & 0x200, 0x200);  // quieted
}

TEST(Bfloat16, NamedCases) {
  const float inf = std::numeric_limits<float>::infinity();
  EXPECT_EQ(bfloat16(0.0f).bits, 0x0000);
  EXPECT_EQ(bfloat16(-0.0f).bits, 0x8000);
  EXPECT_EQ(bfloat16(1.0f).bits, 0x3f80);
  EXPECT_EQ(bfloat16(-inf).bits, 0xff80);
  EXPECT_EQ(bfloat16(std::numeric_limits<float>::max()).bits, 0x7f80);  // overflows to inf
  EXPECT_EQ(bfloat16(std::bit_cast<float>(0x7f7f7fffu)).bits, 0x7f7f);  // just below: max
  EXPECT_EQ(bfloat16(1.0f + std::ldexp(1.0f, -8)).bits, 0x3f80);   // tie, even is down
  EXPECT_EQ(bfloat16(1.0f + std::ldexp(3.0f, -8)).bits, 0x3f82);   // tie, even is up
  EXPECT_EQ(bfloat16(std::ldexp(1.0f, -133)).bits, 0x0001);        // subnormals are kept
  EXPECT_EQ(bfloat16(std::ldexp(1.0f, -134)).bits, 0x0000);        // tie to even: 0
  EXPECT_EQ(bfloat16(std::ldexp(3.0f, -134)).bits, 0x0002);        // tie to even: 2
  EXPECT_EQ(bfloat16(-std::ldexp(1.0f, -126)).bits, 0x8080);
  EXPECT_EQ(bfloat16(std::numeric_limits<float>::signaling_NaN()).bits & 0x7fc0, 0x7fc0);
  EXPECT_EQ(static_cast<float>(bfloat16(from_bits, 0x4049)), 3.140625f);
}

// ---- numeric_limits, checked as numbers -----------------------------------------------------

template <class T>
void check_limits(double max, int digits, int min_exp, int max_exp) {
  using L = std::numeric_limits<T>;
  auto v = [](T x) { return static_cast<double>(static_cast<float>(x)); };
  EXPECT_TRUE(L::is_specialized);
  EXPECT_EQ(L::digits, digits);
  EXPECT_EQ(L::min_exponent, min_exp);
  EXPECT_EQ(L::max_exponent, max_exp);
  EXPECT_EQ(v(L::max()), max);
  EXPECT_EQ(v(L::lowest()), -max);
  EXPECT_EQ(v(L::min()), std::ldexp(1.0, min_exp - 1));
  EXPECT_EQ(v(L::denorm_min()), std::ldexp(1.0, min_exp - digits));
  EXPECT_EQ(v(L::epsilon()), std::ldexp(1.0, 1 - digits));
  EXPECT_EQ(v(L::round_error()), 0.5);
  // epsilon is the gap from 1 to the next value up.
  EXPECT_EQ(v(T(from_bits, static_cast<std::uint16_t>(T(1.0f).bits + 1u))) - 1.0,
            v(L::epsilon()));
  // max is the largest finite value: the pattern after it is inf, and 2^max_exponent is not
  // reached.
  EXPECT_TRUE(std::isinf(v(T(from_bits, static_cast<std::uint16_t>(L::max().bits + 1u)))));
  EXPECT_LT(max, std::ldexp(1.0, max_exp));
  EXPECT_GE(max, std::ldexp(1.0, max_exp - 1));
  EXPECT_EQ(L::digits10, static_cast<int>(std::floor((digits - 1) * std::log10(2.0))));
  EXPECT_EQ(L::max_digits10, static_cast<int>(std::ceil(1 + digits * std::log10(2.0))));
  EXPECT_EQ(L::max_exponent10, static_cast<int>(std::floor(std::log10(max))));
  EXPECT_EQ(L::min_exponent10, static_cast<int>(std::ceil(std::log10(v(L::min())))));
  EXPECT_TRUE(std::isinf(v(L::infinity())) && v(L::infinity()) > 0);
  const std::uint32_t qbit = 1u << (digits - 2);  // the top mantissa bit marks a quiet NaN
  EXPECT_TRUE(std::isnan(v(L::quiet_NaN())));
  EXPECT_NE(L::quiet_NaN().bits & qbit, 0u);
  EXPECT_TRUE(std::isnan(v(L::signaling_NaN())));
  EXPECT_EQ(L::signaling_NaN().bits & qbit, 0u);
}

TEST(Half, NumericLimits) {
  check_limits<half>(65504.0, 11, -13, 16);
  EXPECT_TRUE(std::numeric_limits<half>::is_iec559);
  EXPECT_EQ(std::numeric_limits<half>::has_denorm, std::denorm_present);
}

TEST(Bfloat16, NumericLimits) {
  check_limits<bfloat16>(std::ldexp(255.0, 120), 8, -125, 128);  // (2 - 2^-7) * 2^127
  EXPECT_FALSE(std::numeric_limits<bfloat16>::is_iec559);
  EXPECT_EQ(std::numeric_limits<bfloat16>::has_denorm, std::denorm_present);
  // bfloat16 shares float's exponent range.
  EXPECT_EQ(std::numeric_limits<bfloat16>::min_exponent, std::numeric_limits<float>::min_exponent);
  EXPECT_EQ(std::numeric_limits<bfloat16>::max_exponent, std::numeric_limits<float>::max_exponent);
}

// ---- compile-time properties ----------------------------------------------------------------

static_assert(half(1.0f).bits == 0x3c00);
static_assert(half(-2.5f).bits == 0xc100);
static_assert(half(65520.0f).bits == 0x7c00);
static_assert(static_cast<float>(half(from_bits, 0x3555)) == 0.333251953125f);
static_assert(static_cast<float>(half(from_bits, 0x0001)) == 5.9604644775390625e-8f);
static_assert(bfloat16(1.0f).bits == 0x3f80);
static_assert(static_cast<float>(bfloat16(from_bits, 0xc0a0)) == -5.0f);
static_assert(static_cast<float>(std::numeric_limits<half>::max()) == 65504.0f);
static_assert(same_bits(half(static_cast<float>(half(from_bits, 0x1234))), half(from_bits, 0x1234)));

static_assert(!std::is_convertible_v<float, half> && !std::is_convertible_v<half, float>);
static_assert(!std::is_convertible_v<float, bfloat16> && !std::is_convertible_v<bfloat16, float>);
static_assert(!std::is_convertible_v<half, bfloat16> && !std::is_convertible_v<bfloat16, half>);
static_assert(!std::is_convertible_v<double, half> && !std::is_convertible_v<int, half>);
static_assert(std::is_constructible_v<half, float> && std::is_constructible_v<float, half>);
static_assert(std::is_constructible_v<bfloat16, float> && std::is_constructible_v<float, bfloat16>);
// From float only: any other number is a deleted constructor, so the traits say no
// (tests/compile_fail/narrow_half_* show the messages). Bits go in by name: from_bits.
static_assert(!std::is_constructible_v<half, double> && !std::is_constructible_v<half, int>);
static_assert(!std::is_constructible_v<half, bool> && !std::is_constructible_v<half, long double>);
static_assert(!std::is_constructible_v<half, std::uint16_t> && !std::is_constructible_v<half, char>);
static_assert(!std::is_constructible_v<half, bfloat16> && !std::is_constructible_v<bfloat16, half>);
static_assert(!std::is_constructible_v<bfloat16, double> && !std::is_constructible_v<bfloat16, int>);
static_assert(!std::is_constructible_v<double, half> && !std::is_constructible_v<int, half>);
static_assert(half::from_bits(0x3c00).bits == 0x3c00 && bfloat16::from_bits(0x3f80).bits == 0x3f80);
static_assert(std::is_trivially_copyable_v<half> && std::is_trivially_copyable_v<bfloat16>);
static_assert(std::is_trivially_default_constructible_v<half>);
static_assert(std::is_trivially_default_constructible_v<bfloat16>);
static_assert(std::is_standard_layout_v<half> && std::is_standard_layout_v<bfloat16>);
static_assert(sizeof(half) == 2 && alignof(half) == 2);
static_assert(sizeof(bfloat16) == 2 && alignof(bfloat16) == 2);

TEST(HalfAndBfloat16, ConstexprUse) {
  constexpr half h(0.5f);
  constexpr float back = static_cast<float>(h);
  constexpr bfloat16 b(back);
  std::array<int, static_cast<std::size_t>(static_cast<float>(half(3.0f)))> sized{};
  EXPECT_EQ(sized.size(), 3u);
  EXPECT_EQ(b.bits, 0x3f00);
}

TEST(HalfAndBfloat16, FromBitsByName) {
  constexpr half one = half::from_bits(0x3c00);
  EXPECT_EQ(static_cast<float>(one), 1.0f);
  EXPECT_EQ(static_cast<float>(half::from_bits(0x7bff)), 65504.0f);
  EXPECT_EQ(static_cast<float>(half::from_bits(0x8001)), -5.9604644775390625e-8f);
  EXPECT_EQ(static_cast<float>(bfloat16::from_bits(0x3f80)), 1.0f);
  EXPECT_EQ(static_cast<float>(bfloat16::from_bits(0xc0a0)), -5.0f);
  EXPECT_TRUE(same_bits(half::from_bits(0x1234), half(from_bits, 0x1234)));
}

// `os << h` prints the value as the stream prints that float: its flags apply, inf and NaN
// print as float's do, and a wide stream works too (half.hpp needs only <iosfwd> for this).
TEST(HalfAndBfloat16, PrintsTheValueAsAFloat) {
  std::ostringstream os;
  os << half(1.0f) << ' ' << half(0.1f) << ' ' << bfloat16(-2.5f) << ' '
     << half::from_bits(0x7c00) << ' ' << -std::numeric_limits<float>::infinity() << ' '
     << bfloat16::from_bits(0xff80);
  EXPECT_EQ(os.str(), "1 0.0999756 -2.5 inf -inf -inf");

  std::ostringstream as_float;
  as_float << std::setprecision(12) << std::fixed << static_cast<float>(half(0.1f)) << ' '
           << static_cast<float>(bfloat16(0.1f));
  std::ostringstream flags;
  flags << std::setprecision(12) << std::fixed << half(0.1f) << ' ' << bfloat16(0.1f);
  EXPECT_EQ(flags.str(), as_float.str());
  EXPECT_EQ(flags.str(), "0.099975585938 0.100097656250");

  std::ostringstream nan;
  nan << std::numeric_limits<half>::quiet_NaN();
  EXPECT_EQ(nan.str(), "nan");

  std::wostringstream wide;
  wide << half(0.5f) << L' ' << bfloat16(3.0f);
  EXPECT_EQ(wide.str(), L"0.5 3");
}

}  // namespace
