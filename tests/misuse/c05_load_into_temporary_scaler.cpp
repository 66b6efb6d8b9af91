// mistake: load_checkpoint(..., mt::LossScaler{}) into a temporary scaler: the saved scale is thrown away
#include "mantissa/mantissa.hpp"
#include <iostream>
namespace mt = mantissa;
int main() {
  using P = mt::policy::mixed_float16;
  mt::Sequential<P> model({4}, mt::Dense(8), mt::ReLU(), mt::Dense(3));
  mt::Adam opt(model);
  mt::LossScaler saved_scaler({.init_scale = 128.0f});
  try {
    mt::save_checkpoint("/tmp/misuse_c05.safetensors", model, opt, saved_scaler, {});
    mt::LossScaler scaler;  // the one training continues with
    auto pos = mt::load_checkpoint("/tmp/misuse_c05.safetensors", model, opt, mt::LossScaler{});
    std::cout << "resumed at epoch " << pos.epoch << " with scale " << scaler.loss_scale()
              << " (saved 128)\n";
  } catch (const mt::Error& e) {
    std::cout << "mantissa::Error: " << e.what() << "\n";
    return 2;
  }
  return 0;
}
