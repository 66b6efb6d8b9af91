// mistake: keeps loss.grad() (like reading logits.grad in PyTorch) and reads it after the loss object ran on a bigger batch
// run-time: StateError "stale": LossValue::grad() is checked (test_protocol LossValueIsStaleAfterTheLossObjectRunsAgainOrDies)
#include "mantissa/mantissa.hpp"
#include <iostream>
namespace mt = mantissa;
int main() {
  mt::Generator gen(1);
  auto small = mt::normal<float>({2, 3}, 0.0f, 1.0f, gen);
  auto big = mt::normal<float>({4096, 3}, 0.0f, 1.0f, gen);
  auto ys = mt::full<std::int32_t>({2}, 1);
  auto yb = mt::full<std::int32_t>({4096}, 1);
  mt::SoftmaxCrossEntropy loss_fn;
  try {
    auto dlogits = loss_fn(small, ys).grad();
    auto lb = loss_fn(big, yb);
    std::cout << "dlogits(0,0) of the small batch = " << dlogits(0, 0) << ", big loss "
              << lb.value() << "\n";
  } catch (const mt::Error& e) {
    std::cout << "mantissa::Error: " << e.what() << "\n";
    return 2;
  }
  return 0;
}
