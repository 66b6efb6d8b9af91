// mantissa/optim/sgd.hpp: stochastic gradient descent with momentum, Nesterov momentum and
// L2 weight decay, as torch.optim.SGD (dampening 0).
//
//   SGD opt(model, {.lr = 0.1f, .momentum = 0.9f, .nesterov = true});
//   auto outcome = opt.step(std::move(grads));
#pragma once

#include "mantissa/layers/sequential.hpp"
#include "mantissa/optim/optimizer.hpp"

namespace mantissa {

struct SgdOptions {
  float lr = 0.01f;
  float momentum = 0.0f;
  bool nesterov = false;
  float weight_decay = 0.0f;
  std::optional<LrSchedule> schedule = std::nullopt;
};

template <Policy P, Device D>
class SGD : public OptimizerBase<P, D, SGD<P, D>> {
  using Base = OptimizerBase<P, D, SGD<P, D>>;
  friend Base;

 public:
  template <class Model>
    requires requires(Model& m) { m.trainables(); }
  SGD(Model& model, SgdOptions o = {})
      : Base(Base::trainables_of(model), o.lr, o.schedule, "SGD"), o_(o) {
    using detail::Range;
    detail::check_hyperparameter("SGD", "momentum", o.momentum, Range::unit);
    detail::check_hyperparameter("SGD", "weight_decay", o.weight_decay, Range::non_negative);
    if (o.nesterov && o.momentum <= 0.0f)
      throw ValueError("SGD: Nesterov momentum needs momentum > 0");
    if (o.momentum != 0.0f && this->t_)
      velocity_ = Tensor<float, D>(Shape{this->t_->arena.size()});
  }

  // The momentum buffers, one view per parameter (empty without momentum).
  std::vector<TensorView<float, D>> velocity() {
    return velocity_.empty() ? std::vector<TensorView<float, D>>{} : this->views_of(velocity_);
  }

  // Optimizer state for checkpoints: "<param>/momentum" per parameter.
  std::vector<std::pair<std::string, TensorView<float, D>>> state_tensors() {
    std::vector<std::pair<std::string, TensorView<float, D>>> s;
    const auto v = velocity();
    for (std::size_t i = 0; i < v.size(); ++i)
      s.emplace_back(this->t_->params[i]->name + "/momentum", v[i]);
    return s;
  }

 private:
  // One fused pass over the arenas: master weights, momentum and compute copies.
  void apply(float lr, std::int64_t) {
    auto& arena = this->t_->arena;
    ops::sgd_update(this->context(), arena.master(), arena.grad(), velocity_.view(),
                    arena.compute(), SgdParams{lr, o_.momentum, o_.weight_decay, o_.nesterov});
  }

  SgdOptions o_;
  Tensor<float, D> velocity_;  // (arena), float32; empty: no momentum
};

template <Policy P, Device D>
SGD(Sequential<P, D>&, SgdOptions) -> SGD<P, D>;
template <Policy P, Device D>
SGD(Sequential<P, D>&) -> SGD<P, D>;

}  // namespace mantissa
