// mistake: clip_grad_norm with a negative max_norm (sign typo): should be refused like a negative lr
// run-time: ValueError "max_norm must be positive" (test_protocol ClipRefusesANonPositiveMaxNorm)
#include "mantissa/mantissa.hpp"
#include <iostream>
namespace mt = mantissa;
int main() {
  using P = mt::policy::float32;
  mt::Sequential<P> model({4}, mt::Dense(3));
  mt::Generator gen(1);
  auto x = mt::normal<float>({16, 4}, 0.0f, 1.0f, gen);
  auto y = mt::full<std::int32_t>({16}, 1);
  mt::SoftmaxCrossEntropy loss_fn;
  mt::SGD opt(model, {.lr = 0.1f});
  try {
    for (int step = 0; step < 50; ++step) {
      auto loss = loss_fn(model.forward(x, mt::Mode::train), y);
      if (step % 10 == 0) std::cout << "step " << step << " loss " << loss.value() << "\n";
      auto grads = model.backward(loss);
      mt::clip_grad_norm(grads, -1.0f);
      auto out = opt.step(std::move(grads));
      (void)out;
    }
  } catch (const mt::Error& e) {
    std::cout << "mantissa::Error: " << e.what() << "\n";
    return 2;
  }
  return 0;
}
