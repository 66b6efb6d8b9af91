// mistake: full<int32_t>(s, 3e9f): a float beyond int32, an undefined conversion
// expect-first: static assertion failed: mantissa: an integer tensor \(int32, uint8\)
// expect-head: an integer tensor \(int32, uint8\) is filled with an integer
// expect-head: would be truncated
// expect-head: is_integer_value<float>
#include <cstdint>
#include <utility>

#include "mantissa/core/core.hpp"

using namespace mantissa;

Tensor<std::int32_t> big() { return full<std::int32_t>(Shape{4}, 3e9f); }
