// mistake: passing the loss scaler where the optimizer goes
// expect-first: checkpoints: the third argument is the model.s optimizer
// expect-head: checkpoints: the third argument is the model.s optimizer
#include "mantissa/mantissa.hpp"

using namespace mantissa;
using F16 = policy::mixed_float16;
using BF16 = policy::mixed_bfloat16;
using F32 = policy::float32;

void f(Sequential<F32>& model, LossScaler& scaler) {
  Adam opt(model);
  save_checkpoint("ckpt.safetensors", model, scaler, TrainingPosition{});  // fix: save_checkpoint("ckpt.safetensors", model, opt, scaler, TrainingPosition{});
}
