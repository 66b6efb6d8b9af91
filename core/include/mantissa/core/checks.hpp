// mantissa/core/checks.hpp: the compile-time checks behind "dtype mismatches are compile
// errors". Every op that takes several tensors states its requirements with these, so the
// compiler prints one static_assert message that says the fix, followed by a note such as
//   note: 'mantissa::same_dtype<float, mantissa::half>' evaluates to false
// which names both types. The variable templates are named for that note to read well.
#pragma once

#include <concepts>

#include "mantissa/core/tensor.hpp"

namespace mantissa {

template <class T>
inline constexpr bool is_float_dtype = FloatDtype<T>;
template <class X>
inline constexpr bool is_writable =
    !std::is_const_v<std::remove_reference_t<X>> &&
    !std::is_const_v<typename std::remove_cvref_t<decltype(std::declval<X&>().view())>::element_type>;

namespace detail {

// True when A and B (tensor-like) share dtype and device: ops guard their bodies with it so
// that a failed check above prints one message, not a cascade.
template <class A, class B>
inline constexpr bool compatible =
    same_dtype<dtype_of<A>, dtype_of<B>> && same_device<device_of<A>, device_of<B>>;

// Operands of one op: same dtype and same device. A and B are tensor-like.
template <class A, class B>
constexpr void require_same_dtype_and_device() {
  static_assert(same_dtype<dtype_of<A>, dtype_of<B>>,
                "mantissa: the operands have different dtypes (both named in the note below); "
                "nothing converts implicitly: convert one explicitly, e.g. cast<float>(x)");
  static_assert(same_device<device_of<A>, device_of<B>>,
                "mantissa: the operands live on different devices (both named in the note "
                "below); move one explicitly: to<Cuda>(x) or to<Cpu>(x)");
}

// An op's output must be writable: not a const tensor, not a TensorView<const T>.
template <class O>
constexpr void require_writable() {
  static_assert(is_writable<O>,
                "mantissa: the output argument is read-only (a const tensor or a "
                "TensorView<const T>, named in the note below); pass a mutable tensor or view");
}

// Arithmetic kernels take floating dtypes only.
template <class A>
constexpr void require_float_dtype() {
  static_assert(is_float_dtype<dtype_of<A>>,
                "mantissa: arithmetic needs a floating dtype (float, half, bfloat16), and this "
                "tensor's dtype (in the note below) is an integer: convert it with cast<float>(x)");
}

// Host code that reads a tensor's elements directly (printing, checks on host-side data).
template <class D>
constexpr void require_host_memory() {
  static_assert(is_host_device<D>,
                "mantissa: this function reads elements on the host, and this tensor's device "
                "(note below) is not host memory; copy it first: to<Cpu>(x)");
}

}  // namespace detail
}  // namespace mantissa
