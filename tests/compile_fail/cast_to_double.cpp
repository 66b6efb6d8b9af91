// mistake: cast<double> (double is not a dtype)
// expect-head: cast<To>: To \(named in the note below\) is not a dtype
// expect: is_dtype_v<double>
#include "mantissa/mantissa.hpp"

using namespace mantissa;

void f(const Tensor<float>& x) {
  auto y = cast<double>(x);
  (void)y;
}
