// cuda/src/windows.cu: the sliding-window kernels on the GPU: im2col / col2im (Conv2D's
// fallback and 16-bit weight gradient, conv.cu) and max pooling with its MaxPool2d state,
// each with the semantics of its CPU twin in core/src/cpu/conv.cpp.
//
// col2im and pooling backward are gathers (each input element sums what reached it, in the
// CPU's order), and pooling keeps the CPU's winners (first maximum, a NaN wins, padding never
// does), so the results are the CPU's bit for bit, with no float atomics.
#include <cstdint>
#include <utility>

#include "launch.hpp"
#include "mantissa/core/backend_cuda.hpp"
#include "mantissa/core/half.hpp"
#include "rows.hpp"

namespace mantissa {

namespace cuda {
namespace {

// The windows (along one axis) that cover input position i: first and last output index,
// empty when first > last. A window o covers [o * s - pad, o * s - pad + k). (cpu/conv.cpp)
struct Covering {
  std::int64_t first, last;
};
MANTISSA_HD inline Covering covering(std::int64_t i, std::int64_t k, std::int64_t s,
                                     std::int64_t pad, std::int64_t out) {
  const std::int64_t t = i + pad;
  const std::int64_t lo = max64(0, t - k + 1);
  return {(lo + s - 1) / s, min64(out - 1, t / s)};
}

// One index per element of cols (N*OH*OW, KH*KW*C); padded taps are zero.
template <class T>
struct Im2col {
  T* cols;
  const T* x;
  Window2D g;
  MANTISSA_HD void operator()(std::int64_t i) const {
    const std::int64_t K = g.kh * g.kw * g.c, r = i / K, k = i % K;
    const std::int64_t kh = k / (g.kw * g.c), kw = (k / g.c) % g.kw, ch = k % g.c;
    const std::int64_t n = r / (g.oh * g.ow), o = (r / g.ow) % g.oh, p = r % g.ow;
    const std::int64_t ih = o * g.sh - g.pad_top + kh, iw = p * g.sw - g.pad_left + kw;
    const bool inside = ih >= 0 && ih < g.h && iw >= 0 && iw < g.w;
    cols[i] = inside ? x[((n * g.h + ih) * g.w + iw) * g.c + ch] : T{};
  }
};

// The gathers below visit an input element's windows as the CPU's gather_windows does:
// output rows o ascending, then columns p ascending.

// One index per dx element: the taps of every window that read it, summed in float32.
template <class T>
struct Col2im {
  T* dx;
  const T* dcols;
  Window2D g;
  MANTISSA_HD void operator()(std::int64_t i) const {
    const std::int64_t K = g.kh * g.kw * g.c, ch = i % g.c;
    const std::int64_t iw = (i / g.c) % g.w, ih = (i / (g.c * g.w)) % g.h;
    const std::int64_t n = i / (g.c * g.w * g.h);
    const Covering oh = covering(ih, g.kh, g.sh, g.pad_top, g.oh);
    const Covering ow = covering(iw, g.kw, g.sw, g.pad_left, g.ow);
    float acc = 0.0f;
    for (std::int64_t o = oh.first; o <= oh.last; ++o) {
      const std::int64_t kh = ih + g.pad_top - o * g.sh;
      for (std::int64_t p = ow.first; p <= ow.last; ++p) {
        const std::int64_t kw = iw + g.pad_left - p * g.sw;
        acc += widen(dcols[((n * g.oh + o) * g.ow + p) * K + (kh * g.kw + kw) * g.c + ch]);
      }
    }
    dx[i] = narrow<T>(acc);
  }
};

// One index per output (n, oh, ow, c): the real taps in (kh, kw) order; strictly greater
// keeps the first maximum, a NaN replaces a number and stays. argmax is the winner's index
// within its sample, (ih * W + iw) * C + c.
template <class T>
struct MaxPoolForward {
  T* y;
  std::int32_t* argmax;  // null in inference
  const T* x;
  Window2D g;
  MANTISSA_HD void operator()(std::int64_t i) const {
    const std::int64_t ch = i % g.c, p = (i / g.c) % g.ow, o = (i / (g.c * g.ow)) % g.oh;
    const std::int64_t n = i / (g.c * g.ow * g.oh);
    const std::int64_t ih0 = o * g.sh - g.pad_top, iw0 = p * g.sw - g.pad_left;
    const std::int64_t kh_lo = max64(0, -ih0), kh_hi = min64(g.kh, g.h - ih0);
    const std::int64_t kw_lo = max64(0, -iw0), kw_hi = min64(g.kw, g.w - iw0);
    const T* img = x + n * g.h * g.w * g.c;
    float best = 0.0f;
    std::int64_t arg = -1;  // padded taps are never visited, so they never win
    for (std::int64_t kh = kh_lo; kh < kh_hi; ++kh) {
      for (std::int64_t kw = kw_lo; kw < kw_hi; ++kw) {
        const std::int64_t pos = ((ih0 + kh) * g.w + iw0 + kw) * g.c + ch;
        const float v = widen(img[pos]);
        if (arg < 0 || v > best || (v != v && best == best)) {
          best = v;
          arg = pos;
        }
      }
    }
    y[i] = narrow<T>(best);  // exact: best holds a value of T
    if (argmax) argmax[i] = static_cast<std::int32_t>(arg);
  }
};

// One index per dx element: the dy of the covering windows it won. Windows that never
// overlap (strides >= window): at most one, copied as it is (the CPU's scatter); otherwise
// summed in float32 over every covering window, adding 0 for those it lost (a select, not
// a multiply: an inf or NaN of a lost window must not reach it), and rounded once.
template <class T>
struct MaxPoolBackward {
  T* dx;
  const T* dy;
  const std::int32_t* argmax;
  Window2D g;
  MANTISSA_HD void operator()(std::int64_t i) const {
    const std::int64_t ch = i % g.c, iw = (i / g.c) % g.w, ih = (i / (g.c * g.w)) % g.h;
    const std::int64_t n = i / (g.c * g.w * g.h);
    const auto pos = static_cast<std::int32_t>((ih * g.w + iw) * g.c + ch);
    const Covering oh = covering(ih, g.kh, g.sh, g.pad_top, g.oh);
    const Covering ow = covering(iw, g.kw, g.sw, g.pad_left, g.ow);
    const bool overlap = g.sh < g.kh || g.sw < g.kw;
    T copied{};
    float acc = 0.0f;
    for (std::int64_t o = oh.first; o <= oh.last; ++o) {
      for (std::int64_t p = ow.first; p <= ow.last; ++p) {
        const std::int64_t at = ((n * g.oh + o) * g.ow + p) * g.c + ch;
        const bool won = argmax[at] == pos;
        if (overlap) acc += won ? widen(dy[at]) : 0.0f;
        else if (won) copied = dy[at];
      }
    }
    dx[i] = overlap ? narrow<T>(acc) : copied;
  }
};

}  // namespace
}  // namespace cuda

template <FloatDtype T>
void Backend<Cuda>::im2col(Ctx& ctx, T* cols, const T* x, const Window2D& g) {
  cuda::for_each(ctx, g.n * g.oh * g.ow * g.kh * g.kw * g.c, cuda::Im2col<T>{cols, x, g},
                 "im2col");
}

template <FloatDtype T>
void Backend<Cuda>::col2im(Ctx& ctx, T* dx, const T* dcols, const Window2D& g) {
  cuda::for_each(ctx, g.n * g.h * g.w * g.c, cuda::Col2im<T>{dx, dcols, g}, "col2im");
}

template <FloatDtype T>
void Backend<Cuda>::maxpool_forward(Ctx& ctx, T* y, std::int32_t* argmax, const T* x,
                                    const Window2D& g) {
  cuda::for_each(ctx, g.n * g.oh * g.ow * g.c, cuda::MaxPoolForward<T>{y, argmax, x, g},
                 "maxpool_forward");
}

template <FloatDtype T>
void Backend<Cuda>::maxpool_backward(Ctx& ctx, T* dx, const T* dy, const std::int32_t* argmax,
                                     const Window2D& g) {
  cuda::for_each(ctx, g.n * g.h * g.w * g.c, cuda::MaxPoolBackward<T>{dx, dy, argmax, g},
                 "maxpool_backward");
}

// ---- MaxPool2d: the winners of the last forward(train), in device memory ----

template <FloatDtype T>
Backend<Cuda>::MaxPool2d<T>::MaxPool2d() = default;

template <FloatDtype T>
Backend<Cuda>::MaxPool2d<T>::MaxPool2d(const Window2D& g) : g_(g) {}

template <FloatDtype T>
Backend<Cuda>::MaxPool2d<T>::~MaxPool2d() {
  Cuda::deallocate(argmax_);
}

template <FloatDtype T>
Backend<Cuda>::MaxPool2d<T>::MaxPool2d(MaxPool2d&& o) noexcept
    : g_(o.g_),
      reserved_(std::exchange(o.reserved_, 0)),
      argmax_(std::exchange(o.argmax_, nullptr)) {}

template <FloatDtype T>
auto Backend<Cuda>::MaxPool2d<T>::operator=(MaxPool2d&& o) noexcept -> MaxPool2d& {
  if (this != &o) {
    Cuda::deallocate(argmax_);
    g_ = o.g_;
    reserved_ = std::exchange(o.reserved_, 0);
    argmax_ = std::exchange(o.argmax_, nullptr);
  }
  return *this;
}

template <FloatDtype T>
void Backend<Cuda>::MaxPool2d<T>::reserve(Ctx& ctx, std::int64_t max_batch) {
  (void)ctx;  // Cuda::allocate is stream-ordered on its own
  if (max_batch <= reserved_) return;
  const auto bytes = static_cast<std::size_t>(max_batch * g_.oh * g_.ow * g_.c) *
                     sizeof(std::int32_t);
  auto* fresh = static_cast<std::int32_t*>(Cuda::allocate(bytes));
  Cuda::deallocate(std::exchange(argmax_, fresh));
  reserved_ = max_batch;
}

template <FloatDtype T>
void Backend<Cuda>::MaxPool2d<T>::forward(Ctx& ctx, T* y, const T* x, std::int64_t n, Mode mode) {
  // Inference saves nothing, so an evaluation between forward(train) and backward is safe.
  maxpool_forward(ctx, y, mode == Mode::train ? argmax_ : nullptr, x, g_.with_batch(n));
}

template <FloatDtype T>
void Backend<Cuda>::MaxPool2d<T>::backward(Ctx& ctx, T* dx, const T* dy, std::int64_t n) {
  maxpool_backward(ctx, dx, dy, argmax_, g_.with_batch(n));
}

// ---- instantiations ----

#define MANTISSA_CUDA_WINDOWS(T)                                                               \
  template void Backend<Cuda>::im2col<T>(Ctx&, T*, const T*, const Window2D&);                 \
  template void Backend<Cuda>::col2im<T>(Ctx&, T*, const T*, const Window2D&);                 \
  template void Backend<Cuda>::maxpool_forward<T>(Ctx&, T*, std::int32_t*, const T*,           \
                                                  const Window2D&);                            \
  template void Backend<Cuda>::maxpool_backward<T>(Ctx&, T*, const T*, const std::int32_t*,    \
                                                   const Window2D&);                           \
  template class Backend<Cuda>::MaxPool2d<T>;
MANTISSA_CUDA_WINDOWS(float)
MANTISSA_CUDA_WINDOWS(half)
MANTISSA_CUDA_WINDOWS(bfloat16)
#undef MANTISSA_CUDA_WINDOWS

}  // namespace mantissa
