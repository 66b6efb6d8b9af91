// mantissa/core/conv_ops.hpp: the ops Conv2D and MaxPool2D are made of, on NHWC tensors,
// dispatched on the device in the tensor types like every op (nn_ops.hpp). Shapes are checked
// here once; the kernels (cpu/conv.hpp) trust them.
//
//   auto g = window_2d(n, h, w, c, /*kernel*/ 3, /*strides*/ 1, same);
//   ops::im2col(cols, x, g);                   cols (N*OH*OW, KH*KW*C) <- x (N, H, W, C)
//   ops::col2im(dx, dcols, g);                 dx (N, H, W, C) <- dcols (its adjoint)
//   ops::maxpool2d(y, argmax, x, g);           y, argmax (N, OH, OW, C) <- x
//   ops::maxpool2d_backward(dx, dy, argmax, g);
//
// Letters: N batch; H, W, C input height, width, channels; OH, OW output height, width;
// KH, KW window height, width. Every op overwrites its output (see cpu/conv.hpp).
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>

#include "mantissa/core/checks.hpp"
#include "mantissa/core/cpu/conv.hpp"
#include "mantissa/core/error.hpp"

namespace mantissa {

// Padding as Keras and TensorFlow name it: `valid` (windows stay inside the image) or `same`
// (zero padding so that OH = ceil(H / stride)); written mt::same, mt::valid.
enum class Padding { valid, same };
inline constexpr Padding valid = Padding::valid;
inline constexpr Padding same = Padding::same;

inline const char* to_string(Padding p) { return p == Padding::same ? "same" : "valid"; }

// A (height, width) pair given as one number (3: a 3 x 3 kernel) or two ({3, 5}).
struct Size2D {
  std::int64_t h, w;
  constexpr Size2D(std::int64_t s) : h(s), w(s) {}  // NOLINT(google-explicit-constructor)
  constexpr Size2D(std::int64_t height, std::int64_t width) : h(height), w(width) {}
  friend constexpr bool operator==(const Size2D&, const Size2D&) = default;
  std::string str() const {  // "(3, 5)"; appended piecewise: GCC 12's -Wrestrict misfires on
    std::string s = "(";     // "(" + std::to_string(h) (GCC bug 105329)
    s += std::to_string(h);
    s += ", ";
    s += std::to_string(w);
    return s += ")";
  }
};

// TensorFlow's padding on one axis of size `in` for window k and stride s: `same` pads
// total = max((ceil(in / s) - 1) * s + k - in, 0), the smaller half before (top / left) and
// the extra one after; `valid` pads nothing. Returns the output size (0 when a `valid` window
// does not fit) and writes the padding before the image.
constexpr std::int64_t window_output(std::int64_t in, std::int64_t k, std::int64_t s,
                                     Padding p, std::int64_t* pad_before) {
  if (p == Padding::valid) {
    *pad_before = 0;
    return in >= k ? (in - k) / s + 1 : 0;
  }
  const std::int64_t out = (in + s - 1) / s;
  const std::int64_t total = std::max<std::int64_t>((out - 1) * s + k - in, 0);
  *pad_before = total / 2;
  return out;
}

// The window of a kernel or pool over an (n, h, w, c) batch. requires: kernel and strides
// >= 1, and under `valid` the kernel fits (h >= kernel.h, w >= kernel.w); layers check these
// in build() with messages of their own, ops check the result again.
constexpr cpu::Window2D window_2d(std::int64_t n, std::int64_t h, std::int64_t w, std::int64_t c,
                                  Size2D kernel, Size2D strides, Padding padding) {
  cpu::Window2D g{n, h, w, c, kernel.h, kernel.w, strides.h, strides.w, 0, 0, 0, 0};
  g.oh = window_output(h, kernel.h, strides.h, padding, &g.pad_top);
  g.ow = window_output(w, kernel.w, strides.w, padding, &g.pad_left);
  return g;
}

namespace detail {

// A window every kernel can trust: positive sizes, padding below the window, and every
// window holding at least one real position (so a max always exists).
inline void check_window(const char* op, const cpu::Window2D& g) {
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

inline Shape window_input_shape(const cpu::Window2D& g) { return Shape{g.n, g.h, g.w, g.c}; }
inline Shape window_output_shape(const cpu::Window2D& g) { return Shape{g.n, g.oh, g.ow, g.c}; }
inline Shape window_cols_shape(const cpu::Window2D& g) {
  return Shape{g.n * g.oh * g.ow, g.kh * g.kw * g.c};
}

// argmax is a flat int32 index within one sample's (H, W, C) block.
inline void check_argmax_range(const char* op, const cpu::Window2D& g) {
  if (g.h * g.w * g.c > std::numeric_limits<std::int32_t>::max())
    throw ShapeError(std::string(op) + ": a sample of " + std::to_string(g.h * g.w * g.c) +
                     " elements is too large for int32 argmax indices");
}

}  // namespace detail

namespace ops {

// ---- im2col and col2im, side by side ------------------------------------------------------

// cols (N*OH*OW, KH*KW*C) = the taps of every window of x (N, H, W, C), zero where padded.
template <TensorLike Cols, TensorLike X>
void im2col(Cols&& cols, const X& x, const cpu::Window2D& g) {
  detail::require_same_dtype_and_device<Cols, X>();
  detail::require_float_dtype<X>();
  detail::require_cpu<device_of<X>>();
  if constexpr (detail::compatible<Cols, X> && FloatDtype<dtype_of<X>>) {
    detail::check_window("im2col", g);
    detail::check_window_shape("im2col", "x", x.shape(), detail::window_input_shape(g));
    detail::check_window_shape("im2col", "cols", cols.shape(), detail::window_cols_shape(g));
    cpu::im2col(cols.view().data(), x.data(), g);
  }
}

// dx (N, H, W, C) = col2im(dcols): each element sums every tap that read it. Overwrites dx.
template <TensorLike DX, TensorLike DCols>
void col2im(DX&& dx, const DCols& dcols, const cpu::Window2D& g) {
  detail::require_same_dtype_and_device<DX, DCols>();
  detail::require_float_dtype<DCols>();
  detail::require_cpu<device_of<DCols>>();
  if constexpr (detail::compatible<DX, DCols> && FloatDtype<dtype_of<DCols>>) {
    detail::check_window("col2im", g);
    detail::check_window_shape("col2im", "dcols", dcols.shape(), detail::window_cols_shape(g));
    detail::check_window_shape("col2im", "dx", dx.shape(), detail::window_input_shape(g));
    cpu::col2im(dx.view().data(), dcols.data(), g);
  }
}

// ---- max pooling, forward and backward side by side -------------------------------------

// y (N, OH, OW, C) = the max of each window; argmax (N, OH, OW, C) int32 receives the
// winners for backward, or is empty (inference: nothing saved).
template <TensorLike Y, TensorLike I, TensorLike X>
void maxpool2d(Y&& y, I&& argmax, const X& x, const cpu::Window2D& g) {
  detail::require_same_dtype_and_device<Y, X>();
  static_assert(same_dtype<dtype_of<I>, std::int32_t>,
                "mantissa::ops::maxpool2d: argmax indices are std::int32_t (note below)");
  detail::require_float_dtype<X>();
  detail::require_cpu<device_of<X>>();
  if constexpr (detail::compatible<Y, X> && FloatDtype<dtype_of<X>>) {
    detail::check_window("maxpool2d", g);
    detail::check_argmax_range("maxpool2d", g);
    detail::check_window_shape("maxpool2d", "x", x.shape(), detail::window_input_shape(g));
    detail::check_window_shape("maxpool2d", "y", y.shape(), detail::window_output_shape(g));
    if (!argmax.empty())
      detail::check_window_shape("maxpool2d", "argmax", argmax.shape(),
                                 detail::window_output_shape(g));
    cpu::maxpool_forward(y.view().data(), argmax.empty() ? nullptr : argmax.view().data(),
                         x.data(), g);
  }
}

// dx (N, H, W, C) = dy routed back to the argmax positions (summed where windows overlap).
// Overwrites dx.
template <TensorLike DX, TensorLike DY, TensorLike I>
void maxpool2d_backward(DX&& dx, const DY& dy, const I& argmax, const cpu::Window2D& g) {
  detail::require_same_dtype_and_device<DX, DY>();
  static_assert(same_dtype<dtype_of<I>, std::int32_t>,
                "mantissa::ops::maxpool2d_backward: argmax indices are std::int32_t (note "
                "below)");
  detail::require_float_dtype<DY>();
  detail::require_cpu<device_of<DY>>();
  if constexpr (detail::compatible<DX, DY> && FloatDtype<dtype_of<DY>>) {
    detail::check_window("maxpool2d_backward", g);
    detail::check_argmax_range("maxpool2d_backward", g);
    detail::check_window_shape("maxpool2d_backward", "dy", dy.shape(),
                               detail::window_output_shape(g));
    detail::check_window_shape("maxpool2d_backward", "argmax", argmax.shape(),
                               detail::window_output_shape(g));
    detail::check_window_shape("maxpool2d_backward", "dx", dx.shape(),
                               detail::window_input_shape(g));
    cpu::maxpool_backward(dx.view().data(), dy.data(), argmax.data(), g);
  }
}

}  // namespace ops
}  // namespace mantissa
