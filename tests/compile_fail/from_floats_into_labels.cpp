// mistake: Tensor<int32_t>::from({0.0f, 1.0f}): floating values into an integer tensor (truncation)
// expect-first: static assertion failed: mantissa: Tensor::from: an integer tensor
// expect-head: would be truncated
// expect-head: is_list_value<int, float>
#include <cstdint>

#include "mantissa/core/core.hpp"

using namespace mantissa;

Tensor<std::int32_t> labels() { return Tensor<std::int32_t>::from({0.0f, 1.0f}); }  // fix: Tensor<std::int32_t> labels() { return Tensor<std::int32_t>::from({0, 1}); }
