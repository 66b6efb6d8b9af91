// test_convert: every bulk conversion path against the scalar conversions of half.hpp.
//
// The scalar conversions are the specification (test_half checks them against an independent
// reference); here each path this CPU can run (portable, f16c, avx512) must reproduce them bit
// for bit: all 65,536 16-bit patterns there and back, millions of random floats weighted towards
// NaNs, subnormals, ties and overflow, every length 0..130 at unaligned offsets, inputs that end
// at an unmapped page, and a hostile MXCSR (FTZ, DAZ, round toward zero).
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "../../core/src/cpu/convert_impl.hpp"
#include "mantissa/core/cpu/convert.hpp"

#if defined(__x86_64__) || defined(__i386__)
#include <xmmintrin.h>
#define MANTISSA_TEST_X86 1
#endif
#if defined(__unix__)
#include <sys/mman.h>
#include <unistd.h>
#define MANTISSA_TEST_MMAP 1
#endif

namespace {

using mantissa::bfloat16;
using mantissa::from_bits;
using mantissa::half;
using mantissa::cpu::detail::ConvertKernels;
namespace d = mantissa::detail;

std::uint32_t bits_of(float f) { return std::bit_cast<std::uint32_t>(f); }

// Random float bit patterns; one in two is drawn from a class where conversions go wrong.
std::vector<float> tricky_floats(std::size_t n, std::uint32_t seed) {
  std::mt19937 engine(seed);
  auto rng = [&engine] { return static_cast<std::uint32_t>(engine()); };  // mt19937: 32 bits
  std::vector<float> out(n);
  for (float& f : out) {
    std::uint32_t x = rng();
    const std::uint32_t sign = x & 0x80000000u;
    const std::uint32_t man = x & 0x7fffffu;
    auto with_exp = [&](std::uint32_t e) { return sign | (e << 23) | man; };
    switch (rng() % 10) {
      case 0: x = with_exp(0); break;                          // float subnormals, zeros
      case 1: x = with_exp(0xff); break;                       // NaNs (and the odd inf)
      case 2: x = with_exp(101 + rng() % 14); break;           // half subnormal range, 2^-26..
      case 3: x = (with_exp(112 + rng() % 32) & ~0x1fffu) | 0x1000u; break;  // half ties
      case 4: x = (x & ~0xffffu) | 0x8000u; break;             // bfloat16 ties
      case 5: x = with_exp(142 + rng() % 2); break;            // around half's overflow
      default: break;                                          // any pattern
    }
    f = std::bit_cast<float>(x);
  }
  return out;
}

// The kernels are named in the test names; those this CPU lacks are skipped, visibly.
class Path : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    for (const ConvertKernels* k : mantissa::cpu::detail::supported_kernels())
      if (GetParam() == k->name) kernels_ = k;
    if (kernels_ == nullptr) GTEST_SKIP() << "this CPU cannot run the " << GetParam() << " path";
  }
  const ConvertKernels& k() const { return *kernels_; }

  // Runs all four conversions on `in` and checks every output bit against the scalar code.
  void check_floats(const std::vector<float>& in) const {
    std::vector<half> h(in.size());
    std::vector<bfloat16> b(in.size());
    k().float_to_half(in.data(), h.data(), in.size());
    k().float_to_bfloat16(in.data(), b.data(), in.size());
    for (std::size_t i = 0; i < in.size(); ++i) {
      if (h[i].bits != d::float_to_half_bits(in[i]) ||
          b[i].bits != d::float_to_bfloat16_bits(in[i]))
        FAIL() << std::hex << "input " << bits_of(in[i]) << ": half " << h[i].bits << " want "
               << d::float_to_half_bits(in[i]) << ", bf16 " << b[i].bits << " want "
               << d::float_to_bfloat16_bits(in[i]);
    }
  }

 private:
  const ConvertKernels* kernels_ = nullptr;
};

std::string path_name(const ::testing::TestParamInfo<std::string>& info) { return info.param; }
INSTANTIATE_TEST_SUITE_P(Convert, Path, ::testing::Values("avx512", "f16c", "portable"),
                         path_name);

