// mistake: cast<double> (double is not a dtype)
// expect-first: static assertion failed: mantissa::cast<To>: To \(named in the note
// expect-head: is not a dtype
// expect: cast<To>: To \(named in the note below\) is not a dtype
// expect: is_dtype_v<double>
#include "mantissa/core/core.hpp"

using namespace mantissa;

void f(const Tensor<float>& x) {
  auto y = cast<double>(x);
  (void)y;
}
