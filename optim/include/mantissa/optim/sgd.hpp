// mantissa/optim/sgd.hpp: stochastic gradient descent with momentum, Nesterov momentum and
// L2 weight decay, as torch.optim.SGD (dampening 0).
//
//   SGD opt(model, {.lr = 0.1f, .momentum = 0.9f, .nesterov = true});
//   auto outcome = opt.step(grads);
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
  SGD(Sequential<P, D>& model, SgdOptions o = {})
      : Base(model.parameters(), o.lr, o.schedule), o_(o) {
    if (o.nesterov && o.momentum <= 0.0f)
      throw ValueError("SGD: Nesterov momentum needs momentum > 0");
    if (o.momentum != 0.0f)
      for (auto* p : this->params_) velocity_.emplace_back(p->shape());
  }

  // An optimizer of one policy cannot be built on a model of another.
  template <Policy Q>
    requires(!std::same_as<Q, P>)
  SGD(Sequential<Q, D>&, SgdOptions = {}) : Base({}, 1.0f, std::nullopt) {
    static_assert(same_policy<Q, P>,
                  "mantissa: the optimizer's policy differs from the model's (model first in "
                  "the note below); let the model choose: Adam opt(model, ...) deduces it");
  }

  const std::vector<Tensor<float, D>>& velocity() const noexcept { return velocity_; }
  std::vector<Tensor<float, D>>& velocity() noexcept { return velocity_; }

  // Optimizer state for checkpoints: "<param>/momentum" per parameter.
  std::vector<std::pair<std::string, Tensor<float, D>*>> state_tensors() {
    std::vector<std::pair<std::string, Tensor<float, D>*>> s;
    for (std::size_t i = 0; i < velocity_.size(); ++i)
      s.emplace_back(this->params_[i]->name + "/momentum", &velocity_[i]);
    return s;
  }

 private:
  // One fused update of every master weight, momentum buffer and compute copy.
  void apply(float lr, std::int64_t) {
    const cpu::SgdParams sp{lr, o_.momentum, o_.weight_decay, o_.nesterov};
    for (std::size_t i = 0; i < this->params_.size(); ++i) {
      auto& p = *this->params_[i];
      cpu::sgd_update(p.master.data(), p.grad.data(),
                      velocity_.empty() ? nullptr : velocity_[i].data(), this->compute_ptr(p),
                      p.numel(), sp);
    }
  }

  SgdOptions o_;
  std::vector<Tensor<float, D>> velocity_;  // per parameter, float32 (empty: no momentum)
};

template <Policy P, Device D>
SGD(Sequential<P, D>&, SgdOptions) -> SGD<P, D>;
template <Policy P, Device D>
SGD(Sequential<P, D>&) -> SGD<P, D>;

}  // namespace mantissa
