// mistake: passing a Tensor by value, which copies (take a TensorView or const&, or clone())
// expect-first: use of deleted function .mantissa::Tensor<T, D>::Tensor\(const
// expect-head: deleted
// expect-head: copy explicitly with x.clone\(\)
// gcc-expect-head: use of deleted function .mantissa::Tensor<T, D>::Tensor\(const mantissa::Tensor<T, D>&\) \[with T = float. D = mantissa::Cpu\].
// gcc-expect: initializing argument 1 of .void consume\(mantissa::Tensor<float(, mantissa::Cpu)?>\).
#include "mantissa/core/core.hpp"

using namespace mantissa;

void consume(Tensor<float> t);

void f(const Tensor<float>& x) { consume(x); }
