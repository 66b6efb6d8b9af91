// mantissa/layers/impl/dense.ipp: Dense forward and backward on the ops, for any device.
// Included only where a device's layers are instantiated (see impl/sequential.ipp).
#pragma once

#include <string>

#include "mantissa/layers/dense.hpp"

namespace mantissa {

template <Policy P, Device D>
DenseLayer<P, D>::DenseLayer(Dense spec) : spec_(spec) {}

template <Policy P, Device D>
Shape DenseLayer<P, D>::build(const Shape& input, Generator& gen) {
  if (spec_.units < 1)
    throw ShapeError("units must be at least 1, got " + std::to_string(spec_.units));
  if (input.rank() != 1)
    throw ShapeError("got input shape " + input.str() +
                     " but needs a 1-D input (features,) per sample; add Flatten() before it");
  const std::int64_t in = input[0], units = spec_.units;
  kernel_ = std::make_unique<Parameter<P, D>>("kernel", Shape{in, units});
  initialise(kernel_->master, spec_.options.init, in, units, gen);
  kernel_->refresh_compute();
  if (spec_.options.bias) bias_ = std::make_unique<Parameter<P, D>>("bias", Shape{units});
  return Shape{units};
}

template <Policy P, Device D>
std::vector<Parameter<P, D>*> DenseLayer<P, D>::parameters() {
  std::vector<Parameter<P, D>*> ps{kernel_.get()};
  if (bias_) ps.push_back(bias_.get());
  return ps;
}

// ---- forward and backward -----------------------------------------------------------------

template <Policy P, Device D>
void DenseLayer<P, D>::forward(Context<D>& ctx, View y, CView x, Mode) {
  ops::gemm(ctx, y, x, kernel_->value());  // y (N, U) = x (N, I) W (I, U)
  if (bias_) ops::bias_add(ctx, y, bias_->value());
}

template <Policy P, Device D>
void DenseLayer<P, D>::backward(Context<D>& ctx, View dx, CView dy, CView x, CView,
                                Accumulate acc) {
  if (bias_) ops::bias_grad(ctx, bias_->grad, dy, acc);
  backward_products(ctx, dx, dy, x, acc);
}

template <Policy P, Device D>
void DenseLayer<P, D>::backward_products(Context<D>& ctx, View dx, CView dy, CView x,
                                         Accumulate acc) {
  const float beta = acc == Accumulate::add ? 1.0f : 0.0f;
  // dW (I, U) = x^T (I, N) dy (N, U), written straight into the float32 gradient.
  ops::gemm(ctx, kernel_->grad, x, dy, {.trans_a = true, .beta = beta});
  // dx (N, I) = dy (N, U) W^T (U, I)
  if (!dx.empty()) ops::gemm(ctx, dx, dy, kernel_->value(), {.trans_b = true});
}

template <Policy P, Device D>
void DenseLayer<P, D>::forward_activated(Context<D>& ctx, View y, CView x, Mode mode,
                                         Activation f) {
  (void)mode;
  ops::gemm(ctx, y, x, kernel_->value());
  if (bias_) ops::bias_activation(ctx, f, y, bias_->value());
  else ops::activation(ctx, f, y, y);
}

template <Policy P, Device D>
void DenseLayer<P, D>::backward_activated(Context<D>& ctx, View dx, View dz, CView dy, CView x,
                                          CView y, Activation f, Accumulate acc) {
  if (bias_) ops::activation_backward_bias_grad(ctx, f, dz, dy, y, bias_->grad, acc);
  else ops::activation_backward(ctx, f, dz, dy, y);
  backward_products(ctx, dx, dz, x, acc);
}

}  // namespace mantissa
