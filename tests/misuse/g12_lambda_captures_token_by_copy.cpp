// mistake: a deferred-step lambda captures the gradient token by copy ([grads]) and steps on it later
#include "mantissa/mantissa.hpp"
#include <iostream>
namespace mt = mantissa;
int main() {
  using P = mt::policy::mixed_bfloat16;
  mt::Sequential<P> model({4}, mt::Dense(8), mt::ReLU(), mt::Dense(3));
  mt::Generator gen(1);
  auto x = mt::cast<mt::bfloat16>(mt::normal<float>({16, 4}, 0.0f, 1.0f, gen));
  auto y = mt::full<std::int32_t>({16}, 1);
  mt::SoftmaxCrossEntropy loss_fn;
  mt::Adam opt(model);
  try {
    auto grads = model.backward(loss_fn(model.forward(x, mt::Mode::train), y));
    auto step_later = [&opt, grads]() mutable { return opt.step(std::move(grads)).applied; };
    mt::clip_grad_norm(grads, 1.0f);
    std::cout << "deferred step applied " << step_later() << "\n";
  } catch (const mt::Error& e) {
    std::cout << "mantissa::Error: " << e.what() << "\n";
    return 2;
  }
  return 0;
}
