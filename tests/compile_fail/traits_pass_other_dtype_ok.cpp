// mistake: none: the positive control of traits_pass_other_dtype.cpp, one line changed (consume(cast<float>(cast<half>(x))))
// expect-success
#include "mantissa/core/core.hpp"

using namespace mantissa;

void consume(Tensor<float> t);
void f(const Tensor<float>& x) { consume(cast<float>(cast<half>(x))); }
