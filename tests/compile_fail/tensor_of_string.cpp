// mistake: a Tensor of std::string (only float, half, bfloat16, int32_t, uint8_t are dtypes)
// expect-first: static assertion failed: mantissa::Tensor<T>: T is not a dtype; the
// expect-head: Tensor<T>: T is not a dtype
// expect: float, mantissa::half, mantissa::bfloat16, std::int32_t and std::uint8_t
// expect: is_dtype_v<std::(__cxx11::)?basic_string<char
#include <string>

#include "mantissa/core/core.hpp"

using namespace mantissa;

Tensor<std::string> names;
