// core/src/cpu/convert.cpp: bulk float <-> half / bfloat16, vectorised, chosen at run time.
//
// Three implementations of the same four conversions (see convert_impl.hpp):
//   avx512   - 16 lanes; vcvtps2ph / vcvtph2ps for half; integer rounding for bfloat16; tails
//              through masked loads and stores, so nothing past the end is touched.
//   f16c     - 8 lanes, F16C + AVX2; tails through a small stack buffer (AVX2 has no 16-bit
//              masked moves).
//   portable - the scalar conversions of half.hpp in a loop.
// The ISA-specific functions carry __attribute__((target)) so they are compiled whatever -march
// the build uses; they run only where cpu_level() (cpu_level.hpp: CPUID and XGETBV, capped by
// MANTISSA_CPU) allows them. Every function here is in an anonymous namespace or called only
// through the tables, so no out-of-line copy of an AVX function can stand in for a baseline one.
//
// Why each vector path is bit-exact with the scalar code (test_convert checks all 16-bit
// patterns and millions of floats; all 2^32 floats were compared once, when this was written):
//   - float -> half: vcvtps2ph with an immediate round-to-nearest-even (imm8 bit 2 clear, so
//     MXCSR.RC is ignored) rounds like float_to_half_bits, keeps half subnormals (the
//     instruction ignores MXCSR.FTZ) and quiets a NaN as sign | 0x7e00 | top payload bits,
//     which is the scalar rule. Float subnormals become +-0 with or without MXCSR.DAZ.
//   - half -> float: vcvtph2ps is exact, ignores MXCSR.DAZ, and sets the quiet bit of a NaN;
//     half_bits_to_float follows it (documented in half.hpp).
//   - float -> bfloat16: not vcvtneps2bf16, which flushes float subnormals to zero (it always
//     behaves as if DAZ were set; it does match the scalar rule on every other input, NaNs
//     included). The scalar integer rule instead: add 0x7fff plus the lowest kept bit and keep
//     the high 16 bits; NaN lanes take x | 0x00400000, whose high half is (x >> 16) | 0x40.
//   - bfloat16 -> float: zero-extend and shift left 16, as the scalar code does.
#include "mantissa/core/cpu/convert.hpp"

#include <array>
#include <cstdint>
#include <cstring>
#include <utility>

#include "convert_impl.hpp"
#include "cpu_level.hpp"
#include "intrinsics.hpp"

namespace mantissa::cpu {
namespace detail {
namespace {

// ---- portable -------------------------------------------------------------------------------

// The scalar conversions of half.hpp: half(float), bfloat16(float) and their explicit float().
template <class Src, class Dst>
void convert_portable(const Src* src, Dst* dst, std::size_t n) noexcept {
  for (std::size_t i = 0; i < n; ++i) dst[i] = static_cast<Dst>(src[i]);
}

#if MANTISSA_X86_INTRINSICS

// Round to nearest even through the immediate, not MXCSR.RC; no exception is reported.
constexpr int kRoundNearest = _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC;

// ---- F16C + AVX2: 8 lanes -------------------------------------------------------------------

#define MANTISSA_TARGET_F16C __attribute__((target("avx2,f16c")))

MANTISSA_TARGET_F16C inline void f2h_block8(const float* src, half* dst) noexcept {
  const __m128i h = _mm256_cvtps_ph(_mm256_loadu_ps(src), kRoundNearest);
  _mm_storeu_si128(reinterpret_cast<__m128i*>(dst), h);
}
MANTISSA_TARGET_F16C inline void h2f_block8(const half* src, float* dst) noexcept {
  const __m128i h = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src));
  _mm256_storeu_ps(dst, _mm256_cvtph_ps(h));
}
// The scalar bfloat16 rounding on 8 lanes, result in the low 16 bits of each 32-bit lane.
MANTISSA_TARGET_F16C inline __m256i bf16_round8(__m256i x) noexcept {
  const __m256i hi = _mm256_srli_epi32(x, 16);
  const __m256i lsb = _mm256_and_si256(hi, _mm256_set1_epi32(1));
  const __m256i bias = _mm256_add_epi32(_mm256_set1_epi32(0x7fff), lsb);
  const __m256i rounded = _mm256_srli_epi32(_mm256_add_epi32(x, bias), 16);
  const __m256i quiet = _mm256_or_si256(hi, _mm256_set1_epi32(0x40));
  // |x| > inf as integers: both sides non-negative, so the signed compare is right.
  const __m256i abs = _mm256_and_si256(x, _mm256_set1_epi32(0x7fffffff));
  const __m256i nan = _mm256_cmpgt_epi32(abs, _mm256_set1_epi32(0x7f800000));
  return _mm256_blendv_epi8(rounded, quiet, nan);
}
MANTISSA_TARGET_F16C inline void f2b_block8(const float* src, bfloat16* dst) noexcept {
  const __m256i r = bf16_round8(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(src)));
  // Lanes hold values <= 0xffff, so the unsigned-saturating pack is a plain narrowing.
  const __m128i packed =
      _mm_packus_epi32(_mm256_castsi256_si128(r), _mm256_extracti128_si256(r, 1));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(dst), packed);
}
MANTISSA_TARGET_F16C inline void b2f_block8(const bfloat16* src, float* dst) noexcept {
  const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src));
  const __m256i f = _mm256_slli_epi32(_mm256_cvtepu16_epi32(b), 16);
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst), f);
}

