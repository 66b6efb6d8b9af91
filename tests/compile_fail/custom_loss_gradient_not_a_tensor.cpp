// mistake: a custom loss returns its gradient as a std::vector
// expect-first: static assertion failed: mantissa::LossValue\(value, grad\): the gradient is a Tensor<float, D>
#include <vector>

#include "mantissa/mantissa.hpp"

using namespace mantissa;

LossValue<Cpu> f(std::vector<float> grad) {
  return LossValue<Cpu>(0.5f, std::move(grad));  // fix: return LossValue<Cpu>(0.5f, Tensor<float>(Shape{static_cast<std::int64_t>(grad.size())}));
}
