// optim/src/instances.cpp: the reference training set-up, compiled once (instances.hpp).
#include "mantissa/optim/instances.hpp"

namespace mantissa::detail {

template History fit_impl(Sequential<policy::float32, Cpu>&, Adam<policy::float32, Cpu>&,
                          LossScaler*, SoftmaxCrossEntropy&, data::ImageLoader<float>&,
                          data::ImageLoader<float>*, const FitOptions&);
template History fit_impl(Sequential<policy::mixed_float16, Cpu>&,
                          Adam<policy::mixed_float16, Cpu>&, LossScaler*, SoftmaxCrossEntropy&,
                          data::ImageLoader<half>&,
                          data::ImageLoader<half>*, const FitOptions&);
template History fit_impl(Sequential<policy::mixed_bfloat16, Cpu>&,
                          Adam<policy::mixed_bfloat16, Cpu>&, LossScaler*, SoftmaxCrossEntropy&,
                          data::ImageLoader<bfloat16>&,
                          data::ImageLoader<bfloat16>*, const FitOptions&);

}  // namespace mantissa::detail
