// tests/interop/torch_models.hpp: the models the PyTorch interop tests map, built as the
// script tests/interop/torch_parity.py builds their nn.Sequential twins.
#pragma once

#include <filesystem>
#include <string>
#include <unistd.h>

#include "mantissa/mantissa.hpp"

namespace interop_tests {

namespace mt = mantissa;

// The README's reference CNN on 28x28x1.
template <mt::Policy P = mt::policy::float32>
mt::Sequential<P, mt::Cpu> reference_cnn(std::uint64_t seed) {
  using namespace mt;
  return Sequential<P, Cpu>(Shape{28, 28, 1}, Seed{seed}, Conv2D(32, 3, same), ReLU(),
                            MaxPool2D(2), Conv2D(64, 3, same), ReLU(), MaxPool2D(2), Flatten(),
                            Dense(128), ReLU(), Dense(10));
}

// The same with BatchNorm after each convolution (BatchNorm2d) and after the hidden Dense
// (BatchNorm1d).
template <mt::Policy P = mt::policy::float32>
mt::Sequential<P, mt::Cpu> batchnorm_cnn(std::uint64_t seed) {
  using namespace mt;
  return Sequential<P, Cpu>(Shape{28, 28, 1}, Seed{seed}, Conv2D(32, 3, same), BatchNorm(),
                            ReLU(), MaxPool2D(2), Conv2D(64, 3, same), BatchNorm(), ReLU(),
                            MaxPool2D(2), Flatten(), Dense(128), BatchNorm(), ReLU(), Dense(10));
}

// A fresh folder for one test's files.
inline std::filesystem::path scratch_dir(const std::string& name) {
  const auto d = std::filesystem::temp_directory_path() /
                 ("mantissa_interop_" + std::to_string(::getpid()) + "_" + name);
  std::filesystem::remove_all(d);
  std::filesystem::create_directories(d);
  return d;
}

}  // namespace interop_tests
