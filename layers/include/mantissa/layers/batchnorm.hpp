// mantissa/layers/batchnorm.hpp: BatchNorm over the last axis (channels in NHWC, features in
// (N, F)). Statistics, gamma and beta are float32 whatever the policy: this is the op that
// breaks in float16 elsewhere (variance of large activations overflows 65504), so here its
// precision is in its types. Defaults as Keras: momentum 0.99, epsilon 1e-3.
#pragma once

#include "mantissa/layers/layer.hpp"

namespace mantissa {

template <Policy P, Device D>
class BatchNormLayer;

// The spec users write: BatchNorm(), BatchNorm{.momentum = 0.9f}.
struct BatchNorm : MakesLayer<BatchNorm, BatchNormLayer> {
  float momentum = 0.99f;
  float epsilon = 1e-3f;
};

template <Policy P, Device D>
class BatchNormLayer final : public Layer<P, D> {
 public:
  using typename Layer<P, D>::View;
  using typename Layer<P, D>::CView;

  explicit BatchNormLayer(BatchNorm spec) : momentum_(spec.momentum), epsilon_(spec.epsilon) {}
  BatchNormLayer(float momentum, float epsilon) : momentum_(momentum), epsilon_(epsilon) {}

  std::string_view kind() const override { return "BatchNorm"; }
  bool depends_on_mode() const override { return true; }

  Shape build(const Shape& input, Generator&) override {
    if (input.rank() < 1) throw ShapeError("got a rank-0 input but needs a channel axis");
    const Shape c{input[-1]};
    gamma_ = std::make_unique<Parameter<P, D>>("gamma", c);
    beta_ = std::make_unique<Parameter<P, D>>("beta", c);
    ops::fill(default_context<D>(), gamma_->master, 1.0f);
    gamma_->refresh_compute();
    mean_ = Tensor<float, D>(c);
    inv_std_ = Tensor<float, D>(c);
    running_mean_ = Tensor<float, D>(c);
    running_var_ = full<float, D>(c, 1.0f);
    return input;
  }

  std::vector<Parameter<P, D>*> parameters() override { return {gamma_.get(), beta_.get()}; }
  std::vector<std::pair<std::string, Tensor<float, D>*>> buffers() override {
    return {{"running_mean", &running_mean_}, {"running_var", &running_var_}};
  }

  void forward(Context<D>& ctx, View y, CView x, Mode mode) override {
    ops::batchnorm_forward(ctx, y, x, state(), mode);
  }

  void backward(Context<D>& ctx, View dx, CView dy, CView x, CView, Accumulate acc) override {
    ops::batchnorm_backward(ctx, dx, gamma_->grad, beta_->grad, dy, x, state(), acc);
  }

  // The running statistics: inference state, saved in checkpoints.
  const Tensor<float, D>& running_mean() const noexcept { return running_mean_; }
  const Tensor<float, D>& running_var() const noexcept { return running_var_; }

 private:
  ops::BatchNormState<D> state() {
    return {gamma_->master, beta_->master, mean_.view(), inv_std_.view(),
            running_mean_.view(), running_var_.view(), momentum_, epsilon_};
  }

  float momentum_, epsilon_;
  std::unique_ptr<Parameter<P, D>> gamma_, beta_;  // (C) float32 masters, used directly
  Tensor<float, D> mean_, inv_std_;                // (C) of the last training batch
  Tensor<float, D> running_mean_, running_var_;    // (C)
};

}  // namespace mantissa
