// mantissa/core/tensor_from.hpp: Tensor<T, D>::from, a tensor of listed values (included by
// tensor.hpp; declared in the class there).
//
//   Tensor<float>::from({0.5f, 1.5f, 2.5f})          shape (3,)
//   Tensor<float>::from({1, 2, 3, 4}, {2, 2})        the count must be the shape's: ShapeError
//   Tensor<half>::from({{1, 2}, {3, 4}})             (rows, cols); ragged rows: ShapeError
//   Tensor<std::int32_t>::from({0, 2, 1})
//
// The values keep the dtype's rules (those of fill and checked_cast), checked per element:
//   - into float, half, bfloat16: floats, integers, or values of the tensor's own dtype.
//     A double does not compile: it would narrow silently (write 0.1f), as a double scalar
//     does not. An integer must be exact in float32 (|n| <= 2^24: ValueError otherwise).
//     Into half and bfloat16, NaN, inf or a value beyond the dtype's largest finite one (65504
//     for half) is a NumericsError naming the element, as checked_cast<half> says it: never
//     a silent inf.
//   - into int32 and uint8: integers, each in the dtype's range (ValueError naming the value
//     and the range, as fill); a floating value does not compile (it would truncate).
//   - a bool does not compile anywhere (a typo more often than a number).
// A list mixing types ({1.5f, 2}) deduces no element type and does not compile either: write
// every value alike. The tensor is built on the host and copied to D.
#pragma once

#include <concepts>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <string_view>
#include <utility>

#include "mantissa/core/tensor.hpp"

namespace mantissa {

// Whether a Tensor<T> is listed from values of type V (see above). Named for the compiler's
// note, which shows both types: "'mantissa::is_list_value<mantissa::half, double>' evaluates
// to false".
template <class T, class V>
inline constexpr bool is_list_value =
    !std::same_as<V, bool> &&
    (FloatDtype<T> ? (std::same_as<V, float> || std::same_as<V, T> || std::integral<V>)
                   : std::integral<V>);

namespace detail {
[[noreturn]] void throw_list_count(std::int64_t count, const Shape& shape);
[[noreturn]] void throw_ragged_rows(std::int64_t row, std::int64_t len, std::int64_t first_len);
[[noreturn]] void throw_list_overflow(std::string_view dtype, std::int64_t index, float value,
                                      float limit);
[[noreturn]] void throw_list_inexact(std::string_view dtype, std::int64_t index,
                                     long long value);
[[noreturn]] void throw_list_range(std::string_view dtype, std::int64_t index, long long value,
                                   long long lowest, long long highest);

// One static_assert at most, saying what the value is instead and the fix.
template <class T, class V>
constexpr bool check_list_value() {
  if constexpr (std::same_as<V, bool>)
    static_assert(is_list_value<T, V>,
                  "mantissa: Tensor::from: these values are bools; list numbers (0, 1, or "
                  "0.0f, 1.0f)");
  else if constexpr (FloatDtype<T> && std::floating_point<V>)
    static_assert(is_list_value<T, V>,
                  "mantissa: Tensor::from: these values are doubles (types in the note below), "
                  "which would narrow silently into a floating tensor (1e-50 becomes 0); list "
                  "floats: {0.5f, 1.5f}, or float(d)");
  else if constexpr (FloatDtype<T>)
    static_assert(is_list_value<T, V>,
                  "mantissa: Tensor::from: these values (types in the note below) are neither "
                  "floats, integers nor the tensor's dtype; widen 16-bit values visibly, "
                  "float(h), or build the tensor in their own dtype and cast<To>(x) it");
  else if constexpr (std::floating_point<V> || HalfDtype<V>)
    static_assert(is_list_value<T, V>,
                  "mantissa: Tensor::from: an integer tensor (int32, uint8) is listed from "
                  "integers, and these values (types in the note below) are floating: they "
                  "would be truncated; round them yourself first (std::lround)");
  else
    static_assert(is_list_value<T, V>,
                  "mantissa: Tensor::from: these values (types in the note below) are not "
                  "numbers a tensor holds");
  return is_list_value<T, V>;
}

// Value k of a list as a T, checked as the header says.
template <class T, class V>
T list_element(V v, std::int64_t k) {
  if constexpr (std::same_as<V, T>) {
    return v;
  } else if constexpr (FloatDtype<T>) {
    float f;
    if constexpr (std::integral<V>) {
      constexpr long long exact = 1LL << 24;  // float32's 24-bit significand
      const auto w = +v;  // char types promote: std::in_range takes none
      if (!std::in_range<long long>(w) || static_cast<long long>(w) > exact ||
          static_cast<long long>(w) < -exact)
        throw_list_inexact(dtype_name<T>, k, static_cast<long long>(w));
      f = static_cast<float>(w);
    } else {
      f = v;
    }
    if constexpr (HalfDtype<T>) {
      const auto limit = static_cast<float>(std::numeric_limits<T>::max());
      if (!(f >= -limit && f <= limit)) throw_list_overflow(dtype_name<T>, k, f, limit);
      return T(f);
    } else {
      return f;
    }
  } else {
    const auto w = +v;
    if (!std::in_range<T>(w))
      throw_list_range(dtype_name<T>, k, static_cast<long long>(w),
                       std::numeric_limits<T>::lowest(), std::numeric_limits<T>::max());
    return static_cast<T>(w);
  }
}

// A host tensor's contents as a tensor on D (the same tensor when D is the host).
template <class D, class T>
Tensor<T, D> on_device(Tensor<T, Cpu>&& host) {
  if constexpr (std::same_as<D, Cpu>) {
    return std::move(host);
  } else {
    auto t = Tensor<T, D>::empty(host.shape());
    if (t.data()) copy_bytes<D, Cpu>(t.data(), host.data(), t.size_bytes());
    return t;
  }
}
}  // namespace detail

template <class T, class D>
template <class V>
Tensor<T, D> Tensor<T, D>::from(std::initializer_list<V> values) {
  return from(values, Shape{static_cast<std::int64_t>(values.size())});
}

template <class T, class D>
template <class V>
Tensor<T, D> Tensor<T, D>::from(std::initializer_list<V> values, Shape shape) {
  if constexpr (detail::check_list_value<T, V>()) {
    if (static_cast<std::int64_t>(values.size()) != shape.numel())
      detail::throw_list_count(static_cast<std::int64_t>(values.size()), shape);
    auto host = Tensor<T, Cpu>::empty(shape);
    std::int64_t k = 0;
    for (const V& v : values) {
      host.data()[k] = detail::list_element<T>(v, k);
      ++k;
    }
    return detail::on_device<D>(std::move(host));
  } else {
    return Tensor();
  }
}

template <class T, class D>
template <class V>
Tensor<T, D> Tensor<T, D>::from(std::initializer_list<std::initializer_list<V>> rows) {
  if constexpr (detail::check_list_value<T, V>()) {
    const auto r = static_cast<std::int64_t>(rows.size());
    const auto c = r ? static_cast<std::int64_t>(rows.begin()->size()) : 0;
    auto host = Tensor<T, Cpu>::empty(Shape{r, c});
    std::int64_t i = 0, k = 0;
    for (const auto& row : rows) {
      if (static_cast<std::int64_t>(row.size()) != c)
        detail::throw_ragged_rows(i, static_cast<std::int64_t>(row.size()), c);
      for (const V& v : row) {
        host.data()[k] = detail::list_element<T>(v, k);
        ++k;
      }
      ++i;
    }
    return detail::on_device<D>(std::move(host));
  } else {
    return Tensor();
  }
}

}  // namespace mantissa
