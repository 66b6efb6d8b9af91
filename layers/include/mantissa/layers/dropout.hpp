// mantissa/layers/dropout.hpp: Dropout(rate, seed): inverted dropout in training, identity in
// inference. The mask is never stored: it is regenerated in backward from the counter-based
// generator's (seed, offset) of the forward pass, so the layer allocates nothing.
#pragma once

#include <string>

#include "mantissa/layers/layer.hpp"

namespace mantissa {

template <Policy P, Device D>
class DropoutLayer;

// The spec users write: Dropout(0.25f), Dropout(0.5f, /*seed*/ 7).
struct Dropout : MakesLayer<Dropout, DropoutLayer> {
  float rate;
  std::uint64_t seed = 0;
  explicit Dropout(float r, std::uint64_t s = 0) : rate(r), seed(s) {}
};

template <Policy P, Device D>
class DropoutLayer final : public Layer<P, D> {
 public:
  using typename Layer<P, D>::View;
  using typename Layer<P, D>::CView;

  explicit DropoutLayer(Dropout spec) : rate_(spec.rate), gen_(spec.seed) {
    if (!(rate_ >= 0.0f && rate_ < 1.0f))
      throw ShapeError("Dropout: rate must be in [0, 1), got " + std::to_string(rate_));
  }
  DropoutLayer(float rate, std::uint64_t seed) : DropoutLayer(Dropout(rate, seed)) {}

  std::string_view kind() const override { return "Dropout"; }
  bool depends_on_mode() const override { return true; }
  Shape build(const Shape& input, Generator&) override { return input; }

  void forward(Context<D>& ctx, View y, CView x, Mode mode) override {
    if (mode == Mode::infer || rate_ == 0.0f) {
      copy_bytes<D, D>(y.data(), x.data(), x.size_bytes());
      training_mask_ = false;
      return;
    }
    offset_ = gen_.take(static_cast<std::uint64_t>(x.numel()));
    training_mask_ = true;
    ops::dropout(ctx, y, x, rate_, gen_.seed(), offset_);
  }

  void backward(Context<D>& ctx, View dx, CView dy, CView, CView, Accumulate) override {
    if (dx.empty()) return;
    if (!training_mask_) copy_bytes<D, D>(dx.data(), dy.data(), dy.size_bytes());
    else ops::dropout(ctx, dx, dy, rate_, gen_.seed(), offset_);  // the same mask, regenerated
  }

  const Generator& generator() const noexcept { return gen_; }
  std::vector<std::pair<std::string, Generator*>> generators() override { return {{"rng", &gen_}}; }

 private:
  float rate_;
  Generator gen_;
  std::uint64_t offset_ = 0;
  bool training_mask_ = false;
};

}  // namespace mantissa
