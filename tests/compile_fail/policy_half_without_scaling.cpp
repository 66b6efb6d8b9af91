// mistake: a home-made policy computing in float16 without loss scaling
// expect-first: this policy \(note below\) computes in float16 without loss scaling
// expect-head: this policy \(note below\) computes in float16 without loss scaling
#include "mantissa/mantissa.hpp"

using namespace mantissa;
using F16 = policy::mixed_float16;
using BF16 = policy::mixed_bfloat16;
using F32 = policy::float32;

struct unsafe_half {
  using compute = half;
  using param = float;
  static constexpr bool needs_loss_scaling = false;  // fix: static constexpr bool needs_loss_scaling = true;
  static constexpr std::string_view name = "unsafe_half";
};
template <>
inline constexpr bool mantissa::model_is_built<unsafe_half, Cpu> = true;
void f() { Sequential<unsafe_half> model(Shape{4}, Dense(2)); }
