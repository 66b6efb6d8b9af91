// mistake: reading an element of a Cuda tensor on the host (copy it first: to<Cpu>(x))
// expect-head: no match for call to .\(mantissa::Tensor<float, mantissa::Cuda>\) \(int, int\).
// expect: std::same_as<D, mantissa::Cpu>|same_as<mantissa::Cuda, mantissa::Cpu>
#include "mantissa/mantissa.hpp"

using namespace mantissa;

float f(Tensor<float, Cuda>& x) { return x(0, 0); }
