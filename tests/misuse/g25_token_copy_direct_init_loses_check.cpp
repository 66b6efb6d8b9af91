// mistake: keeps a "backup" of the unscaled gradients with direct-initialisation Gradients backup(grads) and steps on it
#include "mantissa/mantissa.hpp"
#include <cmath>
#include <iostream>
#include <limits>
namespace mt = mantissa;
int main() {
  using P = mt::policy::mixed_bfloat16;
  mt::Sequential<P> model({4}, mt::Dense(3));
  auto xf = mt::full<float>({4, 4}, 1.0f);
  xf[5] = std::numeric_limits<float>::infinity();  // one bad input sample
  auto x = mt::cast<mt::bfloat16>(xf);
  auto y = mt::full<std::int32_t>({4}, 1);
  mt::SoftmaxCrossEntropy loss_fn;
  mt::LossScaler scaler;
  mt::SGD opt(model, {.lr = 0.1f});
  try {
    auto grads = scaler.unscale(model.backward(scaler.scale(loss_fn(model.forward(x, mt::Mode::train), y))));
    mt::Gradients<P, mt::Cpu> backup(grads);  // "copy" of a move-only token
    auto out = opt.step(std::move(backup), scaler);
    bool finite = true;
    for (float w : model.parameters()[0]->master) finite = finite && std::isfinite(w);
    std::cout << "step applied " << out.applied << ", skipped_steps " << scaler.skipped_steps()
              << ", weights finite " << finite << "\n";
  } catch (const mt::Error& e) {
    std::cout << "mantissa::Error: " << e.what() << "\n";
    return 2;
  }
  return 0;
}
