// core/src/cpu/gemm_avx512.hpp: internal to the CPU GEMM: AVX-512 helpers shared by the
// micro-kernels (gemm_kernel.cpp) and the packing code of the float path (gemm_pack.cpp) and of
// the bfloat16 pair path (gemm_pack_bf16.cpp). Included only where MANTISSA_GEMM_AVX512 is set,
// in the namespace of the CPU level being compiled (gemm_driver.hpp).
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>

#include "gemm_kernel.hpp"
#include "intrinsics.hpp"

namespace mantissa::cpu::gemm_detail::MANTISSA_ISA {

inline __mmask16 first_n(std::int64_t n) {  // lanes [0, n), n clamped to [0, 16]
  return n >= 16 ? static_cast<__mmask16>(0xffff)
                 : static_cast<__mmask16>((1u << std::max<std::int64_t>(n, 0)) - 1u);
}

// 16 elements (the lanes in m; the others are 0) widened to float, exactly: vcvtph2ps for half,
// a 16-bit shift for bfloat16.
inline __m512 load16(const float* p, __mmask16 m) {
  return _mm512_maskz_loadu_ps(m, p);
}
inline __m512 load16(const half* p, __mmask16 m) {
  return _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(m, p));
}
inline __m512 load16(const bfloat16* p, __mmask16 m) {
  const __m512i x = _mm512_cvtepu16_epi32(_mm256_maskz_loadu_epi16(m, p));
  return _mm512_castsi512_ps(_mm512_slli_epi32(x, 16));
}

// In-register transpose of 16 x 16 floats: x[r] lane c  ->  x[c] lane r.
inline void transpose16(__m512 (&x)[16]) {
  __m512 u[16];
  for (int q = 0; q < 8; ++q) {  // interleave row pairs, 32-bit
    u[2 * q] = _mm512_unpacklo_ps(x[2 * q], x[2 * q + 1]);
    u[2 * q + 1] = _mm512_unpackhi_ps(x[2 * q], x[2 * q + 1]);
  }
  __m512 s[16];  // s[4q + c], 128-bit lane l: rows 4q..4q+3 of column 4l + c
  for (int q = 0; q < 4; ++q) {
    s[4 * q + 0] = _mm512_shuffle_ps(u[4 * q], u[4 * q + 2], 0x44);
    s[4 * q + 1] = _mm512_shuffle_ps(u[4 * q], u[4 * q + 2], 0xee);
    s[4 * q + 2] = _mm512_shuffle_ps(u[4 * q + 1], u[4 * q + 3], 0x44);
    s[4 * q + 3] = _mm512_shuffle_ps(u[4 * q + 1], u[4 * q + 3], 0xee);
  }
  for (int c = 0; c < 4; ++c) {  // gather lane l of s[c], s[4+c], s[8+c], s[12+c]
    const __m512 v0 = _mm512_shuffle_f32x4(s[c], s[4 + c], 0x44);
    const __m512 v1 = _mm512_shuffle_f32x4(s[c], s[4 + c], 0xee);
    const __m512 v2 = _mm512_shuffle_f32x4(s[8 + c], s[12 + c], 0x44);
    const __m512 v3 = _mm512_shuffle_f32x4(s[8 + c], s[12 + c], 0xee);
    x[c] = _mm512_shuffle_f32x4(v0, v2, 0x88);
    x[4 + c] = _mm512_shuffle_f32x4(v0, v2, 0xdd);
    x[8 + c] = _mm512_shuffle_f32x4(v1, v3, 0x88);
    x[12 + c] = _mm512_shuffle_f32x4(v1, v3, 0xdd);
  }
}

// Rearranging kMR rows of 16 k-values into 16 groups of kMR (the A panel order): output float
// f = 16 o + e comes from row f % kMR, lane f / kMR. Row pair q = (2q, 2q + 1) feeds it through
// vpermt2ps with index (row & 1) * 16 + lane; a blend keeps the lanes whose row is in pair q.
static_assert(kMR % 2 == 0 && kMR <= 16, "A panels are packed by row pairs");
inline constexpr int kRowPairs = kMR / 2;
struct ARearrange {
  std::array<std::array<std::int32_t, 16>, kMR * kRowPairs> index{};
  std::array<std::uint16_t, kMR * kRowPairs> mask{};
};
inline constexpr ARearrange kARearrange = [] {
  ARearrange r;
  for (int o = 0; o < kMR; ++o)
    for (int e = 0; e < 16; ++e) {
      const int f = 16 * o + e, row = f % kMR, lane = f / kMR, q = row / 2;
      r.index[o * kRowPairs + q][e] = (row % 2) * 16 + lane;
      r.mask[o * kRowPairs + q] = static_cast<std::uint16_t>(r.mask[o * kRowPairs + q] | (1u << e));
    }
  return r;
}();

// Writes kMR rows of 16 values each (x[i] = row i) as 16 groups of kMR, the A panel order, to
// dst[0, count): count = kMR * (number of valid lanes).
inline void store_rows_as_groups(const __m512 (&x)[kMR], float* dst, std::int64_t count) {
  for (int o = 0; o < kMR; ++o) {
    __m512 out = _mm512_setzero_ps();
    for (int q = 0; q < kRowPairs; ++q) {
      const __m512i idx = _mm512_loadu_si512(kARearrange.index[o * kRowPairs + q].data());
      out = _mm512_mask_mov_ps(out, kARearrange.mask[o * kRowPairs + q],
                               _mm512_permutex2var_ps(x[2 * q], idx, x[2 * q + 1]));
    }
    _mm512_mask_storeu_ps(dst + 16 * o, first_n(count - 16 * o), out);
  }
}

}  // namespace mantissa::cpu::gemm_detail::MANTISSA_ISA
