// core/src/cpu/gemm_kernel.cpp: the GEMM micro-kernels (see gemm_kernel.hpp for the contract).
//
// AVX-512 (the avx512 and avx512_bf16 levels: gemm_driver.hpp): a 6 x 64 register tile,
// instantiated for every edge shape (1..6 rows x 1..4 vectors) so that an edge tile costs
// only the FMAs it needs; the last vector of a row is stored through a mask.
// Portable: the same tile as plain loops that the compiler vectorises for whatever ISA it
// targets. Both compute every element of C as one float accumulator updated once per k, in k
// order, starting from zero.
#include "gemm_kernel.hpp"

#include <array>
#include <cstdint>
#include <utility>

#include "mantissa/core/dtype.hpp"

#if MANTISSA_GEMM_AVX512
#include "gemm_avx512.hpp"
#endif

namespace mantissa::cpu::gemm_detail::MANTISSA_ISA {
namespace {

#if MANTISSA_GEMM_AVX512

// ---- storing 16 elements of C (loaded with load16 of gemm_avx512.hpp) ------------------------

inline void store_c(float* c, __mmask16 m, __m512 v) {
  _mm512_mask_storeu_ps(c, m, v);
}
inline void store_c(half* c, __mmask16 m, __m512 v) {
  // vcvtps2ph with an explicit round-to-nearest-even: same bits as half(float) (convert.cpp).
  _mm256_mask_storeu_epi16(c, m, _mm512_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
}
inline void store_c(bfloat16* c, __mmask16 m, __m512 v) {
  // The integer rounding of half.hpp (vcvtneps2bf16 would flush subnormals): add 0x7fff plus
  // the lowest kept bit, keep the top 16 bits; NaN lanes become (x >> 16) | 0x40.
  const __m512i x = _mm512_castps_si512(v);
  const __m512i lsb = _mm512_and_si512(_mm512_srli_epi32(x, 16), _mm512_set1_epi32(1));
  __m512i r =
      _mm512_srli_epi32(_mm512_add_epi32(x, _mm512_add_epi32(lsb, _mm512_set1_epi32(0x7fff))), 16);
  const __mmask16 nan = _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q);
  r = _mm512_mask_or_epi32(r, nan, _mm512_srli_epi32(x, 16), _mm512_set1_epi32(0x40));
  _mm256_mask_storeu_epi16(c, m, _mm512_cvtepi32_epi16(r));
}

template <class TC>
inline void write_back(const Epilogue& ep, __m512 s, TC* c, float* w, __mmask16 m) {
  if (ep.add_w) s = _mm512_add_ps(s, _mm512_maskz_loadu_ps(m, w));
  if (ep.to_w) {
    _mm512_mask_storeu_ps(w, m, s);
    return;
  }
  __m512 r = _mm512_mul_ps(_mm512_set1_ps(ep.alpha), s);
  if (ep.beta != 0.0f) r = _mm512_fmadd_ps(_mm512_set1_ps(ep.beta), load16(c, m), r);
  store_c(c, m, r);
}

// ---- the register tile -----------------------------------------------------------------------

// acc + a * b, lane by lane; with Pairs, acc + a.hi * b.hi + a.lo * b.lo on bfloat16 pairs.
template <bool Pairs>
inline __m512 multiply_add(__m512 acc, __m512 a, __m512 b) {
#if MANTISSA_GEMM_BF16_PAIRS
  if constexpr (Pairs) return _mm512_dpbf16_ps(acc, (__m512bh)a, (__m512bh)b);
#endif
  static_assert(!Pairs || kHasBf16Pairs);
  return _mm512_fmadd_ps(a, b, acc);
}

// One element of A in all 16 lanes (a packed panel, or a float A read in place).
inline __m512 broadcast(const float* p) {
  return _mm512_set1_ps(*p);
}

// A's element (i, p) is at pa[i * rs + p * cs]: rs = 1, cs = kMR for a packed panel (constants,
// so the broadcasts use fixed offsets), or the strides of an A read in place. With Pairs the
// panels hold bfloat16 pairs (gemm_kernel.hpp) and each step covers two k.
template <int M, int NV, class TC, bool Pairs = false, class TA = float>
inline void tile(std::int64_t kc, const TA* __restrict pa, std::int64_t rs, std::int64_t cs,
                 const float* __restrict pb, const Epilogue& ep, TC* c, std::int64_t ldc, float* w,
                 std::int64_t ldw, int n) {
  __m512 acc[M][NV];
  // C's rows are far apart (ldc); ask for them now so the write-back does not wait on them.
#pragma GCC unroll 16
  for (int i = 0; i < M; ++i) {
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) acc[i][v] = _mm512_setzero_ps();
    _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc + 16 * NV - 1), _MM_HINT_T0);
  }
  const std::int64_t steps = Pairs ? (kc + 1) / 2 : kc;
