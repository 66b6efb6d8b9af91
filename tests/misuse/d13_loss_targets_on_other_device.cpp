// mistake: loss with logits on the CPU and labels uploaded to the GPU
#include "mantissa/mantissa.hpp"
namespace mt = mantissa;
int main() {
  auto logits = mt::zeros<float>({4, 3});
  auto labels = mt::to<mt::Cuda>(mt::full<std::int32_t>({4}, 1));
  mt::SoftmaxCrossEntropy loss_fn;
  auto loss = loss_fn(logits, labels);
  return loss.value() > 0.0f ? 0 : 1;
}
