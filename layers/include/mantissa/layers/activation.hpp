// mantissa/layers/activation.hpp: ReLU, Sigmoid, Tanh and Softmax layers.
//
// Shape-preserving: y has x's shape. Computed in float32 and rounded once into the compute
// dtype; backward uses the forward output y (relu: y > 0, sigmoid: y (1 - y),
// tanh: 1 - y^2, softmax: y (dy - <dy, y>)), so nothing extra is saved.
#pragma once

#include "mantissa/layers/layer.hpp"

namespace mantissa {

enum class ActivationKind { relu, sigmoid, tanh, softmax };

template <Policy P, Device D>
class ActivationLayer final : public Layer<P, D> {
 public:
  using typename Layer<P, D>::View;
  using typename Layer<P, D>::CView;

  explicit ActivationLayer(ActivationKind k) : kind_(k) {}

  std::string_view kind() const override {
    switch (kind_) {
      case ActivationKind::relu: return "ReLU";
      case ActivationKind::sigmoid: return "Sigmoid";
      case ActivationKind::tanh: return "Tanh";
      case ActivationKind::softmax: return "Softmax";
    }
    return "Activation";
  }

  Shape build(const Shape& input, Generator&) override {
    if (kind_ == ActivationKind::softmax && input.rank() < 1)
      throw ShapeError("got input shape " + input.str() +
                       " but needs at least one axis to normalise over");
    return input;
  }

  void forward(View y, CView x, Mode) override {
    switch (kind_) {
      case ActivationKind::relu: ops::unary(cpu::UnaryOp::relu, y, x); break;
      case ActivationKind::sigmoid: ops::unary(cpu::UnaryOp::sigmoid, y, x); break;
      case ActivationKind::tanh: ops::unary(cpu::UnaryOp::tanh, y, x); break;
      case ActivationKind::softmax: ops::softmax(y, x); break;
    }
  }

  void backward(View dx, CView dy, CView, CView y, Accumulate) override {
    if (dx.empty()) return;
    switch (kind_) {
      case ActivationKind::relu: ops::activation_backward(cpu::Activation::relu, dx, dy, y); break;
      case ActivationKind::sigmoid:
        ops::activation_backward(cpu::Activation::sigmoid, dx, dy, y);
        break;
      case ActivationKind::tanh: ops::activation_backward(cpu::Activation::tanh, dx, dy, y); break;
      case ActivationKind::softmax: ops::softmax_backward(dx, dy, y); break;
    }
  }

 private:
  ActivationKind kind_;
};

// The specs users write: ReLU(), Sigmoid(), Tanh(), Softmax().
template <ActivationKind K>
struct ActivationSpec {
  template <class P, class D>
  std::unique_ptr<Layer<P, D>> make() const {
    return std::make_unique<ActivationLayer<P, D>>(K);
  }
};
using ReLU = ActivationSpec<ActivationKind::relu>;
using Sigmoid = ActivationSpec<ActivationKind::sigmoid>;
using Tanh = ActivationSpec<ActivationKind::tanh>;
using Softmax = ActivationSpec<ActivationKind::softmax>;

}  // namespace mantissa
