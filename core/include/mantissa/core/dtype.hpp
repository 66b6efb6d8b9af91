// mantissa/core/dtype.hpp: the closed set of element types a tensor may hold.
//
//   float      float32: master weights, statistics, losses, optimizer moments
//   half       IEEE binary16: compute dtype of policy::mixed_float16
//   bfloat16   compute dtype of policy::mixed_bfloat16
//   int32_t    class labels, indices (argmax)
//   uint8_t    raw pixels as loaded from disk
//
// double is deliberately not a dtype: no accelerator path trains in it, and allowing it would
// let a stray `1.0` literal turn a float pipeline into a double one. Test references that want
// more precision use plain double arrays outside Tensor.
#pragma once

#include <concepts>
#include <cstdint>
#include <string_view>

#include "mantissa/core/half.hpp"

namespace mantissa {

template <class T>
inline constexpr bool is_dtype_v =
    std::same_as<T, float> || std::same_as<T, half> || std::same_as<T, bfloat16> ||
    std::same_as<T, std::int32_t> || std::same_as<T, std::uint8_t>;

template <class T>
concept Dtype = is_dtype_v<T>;

// Floating dtypes: the ones arithmetic kernels (GEMM, activations) accept.
template <class T>
concept FloatDtype = std::same_as<T, float> || std::same_as<T, half> || std::same_as<T, bfloat16>;

// 16-bit floats: stored narrow, computed in float32.
template <class T>
concept HalfDtype = std::same_as<T, half> || std::same_as<T, bfloat16>;

template <Dtype T>
inline constexpr std::string_view dtype_name = [] {
  if constexpr (std::same_as<T, float>) return "float32";
  else if constexpr (std::same_as<T, half>) return "float16";
  else if constexpr (std::same_as<T, bfloat16>) return "bfloat16";
  else if constexpr (std::same_as<T, std::int32_t>) return "int32";
  else return "uint8";
}();

// The type kernels compute in: float for the floating dtypes, the type itself otherwise.
template <Dtype T>
using accum_t = std::conditional_t<FloatDtype<T>, float, T>;

// Element conversion used by cast<>: explicit, round-to-nearest-even into 16-bit floats,
// and into integers by C++ conversion (truncation; callers check ranges where it matters).
template <Dtype To, Dtype From>
constexpr To convert_scalar(From v) noexcept {
  if constexpr (std::same_as<To, From>) {
    return v;
  } else if constexpr (HalfDtype<From>) {
    return convert_scalar<To>(static_cast<float>(v));
  } else if constexpr (HalfDtype<To>) {
    return To(static_cast<float>(v));
  } else {
    return static_cast<To>(v);
  }
}

}  // namespace mantissa
