// mistake: none: the positive control of narrow_fill_uint8_with_float.cpp, one line changed (pixels, 255))
// expect-success
#include <cstdint>
#include <utility>

#include "mantissa/core/core.hpp"

using namespace mantissa;

void white(Tensor<std::uint8_t>& pixels) { ops::fill(default_context<Cpu>(), pixels, 255); }
