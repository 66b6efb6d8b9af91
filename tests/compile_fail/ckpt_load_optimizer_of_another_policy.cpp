// mistake: loading into a model with the optimizer of a model of another policy
// expect-first: checkpoints: the optimizer was built for a model of another precision policy
// expect-head: checkpoints: the optimizer was built for a model of another precision policy
#include "mantissa/mantissa.hpp"

using namespace mantissa;
using F16 = policy::mixed_float16;
using BF16 = policy::mixed_bfloat16;
using F32 = policy::float32;

void f(Sequential<BF16>& model, Sequential<F32>& other) {
  Adam opt(model);
  SGD sgd32(other, {.lr = 0.1f});
  (void)load_checkpoint("ckpt.safetensors", model, sgd32);  // fix: (void)load_checkpoint("ckpt.safetensors", model, opt);
}
