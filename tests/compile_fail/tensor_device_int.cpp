// mistake: Tensor<float, int>: the second parameter is a device tag, not a rank or an index type
// expect-first: static assertion failed: mantissa::Tensor<T, D>: D is not a device
// expect-head: Tensor<T, D>: D is not a device
// expect: is_device_v<int>
#include "mantissa/core/core.hpp"

using namespace mantissa;

Tensor<float, int> x;
