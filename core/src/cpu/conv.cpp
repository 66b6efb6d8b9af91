// core/src/cpu/conv.cpp: im2col / col2im and max pooling on NHWC batches (cpu/conv.hpp).
//
// NHWC makes every inner loop a contiguous run of channels: one kernel row of a window,
// x[ih, iw0 .. iw0 + KW), is KW * C consecutive elements, so im2col copies it as one run and
// the other kernels work on C-long rows, in channel blocks of B (16 when C is a multiple of
// 16, the CNN case: a block is then one AVX-512 register and its loops have no set-up or
// tail; any C otherwise, in blocks of up to kChannelBlock). 16-bit rows are widened to float
// per block and results narrowed once.
#include "mantissa/core/cpu/conv.hpp"

#include <algorithm>
#include <bit>
#include <concepts>
#include <cstdint>
#include <type_traits>

#include "cpu_level.hpp"
#include "mantissa/core/cpu/convert.hpp"
#include "mantissa/core/parallel.hpp"

namespace mantissa::cpu {

namespace {

constexpr std::int64_t kChannelBlock = 256;     // channels per float stack block (1 KiB)
constexpr std::int64_t kParallelMin = 1 << 15;  // below this much work one thread does it all

// A plain loop, not memcpy: a one-channel image copies runs of 1 to 9 elements, where a
// library call per run costs more than the copy. (Where the run length is not known at
// compile time GCC makes the loop a memmove / memset call all the same; keeping it a loop,
// -fno-tree-loop-distribute-patterns, made the deeper CNN's bfloat16 im2col slower: 8.8 % of
// its step with the calls, 10.7 % without, perf, 2026-12-03.)
template <class T>
inline void copy_run(T* __restrict dst, const T* __restrict src, std::int64_t len) {
  for (std::int64_t i = 0; i < len; ++i) dst[i] = src[i];
}

template <class T>
inline void zero_run(T* dst, std::int64_t len) {
  const T zero{};  // value-initialised: all bits zero, +0.0 in every float dtype
  for (std::int64_t i = 0; i < len; ++i) dst[i] = zero;
}

// len elements as floats: a float row as it is, a 16-bit row widened into buf (bfloat16 is
// the top half of a float: a shift, inlined; half goes through the vectorised convert()).
template <class T>
inline const float* widen_row(const T* src, float* buf, std::int64_t len) {
  if constexpr (std::same_as<T, float>) {
    (void)buf, (void)len;
    return src;
  } else if constexpr (std::same_as<T, bfloat16>) {
    for (std::int64_t i = 0; i < len; ++i)
      buf[i] = std::bit_cast<float>(static_cast<std::uint32_t>(src[i].bits) << 16);
    return buf;
  } else {
    convert(src, buf, static_cast<std::size_t>(len));
    return buf;
  }
}

template <class T>
inline void narrow_row(const float* src, T* dst, std::int64_t len) {
  if constexpr (std::same_as<T, float>) copy_run(dst, src, len);
  else convert(src, dst, static_cast<std::size_t>(len));
}

// narrow_row for floats that are values of T already (a max of them): nothing to round, so a
// bfloat16 is the float's top half, a shift inlined into the caller's vector loop instead of a
// call of the rounding conversion (which made bfloat16's max pooling slower than float32's).
template <class T>
inline void narrow_exact_row(const float* src, T* dst, std::int64_t len) {
  if constexpr (std::same_as<T, bfloat16>) {
    auto* out = reinterpret_cast<std::uint16_t*>(dst);
    for (std::int64_t i = 0; i < len; ++i)
      out[i] = static_cast<std::uint16_t>(std::bit_cast<std::uint32_t>(src[i]) >> 16);
  } else {
    narrow_row(src, dst, len);
  }
}

// Channel blocking: B > 0 is a compile-time block that divides C; B == 0 any C. The loops
// over a block carry `omp simd`: without it GCC 12 unrolls a 16-long loop in full and keeps
// the block in 16 scalar registers, with a branch per element in the max (17x slower).
template <std::int64_t B>
constexpr std::int64_t block_step() {
  return B > 0 ? B : kChannelBlock;
}
template <std::int64_t B>
inline std::int64_t block_len(std::int64_t c0, std::int64_t C) {
  if constexpr (B > 0) return B;
  else return std::min(kChannelBlock, C - c0);
}

// The windows (along one axis) that cover input position i: first and last output index,
// empty when first > last. A window o covers [o * s - pad, o * s - pad + k).
struct Covering {
  std::int64_t first, last;
};
inline Covering covering(std::int64_t i, std::int64_t k, std::int64_t s, std::int64_t pad,
                         std::int64_t out) {
  const std::int64_t t = i + pad;
  const std::int64_t lo = std::max<std::int64_t>(0, t - k + 1);
  return {(lo + s - 1) / s, std::min(out - 1, t / s)};
}

// One channel block of one input element x[n, ih, iw] during a gather: acc sums its len values,
// buf is scratch for widening a 16-bit row, c0 is its first channel and at = (ih * W + iw) * C
// + c0 its offset in the image.
struct GatherBlock {
  float* acc;
  float* buf;
  std::int64_t len, c0, at;
};

// The backward of a windowed op, as a gather: for each input element and channel block, acc = 0,
// then add(block, window, tap) for every window that covers it, and dx = acc narrowed once.
// window = (n * OH + o) * OW + p is the window's output position, tap = kh * KW + kw the tap at
// which it reads this element. The windows come in a fixed order (so fixed bits), and each
// thread writes whole rows of dx (so no two write one element). reads: the elements read per
// element of dx, for the threading cut.
template <std::int64_t B, FloatDtype T, class Add>
void gather_windows(T* dx, const Window2D& g, std::int64_t reads, Add add) {
  const std::int64_t C = g.c, rows = g.n * g.h;
  parallel_for(rows, grain_for(rows, g.w * reads, kParallelMin), [&, add](std::int64_t first, std::int64_t last) {
    for (std::int64_t r = first; r < last; ++r) {
      const std::int64_t n = r / g.h, ih = r % g.h;
      const Covering oh = covering(ih, g.kh, g.sh, g.pad_top, g.oh);
      alignas(64) float acc[block_step<B>()];
      alignas(64) float buf[block_step<B>()];
      T* out = dx + r * g.w * C;
      for (std::int64_t iw = 0; iw < g.w; ++iw, out += C) {
        const Covering ow = covering(iw, g.kw, g.sw, g.pad_left, g.ow);
        for (std::int64_t c0 = 0; c0 < C; c0 += block_step<B>()) {
          const GatherBlock b{acc, buf, block_len<B>(c0, C), c0, (ih * g.w + iw) * C + c0};
          std::fill_n(acc, b.len, 0.0f);
          for (std::int64_t o = oh.first; o <= oh.last; ++o) {
            const std::int64_t kh = ih + g.pad_top - o * g.sh;
            for (std::int64_t p = ow.first; p <= ow.last; ++p) {
              const std::int64_t kw = iw + g.pad_left - p * g.sw;
              add(b, (n * g.oh + o) * g.ow + p, kh * g.kw + kw);
            }
          }
          narrow_row(acc, out + c0, b.len);
        }
      }
    }
  });
}

}  // namespace

// ---- im2col and col2im ----------------------------------------------------------------------

namespace {

// L > 0: the kernel row length KW * C known at compile time, so the copies of a one- or
// three-channel image (runs of 1 to 9 elements) unroll instead of paying a loop's set-up
// per run (2x faster on the reference CNN's first layer). L == 0: any length.
template <std::int64_t L, FloatDtype T>
void im2col_rows(T* cols, const T* x, const Window2D& g) {
  const std::int64_t C = g.c, K = g.kh * g.kw * C, rows = g.n * g.oh;
  const std::int64_t row_len = L > 0 ? L : g.kw * C;
  parallel_for(rows, grain_for(rows, g.ow * K, kParallelMin), [&](std::int64_t first, std::int64_t last) {
    for (std::int64_t r = first; r < last; ++r) {
      const std::int64_t n = r / g.oh, ih0 = (r % g.oh) * g.sh - g.pad_top;
      const T* img = x + n * g.h * g.w * C;
      // Kernel rows inside the image: [kh_lo, kh_hi); the others are zero.
      const std::int64_t kh_lo = std::max<std::int64_t>(0, -ih0);
      const std::int64_t kh_hi = std::min(g.kh, g.h - ih0);
      T* out = cols + r * g.ow * K;
      for (std::int64_t ow = 0; ow < g.ow; ++ow, out += K) {
        const std::int64_t iw0 = ow * g.sw - g.pad_left;
        // Real taps of a kernel row, as an element range [lo, hi) of its KW * C.
        const std::int64_t lo = std::max<std::int64_t>(0, -iw0) * C;
        const std::int64_t hi = std::min(g.kw, g.w - iw0) * C;
        // Offset of tap (kh_lo, 0) in the image: negative left of it, so offsets stay integers
        // until lo is added (no pointer before the buffer is ever formed).
        std::int64_t off = ((ih0 + kh_lo) * g.w + iw0) * C;
        zero_run(out, kh_lo * row_len);
        if (lo == 0 && hi == row_len) {  // inside the image: each kernel row is one full run
          for (std::int64_t kh = kh_lo; kh < kh_hi; ++kh, off += g.w * C)
            copy_run(out + kh * row_len, img + off, row_len);
        } else {
          for (std::int64_t kh = kh_lo; kh < kh_hi; ++kh, off += g.w * C) {
            T* dst = out + kh * row_len;
            zero_run(dst, lo);
            copy_run(dst + lo, img + (off + lo), hi - lo);
            zero_run(dst + hi, row_len - hi);
          }
        }
        zero_run(out + kh_hi * row_len, (g.kh - kh_hi) * row_len);
      }
    }
  });
}

}  // namespace

template <FloatDtype T>
void im2col(T* cols, const T* x, const Window2D& g) {
  switch (g.kw * g.c) {
    case 1: return im2col_rows<1>(cols, x, g);
    case 2: return im2col_rows<2>(cols, x, g);
    case 3: return im2col_rows<3>(cols, x, g);
    case 4: return im2col_rows<4>(cols, x, g);
    case 5: return im2col_rows<5>(cols, x, g);
    case 6: return im2col_rows<6>(cols, x, g);
    case 7: return im2col_rows<7>(cols, x, g);
    case 9: return im2col_rows<9>(cols, x, g);
    default: return im2col_rows<0>(cols, x, g);
  }
}

namespace {

template <std::int64_t B, FloatDtype T>
void col2im_blocks(T* dx, const T* dcols, const Window2D& g) {
  const std::int64_t C = g.c, K = g.kh * g.kw * C;
  // Each window that read x[n, ih, iw] read it at one tap: add that tap's channels of its row.
  gather_windows<B>(dx, g, K, [=](const GatherBlock& b, std::int64_t window, std::int64_t tap) {
    const float* v = widen_row(dcols + window * K + tap * C + b.c0, b.buf, b.len);
#pragma omp simd
    for (std::int64_t i = 0; i < b.len; ++i) b.acc[i] += v[i];
  });
}

}  // namespace

template <FloatDtype T>
void col2im(T* dx, const T* dcols, const Window2D& g) {
  if (g.c % 16 == 0) col2im_blocks<16>(dx, dcols, g);
  else col2im_blocks<0>(dx, dcols, g);
}

// ---- max pooling ----------------------------------------------------------------------------

namespace {

// Output row r (image r / oh, output row r % oh) of max pooling: every window and channel
// block. Always inlined into the per-level loops below, so that it is compiled for each.
template <std::int64_t B, FloatDtype T>
[[gnu::always_inline]] inline void maxpool_forward_row(T* y, std::int32_t* argmax, const T* x,
                                                       const Window2D& g, std::int64_t r) {
  const std::int64_t C = g.c;
  const std::int64_t n = r / g.oh, ih0 = (r % g.oh) * g.sh - g.pad_top;
  const std::int64_t kh_lo = std::max<std::int64_t>(0, -ih0);
  const std::int64_t kh_hi = std::min(g.kh, g.h - ih0);
  const T* img = x + n * g.h * g.w * C;
  alignas(64) float best[block_step<B>()];
  alignas(64) float buf[block_step<B>()];
  alignas(64) std::int32_t arg[block_step<B>()];
  for (std::int64_t ow = 0; ow < g.ow; ++ow) {
    const std::int64_t iw0 = ow * g.sw - g.pad_left;
    const std::int64_t kw_lo = std::max<std::int64_t>(0, -iw0);
    const std::int64_t kw_hi = std::min(g.kw, g.w - iw0);
    const std::int64_t o = (r * g.ow + ow) * C;
    for (std::int64_t c0 = 0; c0 < C; c0 += block_step<B>()) {
      const std::int64_t len = block_len<B>(c0, C);
      bool first = true;  // padded taps are never visited, so they never win
      for (std::int64_t kh = kh_lo; kh < kh_hi; ++kh) {
        for (std::int64_t kw = kw_lo; kw < kw_hi; ++kw) {
          const std::int64_t pos = ((ih0 + kh) * g.w + iw0 + kw) * C + c0;
          const float* v = widen_row(img + pos, buf, len);
          const auto p = static_cast<std::int32_t>(pos);
          if (first) {
#pragma omp simd
            for (std::int64_t i = 0; i < len; ++i) best[i] = v[i], arg[i] = p + std::int32_t(i);
            first = false;
            continue;
          }
          // Strictly greater keeps the first maximum; a NaN replaces a number and stays.
          // Bitwise, not ||: no branch, so the loop stays a vector select.
#pragma omp simd
          for (std::int64_t i = 0; i < len; ++i) {
            const bool take = (v[i] > best[i]) | ((v[i] != v[i]) & (best[i] == best[i]));
            best[i] = take ? v[i] : best[i];
            arg[i] = take ? p + std::int32_t(i) : arg[i];
          }
        }
      }
      narrow_exact_row(best, y + o + c0, len);  // best holds values of T
      if (argmax) copy_run(argmax + o + c0, arg, len);
    }
  }
}

// The row loop, once per CPU level (cpu_level.hpp): the select of the max and the bfloat16
// widening are vector blends and shifts that baseline x86-64 (SSE2) spells as and / andnot /
// or sequences: 1.3x (float) to 2x (bfloat16) slower on the CNN's pools than AVX-512. Each
// copy, over a range of rows, carries its level's target attribute, so the row body inlined into
// it is compiled for that level; it runs only at that level, on the chunks parallel_for hands
// out (maxpool_forward_blocks).
#define MANTISSA_MAXPOOL_LEVEL(name, attributes)                                                \
  template <std::int64_t B, FloatDtype T>                                                      \
  attributes void name(T* y, std::int32_t* argmax, const T* x, const Window2D& g,            \
                       std::int64_t first, std::int64_t last) {                                \
    for (std::int64_t r = first; r < last; ++r) maxpool_forward_row<B>(y, argmax, x, g, r);    \
  }
MANTISSA_MAXPOOL_LEVEL(maxpool_forward_baseline, )
#if MANTISSA_CPU_LEVELS
MANTISSA_MAXPOOL_LEVEL(maxpool_forward_avx2, __attribute__((target("avx2,fma,f16c"))))
MANTISSA_MAXPOOL_LEVEL(maxpool_forward_avx512,
                       __attribute__((target("avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512dq"))))
#endif
#undef MANTISSA_MAXPOOL_LEVEL

template <std::int64_t B, FloatDtype T>
void maxpool_forward_blocks(T* y, std::int32_t* argmax, const T* x, const Window2D& g) {
  auto level = &maxpool_forward_baseline<B, T>;
#if MANTISSA_CPU_LEVELS
  switch (detail::cpu_level()) {
    case detail::CpuLevel::amx:
    case detail::CpuLevel::avx512_bf16:
    case detail::CpuLevel::avx512: level = &maxpool_forward_avx512<B, T>; break;
    case detail::CpuLevel::avx2: level = &maxpool_forward_avx2<B, T>; break;
    case detail::CpuLevel::scalar: break;
  }
#endif
  const std::int64_t rows = g.n * g.oh;
  parallel_for(rows, grain_for(rows, g.ow * g.kh * g.kw * g.c, kParallelMin),
               [&](std::int64_t first, std::int64_t last) { level(y, argmax, x, g, first, last); });
}

// Windows that never overlap (MaxPool2D(2), any pool with strides >= its size): each input
// element lies in at most one window and won it or not. Each input row is written once, in
// order: an element its window chose gets the window's dy, every other element +0. A copy is
// exact in every dtype. (It was a zeroing pass and then a scatter of dy: two passes, 5.5 % of
// the reference CNN's float32 step, perf.)
template <FloatDtype T>
[[gnu::always_inline]] inline void maxpool_backward_disjoint_row(T* dx, const T* dy,
                                                                 const std::int32_t* argmax,
                                                                 const Window2D& g,
                                                                 std::int64_t r) {
  using U = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint16_t>;
  static_assert(sizeof(U) == sizeof(T));
  const std::int64_t C = g.c;
  const std::int64_t n = r / g.h, ih = r % g.h;
  T* out = dx + r * g.w * C;
  const std::int64_t th = ih + g.pad_top, oh = th / g.sh;
  if (th % g.sh >= g.kh || oh >= g.oh) {  // in no window
    zero_run(out, g.w * C);
    return;
  }
  const std::int64_t window_row = (n * g.oh + oh) * g.ow;
  for (std::int64_t iw = 0; iw < g.w; ++iw, out += C) {
    const std::int64_t tw = iw + g.pad_left, ow = tw / g.sw;
    if (tw % g.sw >= g.kw || ow >= g.ow) {
      zero_run(out, C);
      continue;
    }
    // On the bits, with a mask: no branch per element (the winners fall at random), and one
    // loop for every dtype.
    const std::int64_t o = (window_row + ow) * C;
    const auto* __restrict d = reinterpret_cast<const U*>(dy + o);
    const std::int32_t* __restrict a = argmax + o;
    auto* __restrict b = reinterpret_cast<U*>(out);
    const auto pos = static_cast<std::int32_t>((ih * g.w + iw) * C);
#pragma omp simd
    for (std::int64_t c = 0; c < C; ++c)
      b[c] = d[c] & static_cast<U>(U{0} - U{a[c] == pos + std::int32_t(c)});
  }
}

// The row loop once per CPU level, as the forward's: baseline x86-64 mixes the 32-bit index
// compare and the 16-bit select four lanes at a time (7 % of the reference CNN's bfloat16 step,
// perf).
#define MANTISSA_MAXPOOL_BACKWARD_LEVEL(name, attributes)                                       \
  template <FloatDtype T>                                                                      \
  attributes void name(T* dx, const T* dy, const std::int32_t* argmax, const Window2D& g,     \
                       std::int64_t first, std::int64_t last) {                                \
    for (std::int64_t r = first; r < last; ++r)                                                \
      maxpool_backward_disjoint_row(dx, dy, argmax, g, r);                                     \
  }
MANTISSA_MAXPOOL_BACKWARD_LEVEL(maxpool_backward_baseline, )
#if MANTISSA_CPU_LEVELS
MANTISSA_MAXPOOL_BACKWARD_LEVEL(maxpool_backward_avx2, __attribute__((target("avx2,fma,f16c"))))
MANTISSA_MAXPOOL_BACKWARD_LEVEL(maxpool_backward_avx512,
                                __attribute__((target("avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512dq"))))
#endif
#undef MANTISSA_MAXPOOL_BACKWARD_LEVEL

template <FloatDtype T>
void maxpool_backward_disjoint(T* dx, const T* dy, const std::int32_t* argmax, const Window2D& g) {
  auto level = &maxpool_backward_baseline<T>;
#if MANTISSA_CPU_LEVELS
  switch (detail::cpu_level()) {
    case detail::CpuLevel::amx:
    case detail::CpuLevel::avx512_bf16:
    case detail::CpuLevel::avx512: level = &maxpool_backward_avx512<T>; break;
    case detail::CpuLevel::avx2: level = &maxpool_backward_avx2<T>; break;
    case detail::CpuLevel::scalar: break;
  }
#endif
  const std::int64_t rows = g.n * g.h;
  parallel_for(rows, grain_for(rows, g.w * g.c, kParallelMin),
               [&](std::int64_t first, std::int64_t last) { level(dx, dy, argmax, g, first, last); });
}

// Overlapping windows: gather, so that each element sums its windows in float32, is rounded
// once, and no two threads write one element.
template <std::int64_t B, FloatDtype T>
void maxpool_backward_gather(T* dx, const T* dy, const std::int32_t* argmax, const Window2D& g) {
  // From each window that covers this position, the dy of the channels that chose it. A select,
  // not a multiply: an inf or NaN in a window this position lost must not reach it.
  const std::int64_t C = g.c;
  gather_windows<B>(dx, g, C, [=](const GatherBlock& b, std::int64_t window, std::int64_t) {
    const std::int64_t off = window * C + b.c0;
    const float* d = widen_row(dy + off, b.buf, b.len);
    const std::int32_t* a = argmax + off;
    const auto pos = static_cast<std::int32_t>(b.at);
#pragma omp simd
    for (std::int64_t i = 0; i < b.len; ++i)
      b.acc[i] += a[i] == pos + std::int32_t(i) ? d[i] : 0.0f;
  });
}

}  // namespace

template <FloatDtype T>
void maxpool_forward(T* y, std::int32_t* argmax, const T* x, const Window2D& g) {
  if (g.c % 16 == 0) maxpool_forward_blocks<16>(y, argmax, x, g);
  else maxpool_forward_blocks<0>(y, argmax, x, g);
}

template <FloatDtype T>
void maxpool_backward(T* dx, const T* dy, const std::int32_t* argmax, const Window2D& g) {
  if (g.sh >= g.kh && g.sw >= g.kw) maxpool_backward_disjoint(dx, dy, argmax, g);
  else if (g.c % 16 == 0) maxpool_backward_gather<16>(dx, dy, argmax, g);
  else maxpool_backward_gather<0>(dx, dy, argmax, g);
}

// ---- instantiations -------------------------------------------------------------------------

#define MANTISSA_CONV_INSTANTIATE(T)                                                   \
  template void im2col<T>(T*, const T*, const Window2D&);                              \
  template void col2im<T>(T*, const T*, const Window2D&);                              \
  template void maxpool_forward<T>(T*, std::int32_t*, const T*, const Window2D&);      \
  template void maxpool_backward<T>(T*, const T*, const std::int32_t*, const Window2D&);
MANTISSA_CONV_INSTANTIATE(float)
MANTISSA_CONV_INSTANTIATE(half)
MANTISSA_CONV_INSTANTIATE(bfloat16)
#undef MANTISSA_CONV_INSTANTIATE

}  // namespace mantissa::cpu
