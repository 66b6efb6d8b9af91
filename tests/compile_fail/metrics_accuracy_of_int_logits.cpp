// mistake: accuracy of predicted class indices (int32) instead of the logits
// expect-first: static assertion failed: mantissa::accuracy\(logits, labels\): logits are a floating tensor
#include "mantissa/mantissa.hpp"

using namespace mantissa;

float f(const Tensor<std::int32_t>& predicted, const Tensor<float>& logits, const Tensor<std::int32_t>& labels) {
  (void)logits;
  return accuracy(predicted, labels);  // fix: (void)predicted; return accuracy(logits, labels);
}
