// mistake: full<uint8_t>(s, 0.5): a double into uint8
// expect-first: static assertion failed: mantissa: an integer tensor \(int32, uint8\)
// expect-head: an integer tensor \(int32, uint8\) is filled with an integer
// expect-head: would be truncated
// expect-head: is_integer_value<double>
#include <cstdint>
#include <utility>

#include "mantissa/core/core.hpp"

using namespace mantissa;

Tensor<std::uint8_t> grey() { return full<std::uint8_t>(Shape{4}, 0.5); }
