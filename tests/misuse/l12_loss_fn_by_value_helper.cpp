// mistake: a helper takes the loss object by value and returns its LossValue
// run-time: StateError "LossValue: stale" (test_protocol LossValueIsStaleAfterTheLossObjectRunsAgainOrDies)
#include "mantissa/mantissa.hpp"
#include <iostream>
namespace mt = mantissa;
template <class LossFn, class L, class Y>
auto compute_loss(LossFn loss_fn, const L& logits, const Y& y) {
  return loss_fn(logits, y);
}
int main() {
  auto logits = mt::zeros<float>({2, 3});
  auto y = mt::full<std::int32_t>({2}, 1);
  mt::SoftmaxCrossEntropy loss_fn;
  try {
    auto loss = compute_loss(loss_fn, logits, y);
    std::cout << loss.value() << "\n";
  } catch (const mt::Error& e) {
    std::cout << "mantissa::Error: " << e.what() << "\n";
    return 2;
  }
  return 0;
}
