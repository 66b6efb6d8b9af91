// core/src/cpu/cpu_level.cpp: the CPU level of the kernels (cpu_level.hpp), and
// mantissa::cpu_kernels() (threads.hpp) reports it.
#include "cpu_level.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>

#include "intrinsics.hpp"

#if defined(__linux__)
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace mantissa::cpu::detail {
namespace {

constexpr std::array<const char*, 5> kNames{"scalar", "avx2", "avx512", "avx512_bf16", "amx"};

#if MANTISSA_X86_INTRINSICS && MANTISSA_CPU_LEVELS
// AMX: AMX-TILE and AMX-BF16 (CPUID leaf 7 subleaf 0, EDX bits 24 and 22), the OS saving the
// tile state (XCR0 bits 17 and 18), and, on Linux, the process's request for that state granted
// (arch_prctl ARCH_REQ_XCOMP_PERM for XFEATURE_XTILEDATA, 18: the kernel enables it per process,
// for all its threads, and refuses it where a signal stack could not hold it).
bool amx_usable() noexcept {
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) return false;
  if ((edx & (1u << 24)) == 0 || (edx & (1u << 22)) == 0) return false;
  if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx) || (ecx & bit_OSXSAVE) == 0) return false;
  unsigned xcr0_lo = 0, xcr0_hi = 0;
  __asm__("xgetbv" : "=a"(xcr0_lo), "=d"(xcr0_hi) : "c"(0));
  if ((xcr0_lo & (3u << 17)) != (3u << 17)) return false;
#if defined(__linux__)
  constexpr long kArchReqXcompPerm = 0x1023, kXfeatureXtiledata = 18;
  return syscall(SYS_arch_prctl, kArchReqXcompPerm, kXfeatureXtiledata) == 0;
#else
  return false;
#endif
}

// __builtin_cpu_supports checks the CPUID bits and, for the AVX levels, that the OS saves the
// YMM / ZMM state (XGETBV). F16C is read from CPUID directly because clang (14) does not
// accept "f16c" there; its instructions need no state beyond AVX's, which "avx2" covers.
CpuLevel probe() noexcept {
  __builtin_cpu_init();  // may run before the library's own initialiser has
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  const bool f16c = __get_cpuid(1, &eax, &ebx, &ecx, &edx) && (ecx & bit_F16C) != 0;
  if (!(f16c && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")))
    return CpuLevel::scalar;
  if (!(__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq")))
    return CpuLevel::avx2;
  // AVX512-BF16 is CPUID leaf 7 subleaf 1, EAX bit 5 (GCC 12's __builtin_cpu_supports knows
  // "avx512bf16", clang 14's does not).
  const bool bf16 = __get_cpuid_count(7, 1, &eax, &ebx, &ecx, &edx) && (eax & (1u << 5)) != 0;
  if (!bf16) return CpuLevel::avx512;
  return amx_usable() ? CpuLevel::amx : CpuLevel::avx512_bf16;
}
#else
CpuLevel probe() noexcept { return CpuLevel::scalar; }
#endif

}  // namespace

const char* cpu_level_name(CpuLevel level) noexcept {
  return kNames[static_cast<std::size_t>(level)];
}

std::optional<CpuLevel> parse_cpu_level(std::string_view name) noexcept {
  for (std::size_t i = 0; i < kNames.size(); ++i)
    if (name == kNames[i]) return static_cast<CpuLevel>(i);
  return std::nullopt;
}

CpuLevel detected_cpu_level() noexcept {
  static const CpuLevel level = probe();
  return level;
}

CpuLevel cpu_level() noexcept {
  // A function-local static: safe from other static initialisers, decided once.
  static const CpuLevel level = [] {
    const CpuLevel detected = detected_cpu_level();
    const char* env = std::getenv("MANTISSA_CPU");
    if (env == nullptr || *env == '\0') return detected;
    const std::optional<CpuLevel> cap = parse_cpu_level(env);
    if (!cap) {
      std::fprintf(stderr,
                   "mantissa: MANTISSA_CPU=%s is not a CPU level (scalar, avx2, avx512, "
                   "avx512_bf16, amx); ignored, the kernels run at %s\n",
                   env, cpu_level_name(detected));
      return detected;
    }
    return std::min(*cap, detected);
  }();
  return level;
}

}  // namespace mantissa::cpu::detail
