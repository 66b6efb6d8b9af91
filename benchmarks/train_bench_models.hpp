// benchmarks/train_bench_models.hpp: the three models train_bench times (and
// compare_pytorch.py rebuilds layer for layer in PyTorch). A model is a list of layer specs;
// with_model hands it to a callable, which makes either a Sequential of it or, for the
// per-layer profile, the bare layers.
//
//   cnn       the reference CNN (examples/fashion_mnist.cpp): 28x28x1, Conv2D(32, 3x3, same)
//             + ReLU, MaxPool 2, Conv2D(64, 3x3, same) + ReLU, MaxPool 2, Flatten, Dense(128)
//             + ReLU, Dense(10); 421,642 parameters
//   mlp       784-256-256-10 with ReLU; 269,322 parameters
//   deep_cnn  32x32x3, three blocks of two Conv2D(3x3, same, no bias) + BatchNorm + ReLU
//             (32, 64, 128 filters), each block ending in MaxPool 2; Flatten (4x4x128),
//             Dense(384) + ReLU, Dense(10); 1,078,122 parameters
#pragma once

#include <array>
#include <string>
#include <string_view>

#include <mantissa/mantissa.hpp>

namespace train_bench {

namespace mt = mantissa;

inline constexpr std::array<std::string_view, 3> kModels{"cnn", "mlp", "deep_cnn"};

// f(input_shape, specs...) for the named model; the name was checked by the caller.
template <class F>
decltype(auto) with_model(std::string_view name, F&& f) {
  if (name == "mlp")
    return f(mt::Shape{784}, mt::Dense(256), mt::ReLU(), mt::Dense(256), mt::ReLU(),
             mt::Dense(10));
  if (name == "deep_cnn") {
    // Convolutions followed by BatchNorm carry no bias (BatchNorm's beta is one).
    const mt::Conv2DOptions nb{.bias = false};
    return f(mt::Shape{32, 32, 3},
             mt::Conv2D(32, 3, mt::same, nb), mt::BatchNorm(), mt::ReLU(),
             mt::Conv2D(32, 3, mt::same, nb), mt::BatchNorm(), mt::ReLU(), mt::MaxPool2D(2),
             mt::Conv2D(64, 3, mt::same, nb), mt::BatchNorm(), mt::ReLU(),
             mt::Conv2D(64, 3, mt::same, nb), mt::BatchNorm(), mt::ReLU(), mt::MaxPool2D(2),
             mt::Conv2D(128, 3, mt::same, nb), mt::BatchNorm(), mt::ReLU(),
             mt::Conv2D(128, 3, mt::same, nb), mt::BatchNorm(), mt::ReLU(), mt::MaxPool2D(2),
             mt::Flatten(), mt::Dense(384), mt::ReLU(), mt::Dense(10));
  }
  return f(mt::Shape{28, 28, 1}, mt::Conv2D(32, 3, mt::same), mt::ReLU(), mt::MaxPool2D(2),
           mt::Conv2D(64, 3, mt::same), mt::ReLU(), mt::MaxPool2D(2), mt::Flatten(),
           mt::Dense(128), mt::ReLU(), mt::Dense(10));
}

}  // namespace train_bench
