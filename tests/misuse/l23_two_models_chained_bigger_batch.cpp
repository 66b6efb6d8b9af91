// mistake: feeds one model's output to a second model, runs the first on a larger batch, then back-propagates the second
// run-time: StateError "another model's output" (test_protocol AChainedModelsInputMustStillBeCurrent)
#include "mantissa/mantissa.hpp"
#include <iostream>
namespace mt = mantissa;
int main() {
  using P = mt::policy::float32;
  mt::Sequential<P> encoder({4}, mt::Dense(8));
  mt::Sequential<P> head({8}, mt::Dense(3));
  mt::Generator gen(1);
  auto x = mt::normal<float>({4, 4}, 0.0f, 1.0f, gen);
  auto big = mt::normal<float>({4096, 4}, 0.0f, 1.0f, gen);
  auto y = mt::full<std::int32_t>({4}, 1);
  mt::SoftmaxCrossEntropy loss_fn;
  try {
    auto logits = head.forward(encoder.forward(x, mt::Mode::train), mt::Mode::train);
    auto loss = loss_fn(logits, y);
    auto warm = encoder.forward(big, mt::Mode::infer);  // e.g. a monitoring pass
    auto grads = head.backward(loss);                     // head's kept input was encoder's buffer
    std::cout << "grads valid " << grads.valid() << " (" << warm.numel() << ")\n";
  } catch (const mt::Error& e) {
    std::cout << "mantissa::Error: " << e.what() << "\n";
    return 2;
  }
  return 0;
}
