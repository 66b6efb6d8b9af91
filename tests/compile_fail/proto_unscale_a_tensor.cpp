// mistake: passing a tensor of gradients to LossScaler::unscale
// expect-first: unscale takes the ScaledGradients that model.backward\(scaler.scale\(loss\)\) returned
// expect-head: unscale takes the ScaledGradients that model.backward\(scaler.scale\(loss\)\) returned
#include "mantissa/mantissa.hpp"

using namespace mantissa;
using F16 = policy::mixed_float16;
using BF16 = policy::mixed_bfloat16;
using F32 = policy::float32;

void f(Sequential<F16>& model, LossScaler& scaler, const LossValue<Cpu>& loss) {
  Tensor<float> g(Shape{4});
  auto scaled = model.backward(scaler.scale(loss));
  auto grads = scaler.unscale(std::move(g));  // fix: auto grads = scaler.unscale(std::move(scaled));
  (void)grads;
}
