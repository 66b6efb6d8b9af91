// mistake: loading into a const loss scaler
// expect-first: load_checkpoint: the LossScaler receives the saved scale: pass it non-const
// expect-head: load_checkpoint: the LossScaler receives the saved scale: pass it non-const
#include "mantissa/mantissa.hpp"

using namespace mantissa;
using F16 = policy::mixed_float16;
using BF16 = policy::mixed_bfloat16;
using F32 = policy::float32;

void f(Sequential<F16>& model, LossScaler& scaler) {
  const LossScaler& s = scaler;  // fix: LossScaler& s = scaler;
  Adam opt(model);
  (void)load_checkpoint("ckpt.safetensors", model, opt, s);
}
