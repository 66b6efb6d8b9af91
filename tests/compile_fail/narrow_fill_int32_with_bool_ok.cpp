// mistake: none: the positive control of narrow_fill_int32_with_bool.cpp, one line changed (mask, 1))
// expect-success
#include <cstdint>
#include <utility>

#include "mantissa/core/core.hpp"

using namespace mantissa;

void on(Tensor<std::int32_t>& mask) { ops::fill(default_context<Cpu>(), mask, 1); }
