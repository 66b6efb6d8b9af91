// mantissa/core/vocabulary.hpp: the words ops are spoken in, shared by every layer above and
// every backend below: elementwise operators, activations, product options and the
// geometry of a sliding window. Nothing here belongs to a device.
//
// Letters: N batch; H, W, C input height, width, channels; OH, OW output height, width;
// KH, KW window (kernel or pool) height, width.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>

namespace mantissa {

// Training or inference: Dropout and BatchNorm behave differently, and a training forward
// saves what its backward needs.
enum class Mode { train, infer };

// Whether a backward overwrites parameter gradients (a fresh step) or adds to them (gradient
// accumulation over micro-batches). A parameter of backward, never a convention.
enum class Accumulate { overwrite, add };

// a op b, elementwise; with a scalar, a op s (or s op a: matters for sub and div). div is
// IEEE division in float32: x / 0 is +-inf, 0 / 0 and inf / inf are NaN, as NumPy and PyTorch.
enum class BinaryOp { add, sub, mul, div };

// The activations, as functions of x with derivatives written from their output y, so that
// backward needs nothing but y:
//   relu    max(x, 0)                   dy * (y > 0)
//   sigmoid 1 / (1 + e^-x)              dy * y (1 - y)
//   tanh    tanh x                      dy * (1 - y^2)
//   exp     e^x                         dy * y
//   log     ln x                        dy * e^-y          (= dy / x)
//   softmax e^x / sum e^x (last axis)   y * (dy - <dy, y>)
// Computed in float32 and rounded once into the tensor's dtype.
enum class Activation { relu, sigmoid, tanh, exp, log, softmax };

// Keras's layer names ("ReLU", ...).
constexpr const char* activation_name(Activation a) {
  switch (a) {
    case Activation::relu: return "ReLU";
    case Activation::sigmoid: return "Sigmoid";
    case Activation::tanh: return "Tanh";
    case Activation::exp: return "Exp";
    case Activation::log: return "Log";
    case Activation::softmax: return "Softmax";
  }
  return "Activation";
}

// c = alpha op(a) op(b) + beta c, op(x) = x or its transpose. beta == 0 overwrites c without
// reading it; beta == 1 accumulates.
struct GemmOptions {
  bool trans_a = false;
  bool trans_b = false;
  float alpha = 1.0f;
  float beta = 0.0f;
};

// Optimizer hyperparameters as the fused update kernels take them (PyTorch's semantics).
struct SgdParams {
  float lr, momentum, weight_decay;
  bool nesterov;
};
struct AdamParams {
  float lr, beta1, beta2, eps, weight_decay;
  bool decoupled;     // AdamW: w -= lr wd w before the Adam step; Adam: g += wd w
  std::int64_t step;  // 1-based, for the bias corrections 1 - beta^step
};

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

// A KH x KW window sliding over the (H, W) axes of an (N, H, W, C) batch. Output pixel
// (oh, ow) reads input rows oh * sh - pad_top + [0, KH) and columns ow * sw - pad_left +
// [0, KW); positions outside [0, H) x [0, W) are padding (the padding after the image is
// whatever OH, OW imply). Built by window_2d, which guarantees that every window holds at
// least one real position.
struct Window2D {
  std::int64_t n, h, w, c;         // input (N, H, W, C)
  std::int64_t kh, kw;             // window height, width
  std::int64_t sh, sw;             // strides
  std::int64_t pad_top, pad_left;  // zero rows / columns before the image
  std::int64_t oh, ow;             // output height, width

  constexpr Window2D with_batch(std::int64_t batch) const {
    Window2D g = *this;
    g.n = batch;
    return g;
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
constexpr Window2D window_2d(std::int64_t n, std::int64_t h, std::int64_t w, std::int64_t c,
                             Size2D kernel, Size2D strides, Padding padding) {
  Window2D g{n, h, w, c, kernel.h, kernel.w, strides.h, strides.w, 0, 0, 0, 0};
  g.oh = window_output(h, kernel.h, strides.h, padding, &g.pad_top);
  g.ow = window_output(w, kernel.w, strides.w, padding, &g.pad_left);
  return g;
}

}  // namespace mantissa
