// mistake: a checkpoint helper without access to the run's scaler passes mt::LossScaler() to save_checkpoint
#include "mantissa/mantissa.hpp"
#include <iostream>
namespace mt = mantissa;
template <class M, class O>
void checkpoint(M& model, O& opt) {
  mt::save_checkpoint("/tmp/misuse_c18.safetensors", model, opt, mt::LossScaler(), {});
}
int main() {
  using P = mt::policy::mixed_float16;
  mt::Sequential<P> model({4}, mt::Dense(3));
  mt::Adam opt(model);
  mt::LossScaler scaler({.init_scale = 256.0f});
  try {
    checkpoint(model, opt);
    mt::LossScaler restored;
    (void)mt::load_checkpoint("/tmp/misuse_c18.safetensors", model, opt, restored);
    std::cout << "run's scale 256, restored " << restored.loss_scale() << "\n";
  } catch (const mt::Error& e) {
    std::cout << "mantissa::Error: " << e.what() << "\n";
    return 2;
  }
  return 0;
}
