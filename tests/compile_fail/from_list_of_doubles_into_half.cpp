// mistake: Tensor<half>::from({0.1, 2.5}): a list of doubles into a 16-bit tensor (it would narrow silently)
// expect-first: static assertion failed: mantissa: Tensor::from: these values are doubles
// expect-head: would narrow silently into a floating tensor
// expect-head: list floats: \{0\.5f, 1\.5f\}, or float\(d\)
// expect-head: is_list_value<mantissa::half, double>
#include "mantissa/core/core.hpp"

using namespace mantissa;

Tensor<half> weights() { return Tensor<half>::from({0.1, 2.5}); }  // fix: Tensor<half> weights() { return Tensor<half>::from({0.1f, 2.5f}); }
