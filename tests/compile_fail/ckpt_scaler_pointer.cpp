// mistake: passing the loss scaler by pointer (nullable: the scale could be lost)
// expect-first: pass the LossScaler itself, not a pointer
// expect-head: pass the LossScaler itself, not a pointer
#include "mantissa/mantissa.hpp"

using namespace mantissa;
using F16 = policy::mixed_float16;
using BF16 = policy::mixed_bfloat16;
using F32 = policy::float32;

void f(Sequential<F16>& model, LossScaler& scaler) {
  Adam opt(model);
  save_checkpoint("ckpt.safetensors", model, opt, &scaler, {});  // fix: save_checkpoint("ckpt.safetensors", model, opt, scaler, {});
}
