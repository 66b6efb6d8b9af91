// core/src/cpu/conv.cpp: im2col / col2im and max pooling on NHWC batches (cpu/conv.hpp).
//
// NHWC makes every inner loop a contiguous run of channels: one kernel row of a window,
// x[ih, iw0 .. iw0 + KW), is KW * C consecutive elements, so im2col copies it as one run and
// the other kernels work on C-long rows. 16-bit rows are widened to float in blocks of
// kChannelBlock with the vectorised convert(), and results are narrowed once.
#include "mantissa/core/cpu/conv.hpp"

#include <algorithm>
#include <concepts>

#include "mantissa/core/cpu/convert.hpp"

namespace mantissa::cpu {

namespace {

constexpr std::int64_t kChannelBlock = 256;     // channels per float stack block (1 KiB)
constexpr std::int64_t kParallelMin = 1 << 15;  // below this much work one thread does it all

// A plain loop, not memcpy: a one-channel image copies runs of 1 to 5 elements, where a
// library call per run costs more than the copy; long runs vectorise all the same.
template <class T>
inline void copy_run(T* __restrict dst, const T* __restrict src, std::int64_t len) {
  for (std::int64_t i = 0; i < len; ++i) dst[i] = src[i];
}

template <class T>
inline void zero_run(T* dst, std::int64_t len) {
  const T zero{};  // value-initialised: all bits zero, +0.0 in every float dtype
  for (std::int64_t i = 0; i < len; ++i) dst[i] = zero;
}

// len elements as floats: a float row as it is, a 16-bit row widened into buf.
template <class T>
inline const float* widen_row(const T* src, float* buf, std::int64_t len) {
  if constexpr (std::same_as<T, float>) {
    (void)buf, (void)len;
    return src;
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

// The windows (along one axis) that cover input position i: first and last output index,
// empty when first > last. A window o covers [o * s - pad, o * s - pad + k).
struct Covering {
  std::int64_t first, last;
};
inline Covering covering(std::int64_t i, std::int64_t k, std::int64_t s, std::int64_t pad,
                         std::int64_t out) {
  const std::int64_t t = i + pad;  // >= 0: padding never exceeds the window
  const std::int64_t lo = std::max<std::int64_t>(0, t - k + 1);
  return {(lo + s - 1) / s, std::min(out - 1, t / s)};
}

}  // namespace

// ---- im2col and col2im ----------------------------------------------------------------------

template <FloatDtype T>
void im2col(T* cols, const T* x, const Window2D& g) {
  const std::int64_t C = g.c, K = g.kh * g.kw * C, rows = g.n * g.oh, row_len = g.kw * C;
#pragma omp parallel for schedule(static) if (rows * g.ow * K > kParallelMin)
  for (std::int64_t r = 0; r < rows; ++r) {
    const std::int64_t n = r / g.oh, ih0 = (r % g.oh) * g.sh - g.pad_top;
    const T* img = x + n * g.h * g.w * C;
    T* out = cols + r * g.ow * K;
    for (std::int64_t ow = 0; ow < g.ow; ++ow, out += K) {
      const std::int64_t iw0 = ow * g.sw - g.pad_left;
      // Real taps of a kernel row, as an element range [lo, hi) of its KW * C.
      const std::int64_t lo = std::max<std::int64_t>(0, -iw0) * C;
      const std::int64_t hi = std::min(g.kw, g.w - iw0) * C;
      for (std::int64_t kh = 0; kh < g.kh; ++kh) {
        T* dst = out + kh * row_len;
        const std::int64_t ih = ih0 + kh;
        if (ih < 0 || ih >= g.h) {
          zero_run(dst, row_len);
          continue;
        }
        zero_run(dst, lo);
        copy_run(dst + lo, img + ((ih * g.w + iw0) * C + lo), hi - lo);
        zero_run(dst + hi, row_len - hi);
      }
    }
  }
}

template <FloatDtype T>
void col2im(T* dx, const T* dcols, const Window2D& g) {
  const std::int64_t C = g.c, K = g.kh * g.kw * C, rows = g.n * g.h;
#pragma omp parallel for schedule(static) if (rows * g.w * K > kParallelMin)
  for (std::int64_t r = 0; r < rows; ++r) {
    const std::int64_t n = r / g.h, ih = r % g.h;
    const Covering oh = covering(ih, g.kh, g.sh, g.pad_top, g.oh);
    alignas(64) float acc[kChannelBlock];
    alignas(64) float buf[kChannelBlock];
    T* out = dx + r * g.w * C;
    for (std::int64_t iw = 0; iw < g.w; ++iw, out += C) {
      const Covering ow = covering(iw, g.kw, g.sw, g.pad_left, g.ow);
      for (std::int64_t c0 = 0; c0 < C; c0 += kChannelBlock) {
        const std::int64_t len = std::min(kChannelBlock, C - c0);
        std::fill_n(acc, len, 0.0f);
        // Every (window, tap) that read x[n, ih, iw]: a fixed order, so fixed bits.
        for (std::int64_t o = oh.first; o <= oh.last; ++o) {
          const std::int64_t kh = ih + g.pad_top - o * g.sh;
          for (std::int64_t p = ow.first; p <= ow.last; ++p) {
            const std::int64_t kw = iw + g.pad_left - p * g.sw;
            const T* src = dcols + ((n * g.oh + o) * g.ow + p) * K + (kh * g.kw + kw) * C + c0;
            const float* v = widen_row(src, buf, len);
            for (std::int64_t i = 0; i < len; ++i) acc[i] += v[i];
          }
        }
        narrow_row(acc, out + c0, len);
      }
    }
  }
}

// ---- max pooling ----------------------------------------------------------------------------

template <FloatDtype T>
void maxpool_forward(T* y, std::int32_t* argmax, const T* x, const Window2D& g) {
  const std::int64_t C = g.c, rows = g.n * g.oh;
#pragma omp parallel for schedule(static) if (rows * g.ow * g.kh * g.kw * C > kParallelMin)
  for (std::int64_t r = 0; r < rows; ++r) {
    const std::int64_t n = r / g.oh, ih0 = (r % g.oh) * g.sh - g.pad_top;
    const std::int64_t kh_lo = std::max<std::int64_t>(0, -ih0);
    const std::int64_t kh_hi = std::min(g.kh, g.h - ih0);
    const T* img = x + n * g.h * g.w * C;
    alignas(64) float best[kChannelBlock];
    alignas(64) float buf[kChannelBlock];
    alignas(64) std::int32_t arg[kChannelBlock];
    for (std::int64_t ow = 0; ow < g.ow; ++ow) {
      const std::int64_t iw0 = ow * g.sw - g.pad_left;
      const std::int64_t kw_lo = std::max<std::int64_t>(0, -iw0);
      const std::int64_t kw_hi = std::min(g.kw, g.w - iw0);
      const std::int64_t o = (r * g.ow + ow) * C;
      for (std::int64_t c0 = 0; c0 < C; c0 += kChannelBlock) {
        const std::int64_t len = std::min(kChannelBlock, C - c0);
        bool first = true;  // padded taps are never visited, so they never win
        for (std::int64_t kh = kh_lo; kh < kh_hi; ++kh) {
          for (std::int64_t kw = kw_lo; kw < kw_hi; ++kw) {
            const std::int64_t pos = ((ih0 + kh) * g.w + iw0 + kw) * C + c0;
            const float* v = widen_row(img + pos, buf, len);
            const auto p = static_cast<std::int32_t>(pos);
            if (first) {
              for (std::int64_t i = 0; i < len; ++i) best[i] = v[i], arg[i] = p + std::int32_t(i);
              first = false;
              continue;
            }
            // Strictly greater keeps the first maximum; a NaN replaces a number and stays.
            for (std::int64_t i = 0; i < len; ++i) {
              const bool take = v[i] > best[i] || (v[i] != v[i] && best[i] == best[i]);
              best[i] = take ? v[i] : best[i];
              arg[i] = take ? p + std::int32_t(i) : arg[i];
            }
          }
        }
        narrow_row(best, y + o + c0, len);  // exact: best holds values of T
        if (argmax) copy_run(argmax + o + c0, arg, len);
      }
    }
  }
}

template <FloatDtype T>
void maxpool_backward(T* dx, const T* dy, const std::int32_t* argmax, const Window2D& g) {
  const std::int64_t C = g.c, rows = g.n * g.h;
#pragma omp parallel for schedule(static) if (rows * g.w * C > kParallelMin)
  for (std::int64_t r = 0; r < rows; ++r) {
    const std::int64_t n = r / g.h, ih = r % g.h;
    const Covering oh = covering(ih, g.kh, g.sh, g.pad_top, g.oh);
    alignas(64) float acc[kChannelBlock];
    alignas(64) float buf[kChannelBlock];
    T* out = dx + r * g.w * C;
    for (std::int64_t iw = 0; iw < g.w; ++iw, out += C) {
      const Covering ow = covering(iw, g.kw, g.sw, g.pad_left, g.ow);
      for (std::int64_t c0 = 0; c0 < C; c0 += kChannelBlock) {
        const std::int64_t len = std::min(kChannelBlock, C - c0);
        const auto pos = static_cast<std::int32_t>((ih * g.w + iw) * C + c0);
        std::fill_n(acc, len, 0.0f);
        // Gather from the windows that cover this position and chose it. A select, not a
        // multiply: an inf or NaN in a window this position lost must not reach it.
        for (std::int64_t o = oh.first; o <= oh.last; ++o) {
          for (std::int64_t p = ow.first; p <= ow.last; ++p) {
            const std::int64_t off = ((n * g.oh + o) * g.ow + p) * C + c0;
            const float* d = widen_row(dy + off, buf, len);
            const std::int32_t* a = argmax + off;
            for (std::int64_t i = 0; i < len; ++i)
              acc[i] += a[i] == pos + std::int32_t(i) ? d[i] : 0.0f;
          }
        }
        narrow_row(acc, out + c0, len);
      }
    }
  }
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
