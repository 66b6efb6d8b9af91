// mantissa/core/print.hpp: `std::cout << x` shows dtype, device, shape and values.
//
//   Tensor<float16, cpu> shape (2, 3)
//   [[1, 2, 3],
//    [4, 5, 6]]
//
// Axes longer than 6 show their first and last 3 entries around "...", as NumPy does.
// A Cuda tensor prints its header only (its values are on the device: print to<Cpu>(x)).
#pragma once

#include <ostream>
#include <string>

#include "mantissa/core/tensor.hpp"

namespace mantissa {

namespace detail {
std::string format_scalar(float v);
std::string format_scalar(std::int32_t v);

template <class T>
std::string format_element(T v) {
  if constexpr (std::same_as<T, std::int32_t> || std::same_as<T, std::uint8_t>)
    return format_scalar(static_cast<std::int32_t>(v));
  else
    return format_scalar(static_cast<float>(v));
}

template <class T>
void print_axis(std::ostream& os, const T* data, const Shape& s, int axis, int indent) {
  constexpr std::int64_t edge = 3;
  const std::int64_t n = s[axis];
  const std::int64_t stride = s.stride(axis);
  const bool last = axis == s.rank() - 1;
  os << '[';
  for (std::int64_t i = 0; i < n; ++i) {
    if (n > 2 * edge && i == edge) {
      os << (last ? "..., " : "...,\n" + std::string(static_cast<std::size_t>(indent + 1), ' '));
      i = n - edge;
    }
    if (last) os << format_element(data[i]);
    else print_axis(os, data + i * stride, s, axis + 1, indent + 1);
    if (i + 1 < n)
      os << (last ? ", " : ",\n" + std::string(static_cast<std::size_t>(indent + 1), ' '));
  }
  os << ']';
}
}  // namespace detail

template <class T, class D>
std::ostream& operator<<(std::ostream& os, const TensorView<T, D>& x) {
  using V = std::remove_const_t<T>;
  os << "Tensor<" << dtype_name<V> << ", " << D::name << "> shape " << x.shape().str();
  if constexpr (std::same_as<D, Cpu>) {
    os << '\n';
    if (x.rank() == 0) os << detail::format_element(x.data()[0]);
    else if (x.numel() == 0) os << "[]";
    else detail::print_axis<V>(os, x.data(), x.shape(), 0, 0);
  }
  return os;
}

template <class T, class D>
std::ostream& operator<<(std::ostream& os, const Tensor<T, D>& x) {
  return os << x.view();
}

}  // namespace mantissa
