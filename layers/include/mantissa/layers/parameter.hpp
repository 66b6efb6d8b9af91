// mantissa/layers/parameter.hpp: one trainable tensor with every precision role spelled out.
//
// What this object represents (tiny-cuda-nn's params / compute split):
//   master   Tensor<float, D>      the trained value; optimizers update only this
//   grad     Tensor<float, D>      d(loss)/d(master), written by backward in float32
//   compute  Tensor<P::compute, D> the copy forward/backward read; refreshed from master by
//                                  refresh_compute() (optimizers do it in the same pass as
//                                  the update). Under policy::float32 there is no copy:
//                                  value() is the master itself.
#pragma once

#include <string>

#include "mantissa/core/core.hpp"

namespace mantissa {

template <Policy P, Device D>
struct Parameter {
  using compute_t = typename P::compute;
  static constexpr bool has_compute_copy = !std::same_as<compute_t, float>;

  std::string name;             // "conv2d_1/kernel"
  Tensor<float, D> master;      // (shape)
  Tensor<float, D> grad;        // (shape)
  Tensor<compute_t, D> compute; // (shape) when has_compute_copy, else empty

  explicit Parameter(std::string n, Shape shape)
      : name(std::move(n)), master(shape), grad(shape) {
    if constexpr (has_compute_copy) compute = Tensor<compute_t, D>(shape);
  }

  const Shape& shape() const noexcept { return master.shape(); }
  std::int64_t numel() const noexcept { return master.numel(); }

  // What forward and backward read: the compute-dtype weights.
  TensorView<const compute_t, D> value() const noexcept {
    if constexpr (has_compute_copy) return compute.view();
    else return master.view();
  }

  // compute = round(master), after an initialisation or a load.
  void refresh_compute() {
    if constexpr (has_compute_copy) {
      static_assert(std::same_as<D, Cpu>, "refresh_compute: CUDA path arrives with the backend");
      cpu::convert(master.data(), compute.data(), static_cast<std::size_t>(numel()));
    }
  }
};

}  // namespace mantissa
