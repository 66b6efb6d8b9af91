// mistake: none: the positive control of traits_return_other_dtype.cpp, one line changed (return cast<float>(x);)
// expect-success
#include "mantissa/core/core.hpp"

using namespace mantissa;

Tensor<float> widen(Tensor<half> x) { return cast<float>(x); }
