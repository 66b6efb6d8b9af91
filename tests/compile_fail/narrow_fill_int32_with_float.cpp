// mistake: ops::fill(labels, 0.5f): the float is truncated, labels all 0
// expect-first: static assertion failed: mantissa: an integer tensor \(int32, uint8\)
// expect-head: an integer tensor \(int32, uint8\) is filled with an integer
// expect-head: would be truncated
// expect-head: is_integer_value<float>
#include <cstdint>
#include <utility>

#include "mantissa/core/core.hpp"

using namespace mantissa;

void reset(Tensor<std::int32_t>& labels) { ops::fill(default_context<Cpu>(), labels, 0.5f); }
