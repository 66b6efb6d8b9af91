// mistake: a custom loss returns a LossValue over a view of its local gradient tensor
// expect-first: static assertion failed: mantissa::LossValue\(value, grad\): the LossValue takes the gradient tensor
// expect-head: std::move\(grad\)
#include "mantissa/mantissa.hpp"

using namespace mantissa;

LossValue<Cpu> l1(const Tensor<float>& out, const Tensor<float>& target) {
  Tensor<float> grad(out.shape());
  float v = 0.0f;
  for (std::int64_t i = 0; i < out.numel(); ++i) {
    const float d = out[i] - target[i];
    v += d < 0 ? -d : d;
    grad[i] = d < 0 ? -1.0f : 1.0f;
  }
  return LossValue<Cpu>(v, grad.view());  // fix: return LossValue<Cpu>(v, std::move(grad));
}
