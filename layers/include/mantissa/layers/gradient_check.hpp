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

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "mantissa/layers/layer.hpp"

namespace mantissa {

struct GradCheckOptions {
  std::int64_t batch = 2;
  float epsilon = 0.0f;    // 0: the dtype's default
  float tolerance = 0.0f;  // 0: the dtype's default
  std::uint64_t seed = 1;
  Mode mode = Mode::train;  // a gradient is of the training forward (Sequential's default is infer)
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

// A loss's gradient w.r.t. its outputs, against central differences of its value (computed in
// float32 from float32 outputs; the loss itself is float32 by signature). `outputs` is the
// point to check at, `targets` what the loss compares it with. Reports the worst element as
// check_gradients does.
template <class LossFn, TensorLike Y>
GradCheckResult check_loss_gradients(LossFn& loss_fn, Tensor<float, Cpu>& outputs, const Y& targets,
                                     float epsilon = 1e-2f, float tolerance = 1e-2f) {
  GradCheckResult r;
  r.tolerance = tolerance;
  const auto analytic = loss_fn(outputs.view(), targets).grad().clone();
  std::vector<double> a(analytic.begin(), analytic.end());
  double largest = 0.0;
  for (double v : a) largest = std::max(largest, std::abs(v));
  for (std::int64_t i = 0; i < outputs.numel(); ++i) {
    const float saved = outputs[i];
    outputs[i] = saved + epsilon;
    const double up = outputs[i], lp = loss_fn(outputs.view(), targets).value();
    outputs[i] = saved - epsilon;
    const double down = outputs[i], lm = loss_fn(outputs.view(), targets).value();
    outputs[i] = saved;
    const double numeric = (lp - lm) / (up - down), an = a[static_cast<std::size_t>(i)];
    const double denom = std::max({std::abs(an), std::abs(numeric), 1e-2 * largest, 1e-12});
    const double err = std::abs(an - numeric) / denom;
    ++r.checked;
    if (err > r.worst_error || r.worst.empty()) {
      r.worst_error = err;
      r.worst = "output[" + std::to_string(i) + "]";
      r.analytic = an;
      r.numeric = numeric;
    }
  }
  r.passed = r.worst_error <= r.tolerance;
  return r;
}

}  // namespace mantissa
