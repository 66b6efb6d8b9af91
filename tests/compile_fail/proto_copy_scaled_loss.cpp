// mistake: copying a ScaledLoss
// expect-first: use of deleted function.*ScaledLoss
// expect-head: use of deleted function.*ScaledLoss
// expect-head: used once, by backward
#include "mantissa/mantissa.hpp"

using namespace mantissa;
using F16 = policy::mixed_float16;
using BF16 = policy::mixed_bfloat16;
using F32 = policy::float32;

void f(LossScaler& scaler, const LossValue<Cpu>& loss) {
  auto a = scaler.scale(loss);
  auto b = a;  // fix: auto b = std::move(a);
  (void)b;
}
