// mistake: mean(labels) of an int32 tensor (reductions take floating dtypes)
// expect-first: static assertion failed: mantissa: arithmetic needs a floating dtype
// expect-head: cast<float>\(x\)
// expect-head: is_float_dtype<int>
#include <cstdint>

#include "mantissa/core/core.hpp"

using namespace mantissa;

float average(const Tensor<std::int32_t>& labels) { return mean(labels)[0]; }  // fix: float average(const Tensor<std::int32_t>& labels) { return mean(cast<float>(labels))[0]; }
