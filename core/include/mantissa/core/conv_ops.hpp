// mantissa/core/conv_ops.hpp: the ops Conv2D and MaxPool2D are made of, on NHWC tensors, for
// any device. Shapes are checked here once; the backend trusts them.
//
//   ops::Conv2d<T, D> conv(window_2d(1, h, w, c, 3, 1, same), filters);
//   conv.reserve(ctx, max_batch);                 the backend's algorithm state, sized once
//   conv.forward(ctx, y, x, kernel, mode);        y (N, OH, OW, F) <- x (N, H, W, C)
//   conv.backward(ctx, dx, dkernel, dy, x, kernel, acc);
//   ops::MaxPool2d<T, D> pool(window_2d(...));    the same shape of calls
//
// How a device convolves and pools is its own: the CPU as im2col + GEMM with the pooling
// winners saved, cuDNN with descriptors and a chosen algorithm. The state lives in
// Backend<D>::Conv2d<T> / MaxPool2d<T>, owned by these op objects.
//
// The CPU's sliding-window kernels are also ops of their own (im2col, col2im, and pooling
// with explicit winners), for tests and benchmarks.
//
// Letters: N batch; H, W, C input height, width, channels; OH, OW output height, width;
// KH, KW window height, width; F filters; K = KH * KW * C.
#pragma once

#include <cstdint>
#include <limits>
#include <string>

#include "mantissa/core/error.hpp"
#include "mantissa/core/linalg.hpp"

