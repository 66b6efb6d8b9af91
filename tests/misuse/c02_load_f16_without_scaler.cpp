// mistake: resumes a mixed_float16 run without passing the scaler to load_checkpoint
#include "mantissa/mantissa.hpp"
namespace mt = mantissa;
int main() {
  using P = mt::policy::mixed_float16;
  mt::Sequential<P> model({4}, mt::Dense(8), mt::ReLU(), mt::Dense(3));
  mt::Adam opt(model);
  mt::LossScaler scaler;
  auto pos = mt::load_checkpoint("/tmp/misuse_c02.safetensors", model, opt);
  return static_cast<int>(pos.epoch);
}
