// layers/src/sequential.cpp: Sequential for the CPU, under every policy.
#include "mantissa/layers/impl/sequential.ipp"

namespace mantissa {
template class Sequential<policy::float32, Cpu>;
template class Sequential<policy::mixed_float16, Cpu>;
template class Sequential<policy::mixed_bfloat16, Cpu>;
}  // namespace mantissa
