// mantissa/layers/init.hpp: weight initialisers, as Keras and PyTorch name them.
#pragma once

#include <algorithm>
#include <cmath>

#include "mantissa/core/core.hpp"

namespace mantissa {

enum class Init {
  glorot_uniform,  // U(-a, a), a = sqrt(6 / (fan_in + fan_out)): Keras's default
  he_normal,       // N(0, 2 / fan_in): PyTorch's kaiming_normal_ for ReLU nets
  he_uniform,      // U(-a, a), a = sqrt(6 / fan_in)
  zeros,
};

// Initialise a float32 master tensor whose fan_in / fan_out are given. The numbers are drawn
// on the host (the same counter-based stream on every device) and copied to the device.
template <Device D>
void initialise(TensorView<float, D> w, Init init, std::int64_t fan_in, std::int64_t fan_out,
                Generator& gen) {
  if constexpr (!std::same_as<D, Cpu>) {
    auto host = Tensor<float, Cpu>::empty(w.shape());
    initialise(host.view(), init, fan_in, fan_out, gen);
    copy_bytes<D, Cpu>(w.data(), host.data(), host.size_bytes());
  } else {
    const auto fi = static_cast<float>(fan_in), fo = static_cast<float>(fan_out);
    switch (init) {
      case Init::glorot_uniform: {
        const float a = std::sqrt(6.0f / (fi + fo));
        fill_uniform<float>(w, -a, a, gen);
        break;
      }
      case Init::he_normal: fill_normal<float>(w, 0.0f, std::sqrt(2.0f / fi), gen); break;
      case Init::he_uniform: {
        const float a = std::sqrt(6.0f / fi);
        fill_uniform<float>(w, -a, a, gen);
        break;
      }
      case Init::zeros: std::fill(w.begin(), w.end(), 0.0f); break;
    }
  }
}

}  // namespace mantissa