// Runs `block` over n elements in blocks of 8; the last partial block goes through a zeroed
// stack buffer so that no byte past either end is read or written.
template <class Src, class Dst, void (*Block)(const Src*, Dst*) noexcept>
MANTISSA_TARGET_F16C inline void run8(const Src* src, Dst* dst, std::size_t n) noexcept {
  std::size_t i = 0;
  for (; i + 16 <= n; i += 16) {  // two blocks per trip: fewer loop-carried branches
    Block(src + i, dst + i);
    Block(src + i + 8, dst + i + 8);
  }
  for (; i + 8 <= n; i += 8) Block(src + i, dst + i);
  if (i == n) return;
  Src in[8] = {};
  Dst out[8];
  std::memcpy(in, src + i, (n - i) * sizeof(Src));
  Block(in, out);
  std::memcpy(dst + i, out, (n - i) * sizeof(Dst));
}

// ---- AVX-512 F/BW/VL: 16 lanes, masked tails ------------------------------------------------

#define MANTISSA_TARGET_AVX512 __attribute__((target("avx512f,avx512bw,avx512vl")))

// Each block converts up to 16 elements under a lane mask; full blocks pass all-ones, which the
// compiler folds into plain loads and stores.
MANTISSA_TARGET_AVX512 inline void f2h_block16(const float* src, half* dst,
                                               __mmask16 m) noexcept {
  const __m256i h = _mm512_cvtps_ph(_mm512_maskz_loadu_ps(m, src), kRoundNearest);
  _mm256_mask_storeu_epi16(dst, m, h);
}
MANTISSA_TARGET_AVX512 inline void h2f_block16(const half* src, float* dst,
                                               __mmask16 m) noexcept {
  _mm512_mask_storeu_ps(dst, m, _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(m, src)));
}
// The scalar bfloat16 rounding on 16 lanes: x + 0x7fff + lsb, or x | 0x00400000 for a NaN
// (whose high half is (x >> 16) | 0x40); the result is the high half of each lane.
MANTISSA_TARGET_AVX512 inline void f2b_block16(const float* src, bfloat16* dst,
                                               __mmask16 m) noexcept {
  __m512i x = _mm512_maskz_loadu_epi32(m, src);
  // Keep x in a register: otherwise GCC folds the load into all four instructions that use x,
  // and where src is not 64-byte aligned each is a cache-line-split load (measured: half the
  // large-array throughput from a std::vector, whose data sits 16 bytes past a page).
  __asm__("" : "+v"(x));
  const __m512i lsb = _mm512_and_si512(_mm512_srli_epi32(x, 16), _mm512_set1_epi32(1));
  const __m512i rounded = _mm512_add_epi32(_mm512_add_epi32(x, _mm512_set1_epi32(0x7fff)), lsb);
  const __m512i abs = _mm512_and_si512(x, _mm512_set1_epi32(0x7fffffff));
  const __mmask16 nan = _mm512_cmpgt_epi32_mask(abs, _mm512_set1_epi32(0x7f800000));
  const __m512i r = _mm512_mask_or_epi32(rounded, nan, x, _mm512_set1_epi32(0x00400000));
  _mm256_mask_storeu_epi16(dst, m, _mm512_cvtepi32_epi16(_mm512_srli_epi32(r, 16)));  // vpmovdw
}
MANTISSA_TARGET_AVX512 inline void b2f_block16(const bfloat16* src, float* dst,
                                               __mmask16 m) noexcept {
  const __m512i w = _mm512_cvtepu16_epi32(_mm256_maskz_loadu_epi16(m, src));
  _mm512_mask_storeu_epi32(dst, m, _mm512_slli_epi32(w, 16));
}

