// layers/src/cuda.cpp: the layers with out-of-line definitions, and Sequential, for the CUDA
// device under every policy (built when mantissa has the CUDA backend). The same templates
// as the CPU's: only the backend their ops reach differs.
#include "mantissa/layers/impl/conv2d.ipp"
#include "mantissa/layers/impl/dense.ipp"
#include "mantissa/layers/impl/sequential.ipp"

namespace mantissa {

template class DenseLayer<policy::float32, Cuda>;
template class DenseLayer<policy::mixed_float16, Cuda>;
template class DenseLayer<policy::mixed_bfloat16, Cuda>;

template class Conv2DLayer<policy::float32, Cuda>;
template class Conv2DLayer<policy::mixed_float16, Cuda>;
template class Conv2DLayer<policy::mixed_bfloat16, Cuda>;

template class Sequential<policy::float32, Cuda>;
template class Sequential<policy::mixed_float16, Cuda>;
template class Sequential<policy::mixed_bfloat16, Cuda>;

}  // namespace mantissa
