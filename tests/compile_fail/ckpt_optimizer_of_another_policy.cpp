// mistake: saving a model with the optimizer of a model of another policy
// expect-first: checkpoints: the optimizer was built for a model of another precision policy
// expect-head: checkpoints: the optimizer was built for a model of another precision policy
// expect-head: same_policy<mantissa::policy::float32, mantissa::policy::mixed_float16>
#include "mantissa/mantissa.hpp"

using namespace mantissa;
using F16 = policy::mixed_float16;
using BF16 = policy::mixed_bfloat16;
using F32 = policy::float32;

void f(Sequential<F16>& model, Sequential<F32>& other, LossScaler& scaler) {
  Adam opt(model);
  Adam opt32(other);
  save_checkpoint("ckpt.safetensors", model, opt32, scaler, {});  // fix: save_checkpoint("ckpt.safetensors", model, opt, scaler, {});
}
