// mantissa/layers/flatten.hpp: Flatten: (N, d1, d2, ...) -> (N, d1 * d2 * ...).
// Row-major storage already is the flattened order, so forward and backward are copies.
#pragma once

#include "mantissa/layers/layer.hpp"

namespace mantissa {

template <Policy P, Device D>
class FlattenLayer;

// The spec users write: Flatten().
struct Flatten : MakesLayer<Flatten, FlattenLayer> {};

template <Policy P, Device D>
class FlattenLayer final : public Layer<P, D> {
  using View = TensorView<typename P::compute, D>;
  using CView = TensorView<const typename P::compute, D>;

 public:
  explicit FlattenLayer(Flatten) {}

  std::string_view kind() const override { return "Flatten"; }
  Shape build(const Shape& input, Generator&) override { return Shape{input.numel()}; }
  void forward(Context<D>&, View y, CView x, Mode) override {
    copy_bytes<D, D>(y.data(), x.data(), x.size_bytes());
  }
  void backward(Context<D>&, View dx, CView dy, CView, CView, Accumulate) override {
    if (!dx.empty()) copy_bytes<D, D>(dx.data(), dy.data(), dy.size_bytes());
  }
};

}  // namespace mantissa
