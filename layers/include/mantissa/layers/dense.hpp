// mantissa/layers/dense.hpp: Dense (fully connected): y = x W + b.
//
// Letters: N batch, I input features, U units.
//   x (N, I)  ->  y (N, U);   kernel W (I, U) (Keras's layout), bias b (U,)
// The input must be 1-D per sample: an image needs Flatten() first (a ShapeError says so).
#pragma once

#include "mantissa/layers/init.hpp"
#include "mantissa/layers/layer.hpp"

namespace mantissa {

template <Policy P, Device D>
class DenseLayer;

struct DenseOptions {
  bool bias = true;
  Init init = Init::glorot_uniform;
};

// The spec users write: Dense(128), Dense(10, {.bias = false, .init = Init::he_normal}).
struct Dense : MakesLayer<Dense, DenseLayer> {
  std::int64_t units;
  DenseOptions options;

  explicit Dense(std::int64_t u, DenseOptions o = {}) : units(u), options(o) {}
};

template <Policy P, Device D>
class DenseLayer final : public Layer<P, D> {
 public:
  using typename Layer<P, D>::View;
  using typename Layer<P, D>::CView;

  explicit DenseLayer(Dense spec);

  std::string_view kind() const override { return "Dense"; }
  Shape build(const Shape& input, Generator& gen) override;
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

 private:
  // dW (or += it) and dx from the gradient of the pre-activation output.
  void backward_products(Context<D>& ctx, View dx, CView dy, CView x, Accumulate acc);

  Dense spec_;
  std::unique_ptr<Parameter<P, D>> kernel_;  // (I, U)
  std::unique_ptr<Parameter<P, D>> bias_;    // (U,), absent when spec_.options.bias is false
};

}  // namespace mantissa
