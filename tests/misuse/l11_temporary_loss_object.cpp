// mistake: calls a temporary loss object (PyTorch: F.cross_entropy(logits, y) / nn.CrossEntropyLoss()(...))
#include "mantissa/mantissa.hpp"
namespace mt = mantissa;
int main() {
  auto logits = mt::zeros<float>({2, 3});
  auto y = mt::full<std::int32_t>({2}, 1);
  auto loss = mt::SoftmaxCrossEntropy{}(logits, y);
  return loss.value() > 0.0f ? 0 : 1;
}
