// mistake: clips the gradients after the step consumed them (order swapped)
// run-time: StateError "moved from" (test_protocol ATokenMovedFromIsAStateError)
#include "mantissa/mantissa.hpp"
#include <iostream>
namespace mt = mantissa;
int main() {
  using P = mt::policy::mixed_float16;
  mt::Sequential<P> model({4}, mt::Dense(8), mt::ReLU(), mt::Dense(3));
  mt::Generator gen(1);
  auto x = mt::checked_cast<mt::half>(mt::normal<float>({16, 4}, 0.0f, 1.0f, gen));
  auto y = mt::full<std::int32_t>({16}, 1);
  mt::SoftmaxCrossEntropy loss_fn;
  mt::LossScaler scaler;
  mt::Adam opt(model);
  try {
    auto grads = scaler.unscale(model.backward(scaler.scale(loss_fn(model.forward(x, mt::Mode::train), y))));
    auto out = opt.step(std::move(grads), scaler);
    mt::clip_grad_norm(grads, 1.0f);
    return out.applied ? 0 : 1;
  } catch (const mt::Error& e) {
    std::cout << "mantissa::Error: " << e.what() << "\n";
    return 2;
  }
}
