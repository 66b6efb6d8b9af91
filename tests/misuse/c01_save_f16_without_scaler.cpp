// mistake: saves a mixed_float16 checkpoint without the loss scaler (as for float32)
#include "mantissa/mantissa.hpp"
namespace mt = mantissa;
int main() {
  using P = mt::policy::mixed_float16;
  mt::Sequential<P> model({4}, mt::Dense(8), mt::ReLU(), mt::Dense(3));
  mt::Adam opt(model);
  mt::LossScaler scaler;
  mt::save_checkpoint("/tmp/misuse_c01.safetensors", model, opt, mt::TrainingPosition{1, 0, 0});
  return 0;
}
