// mantissa/layers/flatten.hpp: Flatten: (N, d1, d2, ...) -> (N, d1 * d2 * ...).
// Row-major storage already is the flattened order, so forward and backward are copies.
#pragma once

#include "mantissa/layers/layer.hpp"

namespace mantissa {

template <Policy P, Device D>
class FlattenLayer final : public Layer<P, D> {
 public:
  using typename Layer<P, D>::View;
  using typename Layer<P, D>::CView;

  std::string_view kind() const override { return "Flatten"; }
  Shape build(const Shape& input, Generator&) override { return Shape{input.numel()}; }
  void forward(Context<D>&, View y, CView x, Mode) override {
    copy_bytes<D, D>(y.data(), x.data(), x.size_bytes());
  }
  void backward(Context<D>&, View dx, CView dy, CView, CView, Accumulate) override {
    if (!dx.empty()) copy_bytes<D, D>(dx.data(), dy.data(), dy.size_bytes());
  }
};

struct Flatten {
  template <class P, class D>
  std::unique_ptr<Layer<P, D>> make() const {
    return std::make_unique<FlattenLayer<P, D>>();
  }
};

}  // namespace mantissa
