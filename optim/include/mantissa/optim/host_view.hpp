// mantissa/optim/host_view.hpp: a device tensor as host memory, for the writers of files
// (checkpoint.hpp's checkpoints and weights, torch_weights.hpp's PyTorch files).
#pragma once

#include <concepts>
#include <vector>

#include "mantissa/core/device.hpp"
#include "mantissa/core/tensor.hpp"

namespace mantissa::detail {

// A host view of a device tensor: the tensor itself on a host device, else a copy kept in
// `keep` (an explicit device -> host copy; a file is written from host memory).
template <Device D>
TensorView<const float, Cpu> host_view(TensorView<const float, D> t, std::vector<Tensor<float>>& keep) {
  if constexpr (std::same_as<D, Cpu>) {
    return t;
  } else {
    keep.push_back(Tensor<float>::empty(t.shape()));
    copy_bytes<Cpu, D>(keep.back().data(), t.data(), t.size_bytes());
    return keep.back().view();
  }
}

}  // namespace mantissa::detail
