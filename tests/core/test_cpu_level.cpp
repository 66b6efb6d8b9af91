// tests/core/test_cpu_level.cpp: the CPU level of the kernels (core/src/cpu/cpu_level.hpp):
// names, the MANTISSA_CPU cap, and that the conversions follow the level. tests/cpu_levels.cmake
// runs this suite again under MANTISSA_CPU=scalar, avx2 and avx512, where the checks against
// the environment variable bite.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <string>

#include "../../core/src/cpu/convert_impl.hpp"
#include "../../core/src/cpu/cpu_level.hpp"
#include "mantissa/core/cpu/convert.hpp"
#include "mantissa/core/threads.hpp"

namespace {

using mantissa::cpu::detail::CpuLevel;
namespace d = mantissa::cpu::detail;

TEST(CpuLevel, NamesRoundTrip) {
  for (const CpuLevel l :
       {CpuLevel::scalar, CpuLevel::avx2, CpuLevel::avx512, CpuLevel::avx512_bf16, CpuLevel::amx}) {
    const auto parsed = d::parse_cpu_level(d::cpu_level_name(l));
    ASSERT_TRUE(parsed.has_value()) << d::cpu_level_name(l);
    EXPECT_EQ(*parsed, l);
  }
  EXPECT_STREQ(d::cpu_level_name(CpuLevel::avx2), "avx2");
  EXPECT_STREQ(d::cpu_level_name(CpuLevel::avx512_bf16), "avx512_bf16");
  EXPECT_STREQ(d::cpu_level_name(CpuLevel::amx), "amx");
}

TEST(CpuLevel, RefusesUnknownNames) {
  for (const char* bad : {"", "AVX2", "avx", "avx512bf16", "sse2", "native", "avx2 "})
    EXPECT_FALSE(d::parse_cpu_level(bad).has_value()) << '"' << bad << '"';
}

// The level run is the detected one, capped by MANTISSA_CPU when that names a level.
TEST(CpuLevel, CapIsHonoured) {
  const CpuLevel detected = d::detected_cpu_level();
  const char* env = std::getenv("MANTISSA_CPU");
  const auto cap = env != nullptr ? d::parse_cpu_level(env) : std::nullopt;
  const CpuLevel expected = cap ? std::min(*cap, detected) : detected;
  EXPECT_EQ(d::cpu_level(), expected) << "MANTISSA_CPU=" << (env ? env : "(unset)")
                                      << ", detected " << d::cpu_level_name(detected);
  EXPECT_STREQ(mantissa::cpu_kernels(), d::cpu_level_name(expected));
  EXPECT_LE(d::cpu_level(), detected);  // never a level the CPU lacks
}

// The bulk conversions run the path of the level, and list no faster one as supported.
TEST(CpuLevel, ConversionsFollowTheLevel) {
  const CpuLevel level = d::cpu_level();
  const std::string expected = level >= CpuLevel::avx512 ? "avx512"
                               : level == CpuLevel::avx2 ? "f16c"
                                                         : "portable";
  EXPECT_EQ(mantissa::cpu::convert_isa(), expected);
  EXPECT_EQ(std::string(d::supported_kernels().front()->name), expected);
  EXPECT_EQ(d::cpu_has_avx512(), level >= CpuLevel::avx512);
  EXPECT_EQ(d::cpu_has_f16c(), level >= CpuLevel::avx2);
}

#if defined(__x86_64__)
// On a CPU with AVX2 and FMA the detection finds more than the baseline: a broken CPUID probe
// would otherwise run everything scalar, silently.
TEST(CpuLevel, DetectsTheVectorUnits) {
  __builtin_cpu_init();
  if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma"))
    GTEST_SKIP() << "this CPU has no AVX2/FMA";
  EXPECT_GE(d::detected_cpu_level(), CpuLevel::avx2);
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq"))
    EXPECT_GE(d::detected_cpu_level(), CpuLevel::avx512);
  else
    EXPECT_EQ(d::detected_cpu_level(), CpuLevel::avx2);
}
#endif

}  // namespace
