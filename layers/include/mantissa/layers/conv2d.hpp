// mantissa/layers/conv2d.hpp: Conv2D, a 2-D convolution on NHWC images, as one GEMM.
//
// Letters: N batch; H, W, C input height, width, channels; OH, OW output height, width;
// KH, KW kernel height, width; F filters; K = KH * KW * C.
//   x (N, H, W, C)  ->  y (N, OH, OW, F);   kernel W (KH, KW, C, F) (Keras's layout), bias (F,)
//
//   forward:   y = conv(x, W) + b          backward:  dW (float32), db = sum of dy, dx
// How the convolution runs is the device's (ops::Conv2d: im2col + GEMM on the CPU, cuDNN on
// a GPU). `same` padding is TensorFlow's (the extra row / column goes after the image), so
// weights trained in Keras give the same outputs.
#pragma once

#include "mantissa/layers/init.hpp"
#include "mantissa/layers/layer.hpp"

namespace mantissa {

template <Policy P, Device D>
class Conv2DLayer;

namespace detail {
// The build() checks Conv2D and MaxPool2D share; ShapeError in the style of every layer
// ("got input shape ... but needs ..."); Sequential prefixes the layer's index and name.
void check_image_input(const Shape& input);
// `window` ("kernel" or "pool") of size k must fit a `valid` input.
void check_window_fits(const Shape& input, const char* window, Size2D k, Padding padding);
// Spec values (filters, kernel, strides) must be at least 1.
void check_spec_size(const char* layer, const char* what, Size2D v);
}  // namespace detail

struct Conv2DOptions {
  Size2D strides = 1;
  bool bias = true;
  Init init = Init::glorot_uniform;  // fan_in = KH*KW*C, fan_out = KH*KW*F, as Keras
};

// The spec users write: Conv2D(32, 3, same), Conv2D(64, {3, 5}, valid, {.strides = 2}),
// Conv2D(16, 1, {.bias = false}).
struct Conv2D : MakesLayer<Conv2D, Conv2DLayer> {
  std::int64_t filters;
  Size2D kernel;
  Padding padding;
  Conv2DOptions options;

  explicit Conv2D(std::int64_t f, Size2D k, Padding p = valid, Conv2DOptions o = {})
      : filters(f), kernel(k), padding(p), options(o) {}
  explicit Conv2D(std::int64_t f, Size2D k, Conv2DOptions o) : Conv2D(f, k, valid, o) {}
};

template <Policy P, Device D>
class Conv2DLayer final : public Layer<P, D> {
 public:
  using T = typename P::compute;
  using typename Layer<P, D>::View;
  using typename Layer<P, D>::CView;

  explicit Conv2DLayer(Conv2D spec);

  std::string_view kind() const override { return "Conv2D"; }
  Shape build(const Shape& input, Generator& gen) override;
  void reserve(Context<D>& ctx, std::int64_t max_batch) override;
  std::vector<Parameter<P, D>*> parameters() override;

  void forward(Context<D>& ctx, View y, CView x, Mode mode) override;
  void backward(Context<D>& ctx, View dx, CView dy, CView x, CView y, Accumulate acc) override;

  // Any elementwise activation: the bias and f in one pass over the output, and in backward
  // f' and the bias gradient in one pass over it (ops::bias_activation and
  // ops::activation_backward_bias_grad).
  bool fuses(Activation f) const override { return f != Activation::softmax; }
  void forward_activated(Context<D>& ctx, View y, CView x, Mode mode, Activation f) override;
  void backward_activated(Context<D>& ctx, View dx, View dz, CView dy, CView x, CView y,
                          Activation f, Accumulate acc) override;

  // The window over one sample (n = 1), from build(): padding and output size.
  const Window2D& window() const noexcept { return conv_.window(); }

 private:
  Conv2D spec_;
  ops::Conv2d<T, D> conv_;                   // the geometry and the device's algorithm state
  std::unique_ptr<Parameter<P, D>> kernel_;  // (KH, KW, C, F)
  std::unique_ptr<Parameter<P, D>> bias_;    // (F,), absent when spec_.options.bias is false
};

}  // namespace mantissa
