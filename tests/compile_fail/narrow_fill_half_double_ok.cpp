// mistake: none: the positive control of narrow_fill_half_double.cpp, one line changed (h, 0.5f))
// expect-success
#include "mantissa/core/core.hpp"

using namespace mantissa;

void halves(Tensor<half>& h) { ops::fill(default_context<Cpu>(), h, 0.5f); }
