// mistake: to<double>(x): to<> takes a device; changing the dtype is cast<double>... which is not a dtype either
// expect-head: to<D>: D \(named in the note below\) is not a device
// expect: use to<Cpu>\(x\) or to<Cuda>\(x\); to change the dtype use cast<To>\(x\)
// expect: is_device_v<double>
#include "mantissa/mantissa.hpp"

using namespace mantissa;

void f(const Tensor<float>& x) {
  auto y = to<double>(x);
  (void)y;
}
