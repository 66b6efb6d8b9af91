// mistake: Tensor<half> m = mean(x): a mean is float32 by its signature, whatever x's dtype
// expect-first: use of deleted function
// expect-head: dtype/device never convert implicitly: cast<T>\(x\), to<D>\(x\)
// gcc-expect-head: U = float
#include "mantissa/core/core.hpp"

using namespace mantissa;

Tensor<half> column_means(const Tensor<half>& x) { Tensor<half> m = mean(x, 0); return m; }  // fix: Tensor<half> column_means(const Tensor<half>& x) { Tensor<half> m = cast<half>(mean(x, 0)); return m; }