namespace mantissa {

namespace detail {

// A window every kernel can trust: positive sizes, padding below the window, and every
// window holding at least one real position (so a max always exists).
inline void check_window(const char* op, const Window2D& g) {
  const bool ok = g.n >= 0 && g.h >= 1 && g.w >= 1 && g.c >= 1 && g.kh >= 1 && g.kw >= 1 &&
                  g.sh >= 1 && g.sw >= 1 && g.pad_top >= 0 && g.pad_top < g.kh &&
                  g.pad_left >= 0 && g.pad_left < g.kw && g.oh >= 1 && g.ow >= 1 &&
                  (g.oh - 1) * g.sh - g.pad_top < g.h && (g.ow - 1) * g.sw - g.pad_left < g.w;
  if (!ok)
    throw ShapeError(std::string(op) + ": invalid window: input (" + std::to_string(g.h) +
                     ", " + std::to_string(g.w) + ", " + std::to_string(g.c) + "), window (" +
                     std::to_string(g.kh) + ", " + std::to_string(g.kw) + "), strides (" +
                     std::to_string(g.sh) + ", " + std::to_string(g.sw) + "), padding (" +
                     std::to_string(g.pad_top) + ", " + std::to_string(g.pad_left) +
                     "), output (" + std::to_string(g.oh) + ", " + std::to_string(g.ow) +
                     "); build it with window_2d");
}

inline void check_window_shape(const char* op, const char* name, const Shape& got,
                               const Shape& needs) {
  if (!(got == needs))
    throw ShapeError(std::string(op) + ": " + name + " has shape " + got.str() +
                     " but the window needs " + needs.str());
}

inline Shape window_input_shape(const Window2D& g) { return Shape{g.n, g.h, g.w, g.c}; }
inline Shape window_output_shape(const Window2D& g) { return Shape{g.n, g.oh, g.ow, g.c}; }
inline Shape window_cols_shape(const Window2D& g) {
  return Shape{g.n * g.oh * g.ow, g.kh * g.kw * g.c};
}

// argmax is a flat int32 index within one sample's (H, W, C) block.
inline void check_argmax_range(const char* op, const Window2D& g) {
  if (g.h * g.w * g.c > std::numeric_limits<std::int32_t>::max())
    throw ShapeError(std::string(op) + ": a sample of " + std::to_string(g.h * g.w * g.c) +
                     " elements is too large for int32 argmax indices");
}

}  // namespace detail

namespace ops {

// ---- im2col and col2im, side by side ------------------------------------------------------

// cols (N*OH*OW, KH*KW*C) = the taps of every window of x (N, H, W, C), zero where padded.
template <Device D, TensorLike Cols, TensorLike X>
void im2col(Context<D>& ctx, Cols&& cols, const X& x, const Window2D& g) {
  if constexpr (detail::check_elementwise<op::conv2d, D, Cols, X>()) {
    detail::check_window("im2col", g);
    detail::check_window_shape("im2col", "x", x.shape(), detail::window_input_shape(g));
    detail::check_window_shape("im2col", "cols", cols.shape(), detail::window_cols_shape(g));
    Backend<D>::im2col(ctx, cols.view().data(), x.data(), g);
  }
}

// dx (N, H, W, C) = col2im(dcols): each element sums every tap that read it. Overwrites dx.
template <Device D, TensorLike DX, TensorLike DCols>
void col2im(Context<D>& ctx, DX&& dx, const DCols& dcols, const Window2D& g) {
  if constexpr (detail::check_elementwise<op::conv2d, D, DX, DCols>()) {
    detail::check_window("col2im", g);
    detail::check_window_shape("col2im", "dcols", dcols.shape(), detail::window_cols_shape(g));
    detail::check_window_shape("col2im", "dx", dx.shape(), detail::window_input_shape(g));
    Backend<D>::col2im(ctx, dx.view().data(), dcols.data(), g);
  }
}

// ---- max pooling, forward and backward side by side -------------------------------------

// y (N, OH, OW, C) = the max of each window; argmax (N, OH, OW, C) int32 receives the
// winners for backward, or is empty (inference: nothing saved).
template <Device D, TensorLike Y, TensorLike I, TensorLike X>
void maxpool2d(Context<D>& ctx, Y&& y, I&& argmax, const X& x, const Window2D& g) {
  static_assert(same_dtype<dtype_of<I>, std::int32_t>,
                "mantissa::ops::maxpool2d: argmax indices are std::int32_t (note below)");
  if constexpr (detail::check_elementwise<op::maxpool2d, D, Y, X>()) {
    detail::check_window("maxpool2d", g);
    detail::check_argmax_range("maxpool2d", g);
    detail::check_window_shape("maxpool2d", "x", x.shape(), detail::window_input_shape(g));
    detail::check_window_shape("maxpool2d", "y", y.shape(), detail::window_output_shape(g));
    if (!argmax.empty())
      detail::check_window_shape("maxpool2d", "argmax", argmax.shape(),
                                 detail::window_output_shape(g));
    Backend<D>::maxpool_forward(ctx, y.view().data(),
                                argmax.empty() ? nullptr : argmax.view().data(), x.data(), g);
  }
}

// dx (N, H, W, C) = dy routed back to the argmax positions (summed where windows overlap).
// Overwrites dx.
template <Device D, TensorLike DX, TensorLike DY, TensorLike I>
void maxpool2d_backward(Context<D>& ctx, DX&& dx, const DY& dy, const I& argmax,
                        const Window2D& g) {
  static_assert(same_dtype<dtype_of<I>, std::int32_t>,
                "mantissa::ops::maxpool2d_backward: argmax indices are std::int32_t (note "
                "below)");
  if constexpr (detail::check_elementwise<op::maxpool2d, D, DX, DY>()) {
    detail::check_window("maxpool2d_backward", g);
    detail::check_argmax_range("maxpool2d_backward", g);
    detail::check_window_shape("maxpool2d_backward", "dy", dy.shape(),
                               detail::window_output_shape(g));
    detail::check_window_shape("maxpool2d_backward", "argmax", argmax.shape(),
                               detail::window_output_shape(g));
    detail::check_window_shape("maxpool2d_backward", "dx", dx.shape(),
                               detail::window_input_shape(g));
    Backend<D>::maxpool_backward(ctx, dx.view().data(), dy.data(), argmax.data(), g);
  }
}

// ---- Conv2D and MaxPool2D as op objects with backend state ---------------------------------

// A convolution of one geometry (window g per sample, n = 1) with F filters; kernel
// (KH, KW, C, F), Keras's layout. The backend's algorithm state is sized at reserve(); a
// forward or backward on a batch above the reserved one reserves first (by hand without
// reserve: allocate once, there).
template <FloatDtype T, Device D>
class Conv2d {
 public:
  Conv2d() = default;
  Conv2d(const Window2D& g, std::int64_t filters) : g_(g), f_(filters), state_(g, filters) {
    detail::check_window("Conv2D", g_);
  }

  const Window2D& window() const noexcept { return g_; }
  void reserve(Context<D>& ctx, std::int64_t max_batch) { state_.reserve(ctx, max_batch); }

  // y (N, OH, OW, F) = conv(x (N, H, W, C), kernel). Mode::train keeps what backward needs.
  void forward(Context<D>& ctx, TensorView<T, D> y, TensorView<const T, D> x,
               TensorView<const T, D> kernel, Mode mode) {
    const std::int64_t n = batch_of(x);
    check("Conv2D forward", n, y.shape(), x.shape(), kernel.shape());
    if (n > state_.reserved()) state_.reserve(ctx, n);
    state_.forward(ctx, y.data(), x.data(), kernel.data(), n, mode);
  }

