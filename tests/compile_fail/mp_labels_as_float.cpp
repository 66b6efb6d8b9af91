// mistake: float labels given to SoftmaxCrossEntropy (class indices are int32)
// expect-first: static assertion failed: mantissa::SoftmaxCrossEntropy: labels are
// expect-head: SoftmaxCrossEntropy: labels are int32 class indices
// expect-head: cast<std::int32_t>\(y\)
// expect-head: is_int32_labels<float>
#include "mantissa/mantissa.hpp"

using namespace mantissa;

void f(const Tensor<float>& logits, const Tensor<float>& labels) {
  SoftmaxCrossEntropy loss_fn;
  (void)loss_fn(logits, labels);
}