#pragma GCC unroll 4
  for (std::int64_t p = 0; p < steps; ++p) {
    __m512 b[NV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) b[v] = _mm512_load_ps(pb + 16 * v);
#pragma GCC unroll 16
    for (int i = 0; i < M; ++i) {
      const __m512 a = broadcast(pa + i * rs);
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) acc[i][v] = multiply_add<Pairs>(acc[i][v], a, b[v]);
    }
    pa += cs;
    pb += kNR;
  }
  const int last = n - 16 * (NV - 1);  // 1..16 columns in the last vector
  const auto last_mask = static_cast<__mmask16>(0xffffu >> (16 - last));
  const bool uses_w = ep.to_w || ep.add_w;  // w may be null otherwise
#pragma GCC unroll 16
  for (int i = 0; i < M; ++i) {
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) {
      write_back(ep, acc[i][v], c + i * ldc + 16 * v, uses_w ? w + i * ldw + 16 * v : nullptr,
                 v == NV - 1 ? last_mask : static_cast<__mmask16>(0xffff));
    }
  }
}

template <int M, int NV, class TC>
void kernel(std::int64_t kc, const float* pa, const float* pb, const Epilogue& ep, TC* c,
            std::int64_t ldc, float* w, std::int64_t ldw, int n) {
  tile<M, NV, TC>(kc, pa, 1, kMR, pb, ep, c, ldc, w, ldw, n);
}

template <int M, int NV, class TC>
void pair_kernel(std::int64_t kc, const float* pa, const float* pb, const Epilogue& ep, TC* c,
                 std::int64_t ldc, float* w, std::int64_t ldw, int n) {
  tile<M, NV, TC, true>(kc, pa, 1, kMR, pb, ep, c, ldc, w, ldw, n);
}

template <int M, int NV, class TA, class TC>
void direct_kernel(std::int64_t kc, const TA* a, std::int64_t rs, std::int64_t cs, const float* pb,
                   const Epilogue& ep, TC* c, std::int64_t ldc, float* w, std::int64_t ldw, int n) {
  tile<M, NV, TC, false, TA>(kc, a, rs, cs, pb, ep, c, ldc, w, ldw, n);
}

template <class TC, bool Pairs, int M, int... NVs>
constexpr std::array<KernelFn<TC>, sizeof...(NVs)> row_of(std::integer_sequence<int, NVs...>) {
  if constexpr (Pairs)
    return {&pair_kernel<M, NVs + 1, TC>...};
  else
    return {&kernel<M, NVs + 1, TC>...};
}
template <class TA, class TC, int M, int... NVs>
constexpr std::array<DirectKernelFn<TA, TC>, sizeof...(NVs)> direct_row_of(
    std::integer_sequence<int, NVs...>) {
  return {&direct_kernel<M, NVs + 1, TA, TC>...};
}

template <class TC, bool Pairs, int... Ms>
constexpr auto table_of(std::integer_sequence<int, Ms...>) {
  return std::array<std::array<KernelFn<TC>, kNR / 16>, kMR>{
      row_of<TC, Pairs, Ms + 1>(std::make_integer_sequence<int, kNR / 16>{})...};
}
template <class TA, class TC, int... Ms>
constexpr auto direct_table_of(std::integer_sequence<int, Ms...>) {
  return std::array<std::array<DirectKernelFn<TA, TC>, kNR / 16>, kMR>{
      direct_row_of<TA, TC, Ms + 1>(std::make_integer_sequence<int, kNR / 16>{})...};
}

