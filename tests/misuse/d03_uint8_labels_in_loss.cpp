// mistake: gives uint8 labels to SoftmaxCrossEntropy
#include "mantissa/mantissa.hpp"
namespace mt = mantissa;
int main() {
  auto logits = mt::zeros<float>({4, 10});
  auto labels = mt::full<std::uint8_t>({4}, 3);
  mt::SoftmaxCrossEntropy loss_fn;
  auto loss = loss_fn(logits, labels);
  return loss.value() > 0.0f ? 0 : 1;
}
