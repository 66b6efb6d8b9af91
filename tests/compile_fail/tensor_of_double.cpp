// mistake: a Tensor<double> (double is deliberately not a dtype)
// expect-first: static assertion failed: mantissa::Tensor<T>: T is not a dtype; the
// expect-head: Tensor<T>: T is not a dtype
// expect: is_dtype_v<double>
#include "mantissa/core/core.hpp"

using namespace mantissa;

Tensor<double> x;
