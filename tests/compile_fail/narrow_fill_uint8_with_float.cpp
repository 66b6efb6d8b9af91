// mistake: ops::fill(pixels, 255.0f): a float into uint8
// expect-first: static assertion failed: mantissa: an integer tensor \(int32, uint8\)
// expect-head: an integer tensor \(int32, uint8\) is filled with an integer
// expect-head: would be truncated
// expect-head: is_integer_value<float>
#include <cstdint>
#include <utility>

#include "mantissa/core/core.hpp"

using namespace mantissa;

void white(Tensor<std::uint8_t>& pixels) { ops::fill(default_context<Cpu>(), pixels, 255.0f); }
