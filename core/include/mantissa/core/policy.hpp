// mantissa/core/policy.hpp: precision policies, as types (names as in Keras).
//
// What a policy represents: which dtype the arithmetic runs in (`compute`: activations,
// the compute copies of weights, activation gradients) and which dtype the trained state is
// kept in (`param`: master weights, weight gradients, optimizer moments: always float32).
//
//   policy::float32          compute float     param float   no loss scaling
//   policy::mixed_float16    compute half      param float   loss scaling required
//   policy::mixed_bfloat16   compute bfloat16  param float   no loss scaling (float32's range)
//
// Models, layers and optimizers are templates on <Policy, Device>; nothing inspects a policy
// at run time.
#pragma once

#include <string_view>

#include "mantissa/core/dtype.hpp"

namespace mantissa {

namespace policy {

struct float32 {
  using compute = float;
  using param = float;
  static constexpr bool needs_loss_scaling = false;
  static constexpr std::string_view name = "float32";
};

struct mixed_float16 {
  using compute = half;
  using param = float;
  static constexpr bool needs_loss_scaling = true;  // half underflows below 6e-8
  static constexpr std::string_view name = "mixed_float16";
};

struct mixed_bfloat16 {
  using compute = bfloat16;
  using param = float;
  static constexpr bool needs_loss_scaling = false;
  static constexpr std::string_view name = "mixed_bfloat16";
};

}  // namespace policy

template <class P>
concept Policy = requires {
  typename P::compute;
  typename P::param;
  { P::needs_loss_scaling } -> std::convertible_to<bool>;
  { P::name } -> std::convertible_to<std::string_view>;
} && FloatDtype<typename P::compute> && std::same_as<typename P::param, float>;

// Named for the compiler's note when two policies differ (model or optimizer first).
template <class Q, class P>
inline constexpr bool same_policy = std::same_as<Q, P>;

// A policy computing in float16 must scale its loss: float16 gradients underflow below 6e-8.
template <class P>
inline constexpr bool scales_float16_loss = !std::same_as<typename P::compute, half> || P::needs_loss_scaling;

// Named for the compiler's note when a float16 set-up leaves out its loss scaler.
template <class P>
inline constexpr bool needs_loss_scaling_v = P::needs_loss_scaling;

}  // namespace mantissa
