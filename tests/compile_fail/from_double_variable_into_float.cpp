// mistake: Tensor<float>::from({{x, y}}) from double variables (GCC only warns for a narrowing list)
// expect-first: static assertion failed: mantissa: Tensor::from: these values are doubles
// expect-head: list floats
// expect-head: is_list_value<float, double>
#include "mantissa/core/core.hpp"

using namespace mantissa;

Tensor<float> point(double x, double y) { return Tensor<float>::from({{x, y}}); }  // fix: Tensor<float> point(double x, double y) { return Tensor<float>::from({{float(x), float(y)}}); }
