// mantissa/layers/activation.hpp: ReLU, Sigmoid, Tanh and Softmax layers.
//
// Shape-preserving: y has x's shape. Computed in float32 and rounded once into the compute
// dtype; backward uses the forward output y (see Activation in core/vocabulary.hpp), so
// nothing extra is saved.
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "mantissa/layers/layer.hpp"

namespace mantissa {

template <Policy P, Device D>
class ActivationLayer;

// The specs users write: ReLU(), Sigmoid(), Tanh(), Softmax().
template <Activation F>
struct ActivationSpec : MakesLayer<ActivationSpec<F>, ActivationLayer> {
  static constexpr Activation function = F;
};
using ReLU = ActivationSpec<Activation::relu>;
using Sigmoid = ActivationSpec<Activation::sigmoid>;
using Tanh = ActivationSpec<Activation::tanh>;
using Softmax = ActivationSpec<Activation::softmax>;

template <Policy P, Device D>
class ActivationLayer final : public Layer<P, D> {
 public:
  using typename Layer<P, D>::View;
  using typename Layer<P, D>::CView;

  template <Activation F>
  explicit ActivationLayer(ActivationSpec<F>) : f_(F) {}

  std::string_view kind() const override { return activation_name(f_); }
  Activation function() const noexcept { return f_; }

  Shape build(const Shape& input, Generator&) override {
    if (f_ == Activation::softmax && input.rank() < 1)
      throw ShapeError("got input shape " + input.str() +
                       " but needs at least one axis to normalise over");
    return input;
  }

  void forward(Context<D>& ctx, View y, CView x, Mode) override { ops::activation(ctx, f_, y, x); }

  void backward(Context<D>& ctx, View dx, CView dy, CView, CView y, Accumulate) override {
    if (!dx.empty()) ops::activation_backward(ctx, f_, dx, dy, y);
  }

 private:
  Activation f_;
};

// The pairs Sequential fuses (Layer::fuses): result[i] is the elementwise activation that
// layer i applies itself for the ActivationLayer at i + 1, which then runs no pass of its own.
// An activation already taken in by the layer before it is never a fusing layer itself.
template <Policy P, Device D>
std::vector<std::optional<Activation>> fused_activations(
    const std::vector<std::unique_ptr<Layer<P, D>>>& layers) {
  std::vector<std::optional<Activation>> fused(layers.size());
  for (std::size_t i = 0; i + 1 < layers.size(); ++i) {
    const auto* act = dynamic_cast<const ActivationLayer<P, D>*>(layers[i + 1].get());
    const bool absorbed = i > 0 && fused[i - 1];
    if (act && !absorbed && act->function() != Activation::softmax &&
        layers[i]->fuses(act->function()))
      fused[i] = act->function();
  }
  return fused;
}

}  // namespace mantissa