template <class Src, class Dst, void (*Block)(const Src*, Dst*, __mmask16) noexcept>
MANTISSA_TARGET_AVX512 inline void run16(const Src* src, Dst* dst, std::size_t n) noexcept {
  constexpr __mmask16 all = 0xffff;
  std::size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    Block(src + i, dst + i, all);
    Block(src + i + 16, dst + i + 16, all);
  }
  for (; i + 16 <= n; i += 16) Block(src + i, dst + i, all);
  if (i == n) return;
  // Masked-off lanes are neither read (no fault past the end of a page) nor written.
  Block(src + i, dst + i, static_cast<__mmask16>((1u << (n - i)) - 1u));
}

#endif  // MANTISSA_X86_INTRINSICS

}  // namespace

// Each table holds the instances of one driver (the loop, run8, run16) for the four conversions.
const ConvertKernels portable_kernels{
    "portable", convert_portable<float, half>, convert_portable<half, float>,
    convert_portable<float, bfloat16>, convert_portable<bfloat16, float>};

#if MANTISSA_X86_INTRINSICS
const ConvertKernels f16c_kernels{"f16c", run8<float, half, f2h_block8>,
                                  run8<half, float, h2f_block8>, run8<float, bfloat16, f2b_block8>,
                                  run8<bfloat16, float, b2f_block8>};
const ConvertKernels avx512_kernels{
    "avx512", run16<float, half, f2h_block16>, run16<half, float, h2f_block16>,
    run16<float, bfloat16, f2b_block16>, run16<bfloat16, float, b2f_block16>};

// The level of cpu_level.hpp: the CPU's, capped by MANTISSA_CPU.
bool cpu_has_f16c() noexcept { return cpu_level() >= CpuLevel::avx2; }
bool cpu_has_avx512() noexcept { return cpu_level() >= CpuLevel::avx512; }
#else
// Not x86: the names exist so that tests and benchmarks link, but they are never supported.
const ConvertKernels f16c_kernels = portable_kernels;
const ConvertKernels avx512_kernels = portable_kernels;
bool cpu_has_f16c() noexcept { return false; }
bool cpu_has_avx512() noexcept { return false; }
#endif

std::span<const ConvertKernels* const> supported_kernels() noexcept {
  // Probed once; a function-local static, so it is safe from other static initialisers.
  static const auto list = [] {
    std::array<const ConvertKernels*, 3> k{};
    std::size_t n = 0;
    if (cpu_has_avx512()) k[n++] = &avx512_kernels;
    if (cpu_has_f16c()) k[n++] = &f16c_kernels;
    k[n++] = &portable_kernels;
    return std::pair{k, n};
  }();
  return {list.first.data(), list.second};
}

}  // namespace detail

namespace {
const detail::ConvertKernels& active() noexcept {
  static const detail::ConvertKernels* const k = detail::supported_kernels().front();
  return *k;
}
}  // namespace

void convert(const float* src, half* dst, std::size_t n) noexcept {
  active().float_to_half(src, dst, n);
}
void convert(const half* src, float* dst, std::size_t n) noexcept {
  active().half_to_float(src, dst, n);
}
void convert(const float* src, bfloat16* dst, std::size_t n) noexcept {
  active().float_to_bfloat16(src, dst, n);
}
void convert(const bfloat16* src, float* dst, std::size_t n) noexcept {
  active().bfloat16_to_float(src, dst, n);
}

const char* convert_isa() noexcept { return active().name; }

}  // namespace mantissa::cpu