// All 65,536 patterns to float, then back: the round trip is the identity except that a
// signalling half NaN comes back quiet.
TEST_P(Path, EveryPatternThereAndBack) {
  std::vector<half> h(65536), h2(65536);
  std::vector<bfloat16> b(65536), b2(65536);
  for (std::uint32_t i = 0; i < 65536; ++i) {
    h[i] = half(from_bits, static_cast<std::uint16_t>(i));
    b[i] = bfloat16(from_bits, static_cast<std::uint16_t>(i));
  }
  std::vector<float> fh(65536), fb(65536);
  k().half_to_float(h.data(), fh.data(), h.size());
  k().bfloat16_to_float(b.data(), fb.data(), b.size());
  k().float_to_half(fh.data(), h2.data(), fh.size());
  k().float_to_bfloat16(fb.data(), b2.data(), fb.size());
  for (std::uint32_t i = 0; i < 65536; ++i) {
    const auto x = static_cast<std::uint16_t>(i);
    ASSERT_EQ(bits_of(fh[i]), bits_of(d::half_bits_to_float(x))) << std::hex << i;
    ASSERT_EQ(bits_of(fb[i]), bits_of(d::bfloat16_bits_to_float(x))) << std::hex << i;
    const bool half_nan = (x & 0x7c00u) == 0x7c00u && (x & 0x3ffu) != 0;
    const bool bf16_nan = (x & 0x7f80u) == 0x7f80u && (x & 0x7fu) != 0;
    ASSERT_EQ(h2[i].bits, half_nan ? (x | 0x200u) : x) << std::hex << i;
    ASSERT_EQ(b2[i].bits, bf16_nan ? (x | 0x40u) : x) << std::hex << i;
  }
}

TEST_P(Path, MillionsOfRandomFloats) { check_floats(tricky_floats(std::size_t{4} << 20, 20240607u)); }

// Every length 0..130 at offsets 0..3 elements (unaligned for both sides): exact results
// inside, and not one byte touched outside.
TEST_P(Path, EveryLengthAndOffset) {
  constexpr std::size_t kMax = 130, kPad = 40;
  const std::vector<float> src = tricky_floats(kMax + kPad, 7u);
  std::vector<half> hsrc(src.size());
  std::vector<bfloat16> bsrc(src.size());
  for (std::size_t i = 0; i < src.size(); ++i) {
    hsrc[i] = half(from_bits, static_cast<std::uint16_t>(bits_of(src[i]) >> 7));
    bsrc[i] = bfloat16(from_bits, static_cast<std::uint16_t>(bits_of(src[i]) >> 16));
  }
  const half h_sentinel(from_bits, 0xa5a5);
  const bfloat16 b_sentinel(from_bits, 0xa5a5);
  const auto f_sentinel = std::bit_cast<float>(0xdeadbeefu);
  for (std::size_t off = 0; off < 4; ++off) {
    for (std::size_t n = 0; n <= kMax; ++n) {
      std::vector<half> h(kMax + kPad, h_sentinel);
      std::vector<bfloat16> b(kMax + kPad, b_sentinel);
      std::vector<float> fh(kMax + kPad, f_sentinel), fb(kMax + kPad, f_sentinel);
      const std::size_t so = 3 - off;  // source and destination misaligned differently
      k().float_to_half(src.data() + so, h.data() + off, n);
      k().float_to_bfloat16(src.data() + so, b.data() + off, n);
      k().half_to_float(hsrc.data() + so, fh.data() + off, n);
      k().bfloat16_to_float(bsrc.data() + so, fb.data() + off, n);
      for (std::size_t i = 0; i < kMax + kPad; ++i) {
        const bool in = i >= off && i < off + n;
        const std::size_t s = i - off + so;  // used only where `in`
        ASSERT_EQ(h[i].bits, in ? d::float_to_half_bits(src[s]) : h_sentinel.bits) << n << ":" << i;
        ASSERT_EQ(b[i].bits, in ? d::float_to_bfloat16_bits(src[s]) : b_sentinel.bits)
            << n << ":" << i;
        ASSERT_EQ(bits_of(fh[i]), bits_of(in ? d::half_bits_to_float(hsrc[s].bits) : f_sentinel))
            << n << ":" << i;
        ASSERT_EQ(bits_of(fb[i]), bits_of(in ? d::bfloat16_bits_to_float(bsrc[s].bits) : f_sentinel))
            << n << ":" << i;
      }
    }
  }
}

