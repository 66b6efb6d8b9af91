// mistake: ops::fill(mask, true): a bool into an int32 tensor
// expect-first: static assertion failed: mantissa: an integer tensor \(int32, uint8\)
// expect-head: an integer tensor \(int32, uint8\) is filled with an integer
// expect-head: is a bool: write 0 or 1
// expect-head: is_integer_value<bool>
#include <cstdint>
#include <utility>

#include "mantissa/core/core.hpp"

using namespace mantissa;

void on(Tensor<std::int32_t>& mask) { ops::fill(default_context<Cpu>(), mask, true); }
