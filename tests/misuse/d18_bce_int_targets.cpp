// mistake: BinaryCrossEntropy with int32 0/1 targets
#include "mantissa/mantissa.hpp"
namespace mt = mantissa;
int main() {
  auto logits = mt::zeros<float>({4, 1});
  auto targets = mt::full<std::int32_t>({4}, 1);
  mt::BinaryCrossEntropy bce;
  auto loss = bce(logits, targets);
  return loss.value() > 0.0f ? 0 : 1;
}
