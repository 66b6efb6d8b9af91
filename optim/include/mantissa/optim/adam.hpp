// mantissa/optim/adam.hpp: Adam and AdamW, as torch.optim.Adam / AdamW (defaults lr 1e-3,
// betas 0.9 / 0.999, eps 1e-8; weight decay 0 for Adam, 1e-2 for AdamW). Moments are
// float32 whatever the policy.
//
//   Adam opt(model, {.lr = 1e-3f});
//   AdamW optw(model, {.weight_decay = 0.05f});
#pragma once

#include "mantissa/layers/sequential.hpp"
#include "mantissa/optim/optimizer.hpp"

namespace mantissa {

struct AdamOptions {
  float lr = 1e-3f;
  float beta1 = 0.9f;
  float beta2 = 0.999f;
  float eps = 1e-8f;
  float weight_decay = 0.0f;
  std::optional<LrSchedule> schedule = std::nullopt;
};

struct AdamWOptions {
  float lr = 1e-3f;
  float beta1 = 0.9f;
  float beta2 = 0.999f;
  float eps = 1e-8f;
  float weight_decay = 1e-2f;
  std::optional<LrSchedule> schedule = std::nullopt;
};

template <Policy P, Device D, bool Decoupled>
class AdamFamily : public OptimizerBase<P, D, AdamFamily<P, D, Decoupled>> {
  using Base = OptimizerBase<P, D, AdamFamily<P, D, Decoupled>>;
  friend Base;

 public:
  using Options = std::conditional_t<Decoupled, AdamWOptions, AdamOptions>;

  template <class Model>
    requires requires(Model& m) { m.trainables(); }
  AdamFamily(Model& model, Options o = {})
      : Base(Base::trainables_of(model), o.lr, o.schedule, Decoupled ? "AdamW" : "Adam"), o_(o) {
    using detail::Range;
    const char* who = Decoupled ? "AdamW" : "Adam";
    detail::check_hyperparameter(who, "beta1", o.beta1, Range::unit);
    detail::check_hyperparameter(who, "beta2", o.beta2, Range::unit);
    detail::check_hyperparameter(who, "eps", o.eps, Range::positive);
    detail::check_hyperparameter(who, "weight_decay", o.weight_decay, Range::non_negative);
    const Shape arena{this->t_ ? this->t_->arena.size() : 0};
    m_ = Tensor<float, D>(arena);
    v_ = Tensor<float, D>(arena);
  }

  // The moments, one view per parameter.
  std::vector<TensorView<float, D>> first_moments() { return this->views_of(m_); }
  std::vector<TensorView<float, D>> second_moments() { return this->views_of(v_); }

  // Optimizer state for checkpoints: "<param>/exp_avg" and "<param>/exp_avg_sq" (PyTorch's
  // names) per parameter.
  std::vector<std::pair<std::string, TensorView<float, D>>> state_tensors() {
    std::vector<std::pair<std::string, TensorView<float, D>>> s;
    const auto m = first_moments(), v = second_moments();
    for (std::size_t i = 0; i < m.size(); ++i) {
      s.emplace_back(this->t_->params[i]->name + "/exp_avg", m[i]);
      s.emplace_back(this->t_->params[i]->name + "/exp_avg_sq", v[i]);
    }
    return s;
  }

 private:
  // One fused pass over the arenas: master weights, both moments and the compute copies.
  void apply(float lr, std::int64_t step) {
    auto& arena = this->t_->arena;
    ops::adam_update(this->context(), arena.master(), arena.grad(), m_.view(), v_.view(),
                     arena.compute(),
                     AdamParams{lr, o_.beta1, o_.beta2, o_.eps, o_.weight_decay, Decoupled, step});
  }

  Options o_;
  Tensor<float, D> m_, v_;  // (arena), float32
};

template <Policy P, Device D = Cpu>
class Adam : public AdamFamily<P, D, false> {
  using AdamFamily<P, D, false>::AdamFamily;
};
template <Policy P, Device D = Cpu>
class AdamW : public AdamFamily<P, D, true> {
  using AdamFamily<P, D, true>::AdamFamily;
};

template <Policy P, Device D>
Adam(Sequential<P, D>&, AdamOptions) -> Adam<P, D>;
template <Policy P, Device D>
Adam(Sequential<P, D>&) -> Adam<P, D>;
template <Policy P, Device D>
AdamW(Sequential<P, D>&, AdamWOptions) -> AdamW<P, D>;
template <Policy P, Device D>
AdamW(Sequential<P, D>&) -> AdamW<P, D>;

}  // namespace mantissa
