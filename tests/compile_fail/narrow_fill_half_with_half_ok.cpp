// mistake: none: the positive control of narrow_fill_half_with_half.cpp, one line changed (h, float(s)))
// expect-success
#include "mantissa/core/core.hpp"

using namespace mantissa;

void set(Tensor<half>& h, half s) { ops::fill(default_context<Cpu>(), h, float(s)); }