  // dkernel (float32) = or += (acc) dL/dkernel; dx = dL/dx unless dx is empty. x and kernel
  // as the last forward(train) saw them.
  void backward(Context<D>& ctx, TensorView<T, D> dx, TensorView<float, D> dkernel,
                TensorView<const T, D> dy, TensorView<const T, D> x,
                TensorView<const T, D> kernel, Accumulate acc) {
    const std::int64_t n = batch_of(x);
    check("Conv2D backward", n, dy.shape(), x.shape(), kernel.shape());
    detail::check_same_shape("Conv2D backward (dkernel)", dkernel.shape(), kernel.shape());
    if (!dx.empty()) detail::check_same_shape("Conv2D backward (dx)", dx.shape(), x.shape());
    if (n > state_.reserved())
      throw ShapeError("Conv2D backward: got a batch of " + std::to_string(n) +
                       ", larger than any forward so far (" + std::to_string(state_.reserved()) +
                       "); backward needs the batch of the last forward(train)");
    state_.backward(ctx, dx.empty() ? nullptr : dx.data(), dkernel.data(), dy.data(), x.data(),
                    kernel.data(), n, acc);
  }

 private:
  static std::int64_t batch_of(TensorView<const T, D> x) {
    return x.rank() == 4 ? x.shape()[0] : 0;
  }
  void check(const char* op, std::int64_t n, const Shape& y, const Shape& x, const Shape& k) const {
    const auto g = g_.with_batch(n);
    detail::check_same_shape((std::string(op) + " (x)").c_str(), x, detail::window_input_shape(g));
    detail::check_same_shape((std::string(op) + " (y)").c_str(), y, Shape{n, g.oh, g.ow, f_});
    detail::check_same_shape((std::string(op) + " (kernel)").c_str(), k,
                             Shape{g.kh, g.kw, g.c, f_});
  }

  Window2D g_{};
  std::int64_t f_ = 0;
  typename Backend<D>::template Conv2d<T> state_;
};

// Max pooling of one geometry (window g per sample, n = 1), per channel. Padded positions
// never win; the first maximum wins a tie and a NaN wins (it propagates), on every device.
template <FloatDtype T, Device D>
class MaxPool2d {
 public:
  MaxPool2d() = default;
  explicit MaxPool2d(const Window2D& g) : g_(g), state_(g) {
    detail::check_window("MaxPool2D", g_);
    detail::check_argmax_range("MaxPool2D", g_);
  }

  const Window2D& window() const noexcept { return g_; }
  void reserve(Context<D>& ctx, std::int64_t max_batch) { state_.reserve(ctx, max_batch); }

  void forward(Context<D>& ctx, TensorView<T, D> y, TensorView<const T, D> x, Mode mode) {
    const std::int64_t n = x.rank() == 4 ? x.shape()[0] : 0;
    check("MaxPool2D forward", n, y.shape(), x.shape());
    if (mode == Mode::train && n > state_.reserved()) state_.reserve(ctx, n);
    state_.forward(ctx, y.data(), x.data(), n, mode);
  }

  // dx (N, H, W, C) = dy routed to the last forward(train)'s winners (summed where windows
  // overlap). Overwrites dx.
  void backward(Context<D>& ctx, TensorView<T, D> dx, TensorView<const T, D> dy) {
    const std::int64_t n = dx.rank() == 4 ? dx.shape()[0] : 0;
    check("MaxPool2D backward", n, dy.shape(), dx.shape());
    if (n > state_.reserved())
      throw ShapeError("MaxPool2D backward: got a batch of " + std::to_string(n) +
                       ", larger than any forward(train) so far (" +
                       std::to_string(state_.reserved()) +
                       "); backward needs the batch of the last forward(train)");
    state_.backward(ctx, dx.data(), dy.data(), n);
  }

 private:
  void check(const char* op, std::int64_t n, const Shape& y, const Shape& x) const {
    const auto g = g_.with_batch(n);
    detail::check_window_shape(op, "x", x, detail::window_input_shape(g));
    detail::check_window_shape(op, "y", y, detail::window_output_shape(g));
  }

  Window2D g_{};
  typename Backend<D>::template MaxPool2d<T> state_;
};

}  // namespace ops
}  // namespace mantissa
