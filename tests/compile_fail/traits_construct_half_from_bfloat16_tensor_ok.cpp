// mistake: none: the positive control of traits_construct_half_from_bfloat16_tensor.cpp, one line changed (Tensor<half> y = cast<half>(b);)
// expect-success
#include <cstdint>
#include <utility>

#include "mantissa/core/core.hpp"

using namespace mantissa;

Tensor<half> to_half(Tensor<bfloat16> b) { Tensor<half> y = cast<half>(b); return y; }
