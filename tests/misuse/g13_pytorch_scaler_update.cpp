// mistake: PyTorch habit: calls scaler.update(...) after opt.step(grads, scaler), which already updated it
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
  mt::LossScaler scaler({.growth_interval = 4});
  mt::Adam opt(model, {.lr = 1e-3f});
  for (int step = 0; step < 4; ++step) {
    auto loss = loss_fn(model.forward(x, mt::Mode::train), y);
    auto grads = scaler.unscale(model.backward(scaler.scale(loss)));
    auto out = opt.step(std::move(grads), scaler);
    scaler.update(!out.applied);  // torch: scaler.step(opt); scaler.update()
  }
  std::cout << "after 4 clean steps with growth_interval 4: scale " << scaler.loss_scale()
            << " (expected 131072 once), clean_steps " << scaler.clean_steps() << "\n";
  return 0;
}
