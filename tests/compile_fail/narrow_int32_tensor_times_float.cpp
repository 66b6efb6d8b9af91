// mistake: labels * 2.0f: integer tensors have no arithmetic (the message is that one, not the scalar's)
// expect-first: static assertion failed: mantissa: arithmetic needs a floating dtype
// expect-head: arithmetic needs a floating dtype
// expect-head: cast<float>\(x\)
// expect-head: is_float_dtype<int>
#include <cstdint>
#include <utility>

#include "mantissa/core/core.hpp"

using namespace mantissa;

Tensor<std::int32_t> twice(const Tensor<std::int32_t>& labels) { return labels * 2.0f; }
