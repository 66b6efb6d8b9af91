// mistake: passing a Tensor by value, which copies (take a TensorView or const&, or clone())
// expect-head: use of deleted function .mantissa::Tensor<T, D>::Tensor\(const mantissa::Tensor<T, D>&\)
// expect: copy explicitly with x.clone\(\)
#include "mantissa/mantissa.hpp"

using namespace mantissa;

void consume(Tensor<float> t);

void f(const Tensor<float>& x) { consume(x); }
