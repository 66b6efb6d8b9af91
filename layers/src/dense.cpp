// layers/src/dense.cpp: Dense for the CPU, under every policy.
#include "mantissa/layers/impl/dense.ipp"

namespace mantissa {
template class DenseLayer<policy::float32, Cpu>;
template class DenseLayer<policy::mixed_float16, Cpu>;
template class DenseLayer<policy::mixed_bfloat16, Cpu>;
}  // namespace mantissa
