// mantissa/layers/impl/conv2d.ipp: Conv2D's definitions on the ops, for any device. Included
// only where a device's layers are instantiated (see impl/sequential.ipp).
#pragma once

#include <algorithm>
#include <string>

#include "mantissa/layers/conv2d.hpp"

namespace mantissa {

// ---- construction ---------------------------------------------------------------------------

template <Policy P, Device D>
Conv2DLayer<P, D>::Conv2DLayer(Conv2D spec) : spec_(spec) {
  if (spec.filters < 1)
    throw ShapeError("Conv2D: filters must be at least 1, got " + std::to_string(spec.filters));
  detail::check_spec_size("Conv2D", "the kernel size", spec.kernel);
  detail::check_spec_size("Conv2D", "strides", spec.options.strides);
}

template <Policy P, Device D>
Shape Conv2DLayer<P, D>::build(const Shape& input, Generator& gen) {
  detail::check_image_input(input);
  detail::check_window_fits(input, "kernel", spec_.kernel, spec_.padding);
  const std::int64_t c = input[2], f = spec_.filters, taps = spec_.kernel.h * spec_.kernel.w;
  const auto g = window_2d(1, input[0], input[1], c, spec_.kernel, spec_.options.strides,
                           spec_.padding);
  conv_ = ops::Conv2d<T, D>(g, f);  // a rebuilt layer may have another geometry

  const Shape kernel{spec_.kernel.h, spec_.kernel.w, c, f};  // (KH, KW, C, F)
  kernel_ = std::make_unique<Parameter<P, D>>("kernel", kernel);
  initialise(kernel_->master, spec_.options.init, taps * c, taps * f, gen);
  kernel_->refresh_compute();
  bias_.reset();
  if (spec_.options.bias) bias_ = std::make_unique<Parameter<P, D>>("bias", Shape{f});
  return Shape{g.oh, g.ow, f};
}

template <Policy P, Device D>
void Conv2DLayer<P, D>::reserve(Context<D>& ctx, std::int64_t max_batch) {
  conv_.reserve(ctx, max_batch);
}

template <Policy P, Device D>
std::vector<Parameter<P, D>*> Conv2DLayer<P, D>::parameters() {
  std::vector<Parameter<P, D>*> ps{kernel_.get()};
  if (bias_) ps.push_back(bias_.get());
  return ps;
}

// ---- forward and backward -----------------------------------------------------------------

template <Policy P, Device D>
void Conv2DLayer<P, D>::forward(Context<D>& ctx, View y, CView x, Mode mode) {
  conv_.forward(ctx, y, x, kernel_->value(), mode);
  if (bias_) ops::bias_add(ctx, y, bias_->value());
}

template <Policy P, Device D>
void Conv2DLayer<P, D>::backward(Context<D>& ctx, View dx, CView dy, CView x, CView,
                                 Accumulate acc) {
  conv_.backward(ctx, dx, kernel_->grad, dy, x, kernel_->value(), acc);
  if (bias_) ops::bias_grad(ctx, bias_->grad, dy, acc);
}

template <Policy P, Device D>
void Conv2DLayer<P, D>::forward_activated(Context<D>& ctx, View y, CView x, Mode mode,
                                          Activation f) {
  conv_.forward(ctx, y, x, kernel_->value(), mode);
  if (bias_) ops::bias_activation(ctx, f, y, bias_->value());
  else ops::activation(ctx, f, y, y);
}

template <Policy P, Device D>
void Conv2DLayer<P, D>::backward_activated(Context<D>& ctx, View dx, View dz, CView dy, CView x,
                                           CView y, Activation f, Accumulate acc) {
  if (bias_) ops::activation_backward_bias_grad(ctx, f, dz, dy, y, bias_->grad, acc);
  else ops::activation_backward(ctx, f, dz, dy, y);
  conv_.backward(ctx, dx, kernel_->grad, dz, x, kernel_->value(), acc);
}

}  // namespace mantissa