template <class TC>
constexpr auto kTable = table_of<TC, false>(std::make_integer_sequence<int, kMR>{});
#if MANTISSA_GEMM_BF16_PAIRS
template <class TC>
constexpr auto kPairTable = table_of<TC, true>(std::make_integer_sequence<int, kMR>{});
#endif
template <class TA, class TC>
constexpr auto kDirectTable = direct_table_of<TA, TC>(std::make_integer_sequence<int, kMR>{});

// A table's kernel for an m x n tile: row m - 1, column (n - 1) / 16 (the kernel of
// ceil(n / 16) vectors).
template <class Table>
constexpr auto tile_entry(const Table& table, int m, int n) {
  return table[m - 1][(n - 1) / 16];
}

#else  // portable

template <int M, class TC>
void kernel(std::int64_t kc, const float* __restrict pa, const float* __restrict pb,
            const Epilogue& ep, TC* c, std::int64_t ldc, float* w, std::int64_t ldw, int n) {
  float acc[M][kNR] = {};
  for (std::int64_t p = 0; p < kc; ++p) {
    for (int i = 0; i < M; ++i) {
      const float a = pa[i];
      for (int j = 0; j < kNR; ++j) acc[i][j] += a * pb[j];
    }
    pa += kMR;
    pb += kNR;
  }
  const bool uses_w = ep.to_w || ep.add_w;  // w may be null otherwise
  for (int i = 0; i < M; ++i) {
    TC* cr = c + i * ldc;
    float* wr = uses_w ? w + i * ldw : nullptr;
    for (int j = 0; j < n; ++j) {
      float s = acc[i][j];
      if (ep.add_w) s += wr[j];
      if (ep.to_w) {
        wr[j] = s;
        continue;
      }
      float r = ep.alpha * s;
      if (ep.beta != 0.0f) r += ep.beta * static_cast<float>(cr[j]);
      cr[j] = convert_scalar<TC>(r);
    }
  }
}

template <class TC, int... Ms>
constexpr auto table_of(std::integer_sequence<int, Ms...>) {
  return std::array<KernelFn<TC>, kMR>{&kernel<Ms + 1, TC>...};
}

template <class TC>
constexpr auto kTable = table_of<TC>(std::make_integer_sequence<int, kMR>{});

#endif

}  // namespace

// ---- the lookups ----------------------------------------------------------------------------

#if MANTISSA_GEMM_AVX512
template <class TC>
KernelFn<TC> kernel_for(int m, int n) noexcept {
  return tile_entry(kTable<TC>, m, n);
}
template <class TA, class TC>
DirectKernelFn<TA, TC> direct_kernel_for(int m, int n) noexcept {
  return tile_entry(kDirectTable<TA, TC>, m, n);
}
#else  // one portable kernel per row count serves any n; A is always packed
template <class TC>
KernelFn<TC> kernel_for(int m, int /*n*/) noexcept {
  return kTable<TC>[m - 1];
}
template <class TA, class TC>
DirectKernelFn<TA, TC> direct_kernel_for(int /*m*/, int /*n*/) noexcept {
  return nullptr;
}
#endif

#if MANTISSA_GEMM_BF16_PAIRS
template <class TC>
KernelFn<TC> bf16_pair_kernel_for(int m, int n) noexcept {
  return tile_entry(kPairTable<TC>, m, n);
}
#else
template <class TC>
KernelFn<TC> bf16_pair_kernel_for(int /*m*/, int /*n*/) noexcept {
  return nullptr;
}
#endif

template DirectKernelFn<float, float> direct_kernel_for<float, float>(int, int) noexcept;

template KernelFn<float> bf16_pair_kernel_for<float>(int, int) noexcept;
template KernelFn<bfloat16> bf16_pair_kernel_for<bfloat16>(int, int) noexcept;
template KernelFn<float> kernel_for<float>(int, int) noexcept;
template KernelFn<half> kernel_for<half>(int, int) noexcept;
template KernelFn<bfloat16> kernel_for<bfloat16>(int, int) noexcept;

}  // namespace mantissa::cpu::gemm_detail::MANTISSA_ISA
