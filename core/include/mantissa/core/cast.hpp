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

#include "mantissa/core/ops.hpp"

namespace mantissa {

namespace detail {
[[noreturn]] void throw_input_overflow(std::string_view to, std::int64_t index, float value,
                                       float limit);
}  // namespace detail

namespace ops {
// dst = src converted into dst's dtype, on one device (the out-parameter form of cast<To>).
template <Device D, TensorLike Dst, TensorLike Src>
void cast_into(Context<D>& ctx, Dst&& dst, const Src& src) {
  static_assert(same_device<device_of<Dst>, device_of<Src>>,
                "mantissa::ops::cast_into: source and destination live on different devices "
                "(note below); move with to<D>(x) first");
  detail::require_writable<Dst>();
  detail::require_context<D, device_of<Src>>();
  detail::require_kernel<op::cast, D, dtype_of<Dst>>();
  if constexpr (same_device<device_of<Dst>, device_of<Src>> && is_writable<Dst> &&
                detail::same_context_device<D, device_of<Src>> &&
                has_kernel<op::cast, D, dtype_of<Dst>>) {
    detail::check_same_shape("cast_into", dst.shape(), src.shape());
    Backend<D>::template cast<dtype_of<Dst>, dtype_of<Src>>(ctx, src.data(), dst.view().data(),
                                                           src.numel());
  }
}
}  // namespace ops

template <class To, TensorLike X>
auto cast(const X& x) {  // -> Tensor<To, device_of<X>>; auto so a bad To gets one message
  static_assert(is_dtype_v<To>,
                "mantissa::cast<To>: To (named in the note below) is not a dtype; cast to one of "
                "float, mantissa::half, mantissa::bfloat16, std::int32_t, std::uint8_t");
  if constexpr (is_dtype_v<To>) {
    using D = device_of<X>;
    detail::require_kernel<op::cast, D, To>();
    auto out = Tensor<To, D>::empty(x.shape());
    if constexpr (has_kernel<op::cast, D, To>)
      Backend<D>::template cast<To, dtype_of<X>>(default_context<D>(), x.data(), out.data(),
                                                x.numel());
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
  detail::require_host_memory<device_of<X>>();
  const float limit = static_cast<float>(std::numeric_limits<To>::max());
  if constexpr (same_dtype<dtype_of<X>, float> && is_host_device<device_of<X>>) {
    const auto bad = cpu::first_out_of_range(x.data(), x.numel(), limit);
    if (bad >= 0) detail::throw_input_overflow(dtype_name<To>, bad, x.data()[bad], limit);
  }
  return cast<To>(x);
}

}  // namespace mantissa
