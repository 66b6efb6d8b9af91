// mantissa/layers/gradient_check.hpp: check any layer's backward against central finite
// differences, for every element of the input and of every parameter.
//
//   auto r = check_gradients<policy::float32>(Dense(4), Shape{5});
//   EXPECT_TRUE(r.passed) << r.report();
//
// Method: draw x ~ N(0, 1) (N, input...) and fixed weights w ~ N(0, 1) (N, output...); the
// scalar L = sum(y * w) (in double) has dL/dy = w, so backward(dy = w) must give dL/dx and
// dL/dparam. Each element is perturbed by +-epsilon and (L+ - L-) / (2 epsilon) compared
// with the analytic value:
//   error = |analytic - numeric| / max(|analytic|, |numeric|, 1e-2 * largest |analytic|)
//
// Under a 16-bit policy the finite differences of a 16-bit forward are mostly rounding noise
// (3 or 2 significant digits), so the numeric side is taken from a float32 twin of the layer
// given the same float32 master weights and the same (already rounded) inputs: the check
// then measures exactly what matters, how far the 16-bit analytic gradient is from the true
// one. The spec overload builds the twin itself; a custom layer object can pass its own.
// Default tolerances: float 2e-2, half 5e-2, bfloat16 1e-1.
#pragma once

#include <memory>
#include <string>

#include "mantissa/layers/layer.hpp"

namespace mantissa {

struct GradCheckOptions {
  std::int64_t batch = 2;
  float epsilon = 0.0f;    // 0: the dtype's default
  float tolerance = 0.0f;  // 0: the dtype's default
  std::uint64_t seed = 1;
  Mode mode = Mode::train;
};

struct GradCheckResult {
  bool passed = true;
  double worst_error = 0.0;
  std::string worst;  // "input[3]", "kernel[7]"
  double analytic = 0.0, numeric = 0.0;
  std::int64_t checked = 0;
  double tolerance = 0.0;
  std::string report() const;
};

// reference: a float32 twin of `layer` (same kind and configuration), or null to take the
// finite differences on the layer itself.
template <Policy P>
GradCheckResult check_gradients(Layer<P, Cpu>& layer, const Shape& input_shape,
                                GradCheckOptions options = {},
                                Layer<policy::float32, Cpu>* reference = nullptr);

// Convenience: build the layer (and, under a 16-bit policy, its float32 twin) from a spec
// (Dense(4), Conv2D(...)) and check it.
template <Policy P, class Spec>
  requires LayerSpec<Spec, P, Cpu>
GradCheckResult check_gradients(const Spec& spec, const Shape& input_shape,
                                GradCheckOptions options = {}) {
  auto layer = spec.template make<P, Cpu>();
  if constexpr (std::same_as<typename P::compute, float>) {
    return check_gradients<P>(*layer, input_shape, options);
  } else {
    auto twin = spec.template make<policy::float32, Cpu>();
    return check_gradients<P>(*layer, input_shape, options, twin.get());
  }
}

}  // namespace mantissa
