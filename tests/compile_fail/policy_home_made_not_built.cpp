// mistake: a home-made policy whose models the library has not compiled (a link error otherwise)
// expect-first: mantissa.s library holds models for policy::float32, mixed_float16 and mixed_bfloat16
// expect-head: mantissa.s library holds models for policy::float32, mixed_float16 and mixed_bfloat16
// expect-head: specialise mantissa::model_is_built<P, D> = true
#include "mantissa/mantissa.hpp"

using namespace mantissa;
using F16 = policy::mixed_float16;
using BF16 = policy::mixed_bfloat16;
using F32 = policy::float32;

struct my_float {
  using compute = float;
  using param = float;
  static constexpr bool needs_loss_scaling = false;
  static constexpr std::string_view name = "my_float";
};
void f() { Sequential<my_float> model(Shape{4}, Dense(2)); }  // fix: void f() { Sequential<policy::float32> model(Shape{4}, Dense(2)); }
