// mistake: passes &scaler (C API habit) to save_checkpoint
#include "mantissa/mantissa.hpp"
namespace mt = mantissa;
int main() {
  using P = mt::policy::mixed_float16;
  mt::Sequential<P> model({4}, mt::Dense(8), mt::ReLU(), mt::Dense(3));
  mt::Adam opt(model);
  mt::LossScaler scaler;
  mt::save_checkpoint("/tmp/misuse_c03.safetensors", model, opt, &scaler, {});
  return 0;
}
