// mistake: to<double>(x): to<> takes a device (Cpu or Cuda), not a dtype
// expect-first: static assertion failed: mantissa::to<D>: D \(named in the note below\)
// expect-head: is not a device
// expect: to<D>: D \(named in the note below\) is not a device
// expect: use to<Cpu>\(x\) or to<Cuda>\(x\). to change the dtype use cast<To>\(x\)
// expect: is_device_v<double>
#include "mantissa/core/core.hpp"

using namespace mantissa;

void f(const Tensor<float>& x) {
  auto y = to<double>(x);
  (void)y;
}
