// mistake: none: the positive control of narrow_fill_int32_with_float.cpp, one line changed (labels, 0))
// expect-success
#include <cstdint>
#include <utility>

#include "mantissa/core/core.hpp"

using namespace mantissa;

void reset(Tensor<std::int32_t>& labels) { ops::fill(default_context<Cpu>(), labels, 0); }
