// core/src/cpu/gemm_pack.cpp: packing A and B blocks into float panels (see gemm_pack.hpp).
//
// Four cases, each vectorised on AVX-512 because packing is not free next to the kernel: a
// panel of A is packed once per (k block, n block) and feeds only nc / kNR kernel calls (for nc <=
// kNR, gemm.cpp reads A in place instead).
//   A, rows of op(A) contiguous (ta == no): the 6 x 16 block is loaded as 6 rows of 16 and
//     rearranged into 16 groups of 6 with vpermt2ps on row pairs and two blends.
//   A, columns contiguous (ta == yes): one masked load and store of 6 per k.
//   B, rows contiguous (tb == no): straight vector copies, 4 per k.
//   B, columns contiguous (tb == yes): 16 x 16 in-register transposes.
// 16-bit inputs are widened in the load (vcvtph2ps for half, a 16-bit shift for bfloat16),
// both exact. Tails use masked loads, which never touch memory outside the block.
#include "gemm_pack.hpp"

#include <algorithm>

#include "gemm_kernel.hpp"

#if MANTISSA_GEMM_AVX512
#include "gemm_avx512.hpp"
#endif

namespace mantissa::cpu::gemm_detail::MANTISSA_ISA {
namespace {

using std::int64_t;

#if MANTISSA_GEMM_AVX512

template <class T>
void pack_a_rows(const T* a, int64_t lda, int64_t mc, int64_t kc, float* pa) {
  for (int64_t i0 = 0; i0 < mc; i0 += kMR, pa += kMR * kc) {
    const int64_t mr = std::min<int64_t>(kMR, mc - i0);
    for (int64_t p0 = 0; p0 < kc; p0 += 16) {
      const int64_t kk = std::min<int64_t>(16, kc - p0);
      const __mmask16 km = first_n(kk);
      __m512 x[kMR];
      for (int i = 0; i < kMR; ++i) {
        const T* row = a + (i0 + i) * lda + p0;
        // The next panel's rows, same columns: 6 short strided streams defeat the hardware
        // prefetcher, and an im2col A comes from L3 or DRAM (measured 12 -> 28 GB/s).
        if (i0 + kMR + i < mc)
          _mm_prefetch(reinterpret_cast<const char*>(row + kMR * lda), _MM_HINT_T0);
        x[i] = i < mr ? load16(row, km) : _mm512_setzero_ps();
      }
      store_rows_as_groups(x, pa + p0 * kMR, kk * kMR);
    }
  }
}

template <class T>
void pack_a_cols(const T* a, int64_t lda, int64_t mc, int64_t kc, float* pa) {
  // k outer: each row of the stored A^T block (mc contiguous values) is read once, in order,
  // while it feeds every panel; a prefetch 4 rows ahead hides the row stride (lda).
  constexpr auto panel = static_cast<__mmask16>((1u << kMR) - 1u);
  constexpr int64_t kLine = 64 / sizeof(T);
  for (int64_t p = 0; p < kc; ++p) {
    const T* row = a + p * lda;
    if (p + 4 < kc)
      for (int64_t i = 0; i < mc; i += kLine)
        _mm_prefetch(reinterpret_cast<const char*>(row + 4 * lda + i), _MM_HINT_T0);
    for (int64_t i0 = 0; i0 < mc; i0 += kMR) {
      const __mmask16 m = first_n(std::min<int64_t>(kMR, mc - i0));
      _mm512_mask_storeu_ps(pa + i0 * kc + p * kMR, panel, load16(row + i0, m));
    }
  }
}

template <class T>
void pack_b_rows(const T* b, int64_t ldb, int64_t kc, int64_t nc, float* pb) {
  for (int64_t j0 = 0; j0 < nc; j0 += kNR, pb += kNR * kc) {
    __mmask16 m[kNR / 16];
    for (int v = 0; v < kNR / 16; ++v) m[v] = first_n(nc - j0 - 16 * v);
    for (int64_t p = 0; p < kc; ++p)
      for (int v = 0; v < kNR / 16; ++v)
        _mm512_store_ps(pb + p * kNR + 16 * v, load16(b + p * ldb + j0 + 16 * v, m[v]));
  }
}

template <class T>
void pack_b_cols(const T* b, int64_t ldb, int64_t kc, int64_t nc, float* pb) {
  for (int64_t j0 = 0; j0 < nc; j0 += kNR, pb += kNR * kc) {
    for (int64_t p0 = 0; p0 < kc; p0 += 16) {
      const int64_t kk = std::min<int64_t>(16, kc - p0);
      const __mmask16 km = first_n(kk);
      for (int g = 0; g < kNR / 16; ++g) {
        const int64_t jg = j0 + 16 * g;  // this group's first column
        __m512 x[16];
        for (int r = 0; r < 16; ++r)
          x[r] = jg + r < nc ? load16(b + (jg + r) * ldb + p0, km) : _mm512_setzero_ps();
        transpose16(x);
        for (int64_t q = 0; q < kk; ++q) _mm512_store_ps(pb + (p0 + q) * kNR + 16 * g, x[q]);
      }
    }
  }
}

#else  // portable: plain loops, exact widening through the explicit conversions of half.hpp

// Panels of W along x (the rows of op(A), or the columns of op(B)): element (x, p) of the block,
// extent x kc, is at src[x * xs + p * ps]; panel positions past the extent are zero.
template <int W, class T>
void pack_panels(const T* src, int64_t xs, int64_t ps, int64_t extent, int64_t kc, float* dst) {
  for (int64_t x0 = 0; x0 < extent; x0 += W, dst += W * kc)
    for (int64_t p = 0; p < kc; ++p)
      for (int64_t x = 0; x < W; ++x)
        dst[p * W + x] = x0 + x < extent ? static_cast<float>(src[(x0 + x) * xs + p * ps]) : 0.0f;
}

template <class T>
void pack_a_rows(const T* a, int64_t lda, int64_t mc, int64_t kc, float* pa) {
  pack_panels<kMR>(a, lda, 1, mc, kc, pa);
}
template <class T>
void pack_a_cols(const T* a, int64_t lda, int64_t mc, int64_t kc, float* pa) {
  pack_panels<kMR>(a, 1, lda, mc, kc, pa);
}
template <class T>
void pack_b_rows(const T* b, int64_t ldb, int64_t kc, int64_t nc, float* pb) {
  pack_panels<kNR>(b, 1, ldb, nc, kc, pb);
}
template <class T>
void pack_b_cols(const T* b, int64_t ldb, int64_t kc, int64_t nc, float* pb) {
  pack_panels<kNR>(b, ldb, 1, nc, kc, pb);
}

#endif

}  // namespace

template <class T>
void pack_a(Transpose ta, const T* a, int64_t lda, int64_t mc, int64_t kc, float* pa) noexcept {
  pack_by_layout<pack_a_rows<T>, pack_a_cols<T>>(ta, a, lda, mc, kc, pa);
}
template <class T>
void pack_b(Transpose tb, const T* b, int64_t ldb, int64_t kc, int64_t nc, float* pb) noexcept {
  pack_by_layout<pack_b_rows<T>, pack_b_cols<T>>(tb, b, ldb, kc, nc, pb);
}

template void pack_a(Transpose, const float*, int64_t, int64_t, int64_t, float*) noexcept;
template void pack_a(Transpose, const half*, int64_t, int64_t, int64_t, float*) noexcept;
template void pack_a(Transpose, const bfloat16*, int64_t, int64_t, int64_t, float*) noexcept;
template void pack_b(Transpose, const float*, int64_t, int64_t, int64_t, float*) noexcept;
template void pack_b(Transpose, const half*, int64_t, int64_t, int64_t, float*) noexcept;
template void pack_b(Transpose, const bfloat16*, int64_t, int64_t, int64_t, float*) noexcept;

}  // namespace mantissa::cpu::gemm_detail::MANTISSA_ISA
