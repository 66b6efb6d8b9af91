// mantissa/layers/parameter.hpp: one trainable tensor with every precision role spelled out,
// and the flat arenas a model keeps them in.
//
// What a Parameter represents (tiny-cuda-nn's params / compute split):
//   master   TensorView<float, D>       the trained value; optimizers update only this
//   grad     TensorView<float, D>       d(loss)/d(master), written by backward in float32
//   compute  TensorView<P::compute, D>  the copy forward/backward read; refreshed from master
//                                       by refresh_compute() (optimizers do it in the same
//                                       pass as the update). Under policy::float32 there is
//                                       no copy: value() is the master itself.
// A parameter made by a layer's build() owns its three buffers. A model then moves every
// parameter into its ParameterArena: one contiguous buffer per role, each parameter a view
// into it, so the unscale + inf check, the gradient norm, the optimizer update (and later an
// all-reduce) are each one pass over one buffer.
#pragma once

#include <string>
#include <vector>

#include "mantissa/core/core.hpp"

namespace mantissa {

template <Policy P, Device D>
class Parameter {
 public:
  using compute_t = typename P::compute;
  static constexpr bool has_compute_copy = !std::same_as<compute_t, float>;

  std::string name;                  // "conv2d_1/kernel"
  TensorView<float, D> master;       // (shape)
  TensorView<float, D> grad;         // (shape)
  TensorView<compute_t, D> compute;  // (shape) when has_compute_copy, else empty

  // Zero-filled, in buffers of its own until a model moves it into its arena.
  explicit Parameter(std::string n, Shape shape)
      : name(std::move(n)), own_master_(shape), own_grad_(shape) {
    master = own_master_.view();
    grad = own_grad_.view();
    if constexpr (has_compute_copy) {
      own_compute_ = Tensor<compute_t, D>(shape);
      compute = own_compute_.view();
    }
  }
  Parameter(const Parameter&) = delete;
  Parameter& operator=(const Parameter&) = delete;

  const Shape& shape() const noexcept { return master.shape(); }
  std::int64_t numel() const noexcept { return master.numel(); }

  // What forward and backward read: the compute-dtype weights.
  TensorView<const compute_t, D> value() const noexcept {
    if constexpr (has_compute_copy) return compute;
    else return master;
  }

  // compute = round(master), after an initialisation or a load.
  void refresh_compute(Context<D>& ctx = default_context<D>()) {
    if constexpr (has_compute_copy) ops::cast_into(ctx, compute, master);
  }

  // Moves the values into views of a model's arenas (same shape) and frees its own buffers.
  void move_to(Context<D>& ctx, TensorView<float, D> m, TensorView<float, D> g,
               TensorView<compute_t, D> c) {
    copy_bytes<D, D>(m.data(), master.data(), master.size_bytes());
    copy_bytes<D, D>(g.data(), grad.data(), grad.size_bytes());
    master = m;
    grad = g;
    own_master_ = {};
    own_grad_ = {};
    if constexpr (has_compute_copy) {
      compute = c;
      own_compute_ = {};
      refresh_compute(ctx);
    }
  }

 private:
  Tensor<float, D> own_master_, own_grad_;
  Tensor<compute_t, D> own_compute_;
};

// A model's parameters, one contiguous buffer per role. Each parameter starts on a 32-element
// boundary (128 bytes of float32, 64 of a 16-bit copy: whole cache lines and vectors); the
// gaps stay zero in every buffer, so a pass over the whole arena (norms, inf checks,
// updates) reads them harmlessly.
template <Policy P, Device D>
class ParameterArena {
 public:
  using compute_t = typename P::compute;
  static constexpr std::int64_t kAlign = 32;

  ParameterArena() = default;

  // Moves every parameter into the arena (values kept).
  void adopt(Context<D>& ctx, const std::vector<Parameter<P, D>*>& params) {
    offsets_.clear();
    std::int64_t total = 0;
    for (auto* p : params) {
      offsets_.push_back(total);
      total += (p->numel() + kAlign - 1) / kAlign * kAlign;
    }
    const Shape s{total};
    master_ = Tensor<float, D>(s);
    grad_ = Tensor<float, D>(s);
    if constexpr (Parameter<P, D>::has_compute_copy) compute_ = Tensor<compute_t, D>(s);
    for (std::size_t i = 0; i < params.size(); ++i) {
      auto* p = params[i];
      const auto at = offsets_[i];
      TensorView<compute_t, D> c;
      if constexpr (Parameter<P, D>::has_compute_copy)
        c = TensorView<compute_t, D>(compute_.data() + at, p->shape());
      p->move_to(ctx, TensorView<float, D>(master_.data() + at, p->shape()),
                 TensorView<float, D>(grad_.data() + at, p->shape()), c);
    }
  }

  std::int64_t size() const noexcept { return master_.numel(); }
  TensorView<float, D> master() noexcept { return master_.view(); }
  TensorView<float, D> grad() noexcept { return grad_.view(); }
  TensorView<const float, D> grad() const noexcept { return grad_.view(); }
  TensorView<compute_t, D> compute() noexcept { return compute_.view(); }  // empty: float32
  // Where parameter i starts in every buffer.
  const std::vector<std::int64_t>& offsets() const noexcept { return offsets_; }

  // The parameter whose slot holds flat index i (the owner of an overflowed gradient).
  std::size_t owner(std::int64_t i) const noexcept {
    std::size_t k = 0;
    while (k + 1 < offsets_.size() && offsets_[k + 1] <= i) ++k;
    return k;
  }

 private:
  Tensor<float, D> master_, grad_;  // (total)
  Tensor<compute_t, D> compute_;    // (total) when the policy computes in 16 bits
  std::vector<std::int64_t> offsets_;
};

}  // namespace mantissa
