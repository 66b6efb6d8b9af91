// mantissa/core/cast.hpp: the only two ways a tensor changes dtype or device.
//
//   cast<To>(x)   a new tensor of dtype To, same device. Floating -> 16-bit rounds to nearest
//                 even (overflow gives inf, as IEEE; policies check ranges at their input
//                 boundary). Floating -> integer truncates toward zero and throws
//                 NumericsError for NaN, inf or a value outside To's range (never UB).
//   to<D>(x)      a new tensor with the same dtype on device D (a clone when already there).
#pragma once

#include <limits>
#include <string>

#include "mantissa/core/checks.hpp"
#include "mantissa/core/cpu/convert.hpp"
#include "mantissa/core/cpu/numerics.hpp"

namespace mantissa {

namespace detail {
[[noreturn]] void throw_cast_range(std::string_view to, std::int64_t index, float value);
[[noreturn]] void throw_input_overflow(std::string_view to, std::int64_t index, float value,
                                       float limit);

template <class To, class From>
void cast_cpu(const From* src, To* dst, std::int64_t n) {
  const auto un = static_cast<std::size_t>(n);
  if constexpr (std::same_as<To, From>) {
    copy_bytes<Cpu, Cpu>(dst, src, un * sizeof(To));
  } else if constexpr (std::same_as<From, float> && HalfDtype<To>) {
    cpu::convert(src, dst, un);
  } else if constexpr (HalfDtype<From> && std::same_as<To, float>) {
    cpu::convert(src, dst, un);
  } else if constexpr (FloatDtype<From> && !FloatDtype<To>) {
    // Checked: a float -> integer conversion of NaN or an out-of-range value is UB in C++.
    for (std::int64_t i = 0; i < n; ++i) {
      const float v = static_cast<float>(src[i]);
      if (!(v > static_cast<float>(std::numeric_limits<To>::min()) - 1.0f &&
            v < static_cast<float>(std::numeric_limits<To>::max()) + 1.0f))
        throw_cast_range(dtype_name<To>, i, v);
      dst[i] = static_cast<To>(v);
    }
  } else {
    for (std::int64_t i = 0; i < n; ++i) dst[i] = convert_scalar<To>(src[i]);
  }
}
}  // namespace detail

template <class To, TensorLike X>
auto cast(const X& x) {  // -> Tensor<To, device_of<X>>; auto so a bad To gets one message
  static_assert(is_dtype_v<To>,
                "mantissa::cast<To>: To (named in the note below) is not a dtype; cast to one of "
                "float, mantissa::half, mantissa::bfloat16, std::int32_t, std::uint8_t");
  if constexpr (is_dtype_v<To>) {
    detail::require_cpu<device_of<X>>();
    auto out = Tensor<To, device_of<X>>::empty(x.shape());
    if constexpr (std::same_as<device_of<X>, Cpu>)
      detail::cast_cpu(x.data(), out.data(), x.numel());
    return out;
  }
}

template <class To, TensorLike X>
auto to(const X& x) {  // -> Tensor<dtype_of<X>, To>
  static_assert(is_device_v<To>,
                "mantissa::to<D>: D (named in the note below) is not a device; use to<Cpu>(x) or "
                "to<Cuda>(x); to change the dtype use cast<To>(x)");
  if constexpr (is_device_v<To>) {
    auto out = Tensor<dtype_of<X>, To>::empty(x.shape());
    if (x.numel()) copy_bytes<To, device_of<X>>(out.data(), x.data(), x.view().size_bytes());
    return out;
  }
}

// checked_cast<To>(x): cast float32 data into a narrower floating dtype at an input boundary,
// refusing any value that is NaN, infinite or beyond To's largest finite value (65504 for
// half): such data would silently become inf. Throws NumericsError naming the element,
// its value and the limit.
template <FloatDtype To, TensorLike X>
auto checked_cast(const X& x) {
  static_assert(same_dtype<dtype_of<X>, float>,
                "mantissa::checked_cast: the input must be float32 (note below); it checks float "
                "data on its way into a narrower dtype");
  detail::require_cpu<device_of<X>>();
  const float limit = static_cast<float>(std::numeric_limits<To>::max());
  if constexpr (same_dtype<dtype_of<X>, float>) {
    const auto bad = cpu::first_out_of_range(x.data(), x.numel(), limit);
    if (bad >= 0) detail::throw_input_overflow(dtype_name<To>, bad, x.data()[bad], limit);
  }
  return cast<To>(x);
}

}  // namespace mantissa