#ifdef MANTISSA_TEST_MMAP
// Sources and destinations that end right before an unmapped page: a kernel that reads or
// writes past the end (a full-width tail) dies with SIGSEGV here.
TEST_P(Path, TailsStopAtTheEnd) {
  const auto page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  void* mem = mmap(nullptr, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(mem, MAP_FAILED);
  auto* base = static_cast<unsigned char*>(mem);
  ASSERT_EQ(mprotect(base + page, page, PROT_NONE), 0);
  unsigned char* end = base + page;
  std::vector<float> f(130, 1.5f);
  std::vector<half> h(130, half(1.5f));
  std::vector<bfloat16> b(130, bfloat16(1.5f));
  for (std::size_t n = 0; n <= 130; ++n) {
    auto* fe = reinterpret_cast<float*>(end) - n;  // float source or destination at the end
    auto* he = reinterpret_cast<half*>(end) - n;
    auto* be = reinterpret_cast<bfloat16*>(end) - n;
    std::memcpy(fe, f.data(), n * sizeof(float));
    k().float_to_half(fe, h.data(), n);
    k().float_to_bfloat16(fe, b.data(), n);
    std::memcpy(he, h.data(), n * sizeof(half));
    k().half_to_float(he, f.data(), n);
    k().half_to_float(h.data(), fe, n);
    k().float_to_half(f.data(), he, n);
    std::memcpy(be, b.data(), n * sizeof(bfloat16));
    k().bfloat16_to_float(be, f.data(), n);
    k().bfloat16_to_float(b.data(), fe, n);
    k().float_to_bfloat16(f.data(), be, n);
  }
  EXPECT_EQ(f[0], 1.5f);
  munmap(mem, 2 * page);
}
#endif

#ifdef MANTISSA_TEST_X86
// A training loop may set FTZ/DAZ for speed, or another rounding mode; none of it may change a
// conversion: the vector paths round through the instruction's immediate and ignore FTZ/DAZ.
TEST_P(Path, IgnoresMxcsr) {
  std::vector<float> in = tricky_floats(std::size_t{1} << 16, 99u);
  for (std::uint32_t i = 0; i < 65536; ++i)  // every 16-bit pattern too, widened then narrowed
    in.push_back(d::half_bits_to_float(static_cast<std::uint16_t>(i)));
  std::vector<half> hsrc(65536);
  for (std::uint32_t i = 0; i < 65536; ++i) hsrc[i] = half(from_bits, static_cast<std::uint16_t>(i));
  std::vector<float> widened(65536);
  const unsigned saved = _mm_getcsr();
  _mm_setcsr((saved & ~_MM_ROUND_MASK) | _MM_ROUND_TOWARD_ZERO | _MM_FLUSH_ZERO_ON | 0x0040u);
  std::vector<half> h(in.size());
  std::vector<bfloat16> b(in.size());
  k().float_to_half(in.data(), h.data(), in.size());
  k().float_to_bfloat16(in.data(), b.data(), in.size());
  k().half_to_float(hsrc.data(), widened.data(), hsrc.size());
  _mm_setcsr(saved);  // 0x0040 above is DAZ; restored before any check can return early
  for (std::size_t i = 0; i < in.size(); ++i) {
    ASSERT_EQ(h[i].bits, d::float_to_half_bits(in[i])) << std::hex << bits_of(in[i]);
    ASSERT_EQ(b[i].bits, d::float_to_bfloat16_bits(in[i])) << std::hex << bits_of(in[i]);
  }
  for (std::uint32_t i = 0; i < 65536; ++i)
    ASSERT_EQ(bits_of(widened[i]), bits_of(d::half_bits_to_float(static_cast<std::uint16_t>(i))))
        << std::hex << i;
}
#endif

// The public entry points go to the first supported path, and say which.
TEST(Convert, DispatchesToTheFastestSupportedPath) {
  const auto paths = mantissa::cpu::detail::supported_kernels();
  ASSERT_FALSE(paths.empty());
  EXPECT_STREQ(mantissa::cpu::convert_isa(), paths.front()->name);
  EXPECT_STREQ(paths.back()->name, "portable");
  EXPECT_EQ(mantissa::cpu::detail::cpu_has_avx512(), std::string(paths.front()->name) == "avx512");

  const std::vector<float> in = tricky_floats(1000, 3u);
  std::vector<half> h(in.size());
  std::vector<bfloat16> b(in.size());
  std::vector<float> fh(in.size()), fb(in.size());
  mantissa::cpu::convert(in.data(), h.data(), in.size());
  mantissa::cpu::convert(in.data(), b.data(), in.size());
  mantissa::cpu::convert(h.data(), fh.data(), h.size());
  mantissa::cpu::convert(b.data(), fb.data(), b.size());
  mantissa::cpu::convert(static_cast<const float*>(nullptr), h.data(), 0);  // n == 0 is fine
  for (std::size_t i = 0; i < in.size(); ++i) {
    ASSERT_EQ(h[i].bits, d::float_to_half_bits(in[i]));
    ASSERT_EQ(b[i].bits, d::float_to_bfloat16_bits(in[i]));
    ASSERT_EQ(bits_of(fh[i]), bits_of(d::half_bits_to_float(h[i].bits)));
    ASSERT_EQ(bits_of(fb[i]), bits_of(d::bfloat16_bits_to_float(b[i].bits)));
  }
}

}  // namespace
