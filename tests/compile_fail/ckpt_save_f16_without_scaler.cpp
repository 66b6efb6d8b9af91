// mistake: saving a mixed_float16 checkpoint without its loss scaler (the scale would be lost)
// expect-first: save_checkpoint: under this policy \(note below\) the loss scale is part of the training state
// expect-head: save_checkpoint: under this policy \(note below\) the loss scale is part of the training state
#include "mantissa/mantissa.hpp"

using namespace mantissa;
using F16 = policy::mixed_float16;
using BF16 = policy::mixed_bfloat16;
using F32 = policy::float32;

void f(Sequential<F16>& model, LossScaler& scaler) {
  Adam opt(model);
  save_checkpoint("ckpt.safetensors", model, opt, TrainingPosition{});  // fix: save_checkpoint("ckpt.safetensors", model, opt, scaler, TrainingPosition{});
}
