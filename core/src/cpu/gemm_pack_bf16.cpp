// core/src/cpu/gemm_pack_bf16.cpp: packing bfloat16 A and B as pairs of k for vdpbf16ps
// (layout and numerics in gemm_kernel.hpp, "bfloat16 pairs").
//
// Each 32-bit word of a panel holds element k in its high half and k + 1 in its low half, so
// that vdpbf16ps, which adds the high product first, sums in k order. No conversion at all:
// the words are the inputs' bits, rearranged, and a panel is half the size of a float one.
//   k along a row of the stored matrix (A with ta == no, B with tb == yes): 32 consecutive
//     values are 16 words once each word's halves are swapped (vprold 16); then the float
//     path's rearrangements (row groups for A, 16 x 16 transpose for B) move whole words.
//   k down the columns (A with ta == yes, B with tb == no): rows 2q and 2q + 1 are loaded,
//     zero-extended and merged as (row 2q << 16) | row 2q + 1.
// An odd kc ends with a pair whose low half is zero (in both A and B: 0 * 0 adds nothing).
#include "gemm_kernel.hpp"

#if MANTISSA_GEMM_BF16_PAIRS

#include <algorithm>
#include <cstdint>

#include "gemm_avx512.hpp"
#include "gemm_pack.hpp"

namespace mantissa::cpu::gemm_detail::MANTISSA_ISA {
namespace {

using std::int64_t;

// 16 words (element j of row0 << 16) | element j of row1, for the lanes in m; row1 may be null
// (the zero pad of an odd kc).
inline __m512 pairs_of_rows(const bfloat16* row0, const bfloat16* row1, __mmask16 m) {
  const __m512i hi = _mm512_cvtepu16_epi32(_mm256_maskz_loadu_epi16(m, row0));
  const __m512i lo = row1 != nullptr ? _mm512_cvtepu16_epi32(_mm256_maskz_loadu_epi16(m, row1))
                                     : _mm512_setzero_si512();
  return _mm512_castsi512_ps(_mm512_or_si512(_mm512_slli_epi32(hi, 16), lo));
}

// 16 words from count (<= 32) consecutive elements (the rest zero): word q = (p[2q] << 16) |
// p[2q + 1]. Memory order puts p[2q] in the low half, hence the rotate.
inline __m512 pairs_along(const bfloat16* p, int64_t count) {
  const auto m = count >= 32 ? ~__mmask32{0} : static_cast<__mmask32>((1u << count) - 1u);
  return _mm512_castsi512_ps(_mm512_rol_epi32(_mm512_maskz_loadu_epi16(m, p), 16));
}

void pack_a_rows(const bfloat16* a, int64_t lda, int64_t mc, int64_t kc, float* pa) {
  const int64_t kq = (kc + 1) / 2;
  for (int64_t i0 = 0; i0 < mc; i0 += kMR, pa += kMR * kq) {
    const int64_t mr = std::min<int64_t>(kMR, mc - i0);
    for (int64_t q0 = 0; q0 < kq; q0 += 16) {
      const int64_t count = std::min<int64_t>(32, kc - 2 * q0);
      __m512 x[kMR];
      for (int i = 0; i < kMR; ++i) {
        const bfloat16* row = a + (i0 + i) * lda + 2 * q0;
        if (i0 + kMR + i < mc)  // next panel's rows, as in gemm_pack.cpp
          _mm_prefetch(reinterpret_cast<const char*>(row + kMR * lda), _MM_HINT_T0);
        x[i] = i < mr ? pairs_along(row, count) : _mm512_setzero_ps();
      }
      store_rows_as_groups(x, pa + q0 * kMR, (count + 1) / 2 * kMR);
    }
  }
}

void pack_a_cols(const bfloat16* a, int64_t lda, int64_t mc, int64_t kc, float* pa) {
  constexpr auto panel = static_cast<__mmask16>((1u << kMR) - 1u);
  const int64_t kq = (kc + 1) / 2;
  for (int64_t i0 = 0; i0 < mc; i0 += kMR, pa += kMR * kq) {
    const __mmask16 m = first_n(std::min<int64_t>(kMR, mc - i0));
    for (int64_t q = 0; q < kq; ++q) {
      const bfloat16* row0 = a + 2 * q * lda + i0;
      const bfloat16* row1 = 2 * q + 1 < kc ? row0 + lda : nullptr;
      _mm512_mask_storeu_ps(pa + q * kMR, panel, pairs_of_rows(row0, row1, m));
    }
  }
}

void pack_b_rows(const bfloat16* b, int64_t ldb, int64_t kc, int64_t nc, float* pb) {
  const int64_t kq = (kc + 1) / 2;
  for (int64_t j0 = 0; j0 < nc; j0 += kNR, pb += kNR * kq) {
    __mmask16 m[kNR / 16];
    for (int v = 0; v < kNR / 16; ++v) m[v] = first_n(nc - j0 - 16 * v);
    for (int64_t q = 0; q < kq; ++q) {
      const bfloat16* row0 = b + 2 * q * ldb + j0;
      const bfloat16* row1 = 2 * q + 1 < kc ? row0 + ldb : nullptr;
      for (int v = 0; v < kNR / 16; ++v)
        _mm512_store_ps(pb + q * kNR + 16 * v,
                        pairs_of_rows(row0 + 16 * v, row1 ? row1 + 16 * v : nullptr, m[v]));
    }
  }
}

void pack_b_cols(const bfloat16* b, int64_t ldb, int64_t kc, int64_t nc, float* pb) {
  const int64_t kq = (kc + 1) / 2;
  for (int64_t j0 = 0; j0 < nc; j0 += kNR, pb += kNR * kq) {
    for (int64_t q0 = 0; q0 < kq; q0 += 16) {
      const int64_t count = std::min<int64_t>(32, kc - 2 * q0);
      for (int g = 0; g < kNR / 16; ++g) {
        const int64_t jg = j0 + 16 * g;
        __m512 x[16];
        for (int r = 0; r < 16; ++r)
          x[r] =
              jg + r < nc ? pairs_along(b + (jg + r) * ldb + 2 * q0, count) : _mm512_setzero_ps();
        transpose16(x);
        for (int64_t q = 0; q < (count + 1) / 2; ++q)
          _mm512_store_ps(pb + (q0 + q) * kNR + 16 * g, x[q]);
      }
    }
  }
}

}  // namespace

void pack_a_pairs(Transpose ta, const bfloat16* a, int64_t lda, int64_t mc, int64_t kc,
                  float* pa) noexcept {
  pack_by_layout<pack_a_rows, pack_a_cols>(ta, a, lda, mc, kc, pa);
}

void pack_b_pairs(Transpose tb, const bfloat16* b, int64_t ldb, int64_t kc, int64_t nc,
                  float* pb) noexcept {
  pack_by_layout<pack_b_rows, pack_b_cols>(tb, b, ldb, kc, nc, pb);
}

}  // namespace mantissa::cpu::gemm_detail::MANTISSA_ISA

#endif  // MANTISSA_GEMM_BF16_PAIRS
