// mistake: passing nullptr as the loss scaler
// expect-first: the fourth argument is the run.s LossScaler
// expect-head: the fourth argument is the run.s LossScaler
#include "mantissa/mantissa.hpp"

using namespace mantissa;
using F16 = policy::mixed_float16;
using BF16 = policy::mixed_bfloat16;
using F32 = policy::float32;

void f(Sequential<F32>& model) {
  Adam opt(model);
  save_checkpoint("ckpt.safetensors", model, opt, nullptr, {});  // fix: save_checkpoint("ckpt.safetensors", model, opt, TrainingPosition{});
}
