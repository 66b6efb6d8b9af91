// mantissa/optim/instances.hpp: the reference training set-up compiled once, in the library
// (optim/src/instances.cpp), instead of in every program that trains with it: fit on a
// Sequential<P, Cpu> with Adam, SoftmaxCrossEntropy and data::ImageLoader, under each policy.
// Programs that train anything else instantiate what they use, as before.
#pragma once

#include "mantissa/data/loader.hpp"
#include "mantissa/optim/adam.hpp"
#include "mantissa/optim/fit.hpp"

namespace mantissa::detail {

extern template History fit_impl(Sequential<policy::float32, Cpu>&, Adam<policy::float32, Cpu>&,
                                 LossScaler*, SoftmaxCrossEntropy&, data::ImageLoader<float>&,
                                 data::ImageLoader<float>*, const FitOptions&);
extern template History fit_impl(Sequential<policy::mixed_float16, Cpu>&,
                                 Adam<policy::mixed_float16, Cpu>&, LossScaler*,
                                 SoftmaxCrossEntropy&, data::ImageLoader<half>&,
                                 data::ImageLoader<half>*, const FitOptions&);
extern template History fit_impl(Sequential<policy::mixed_bfloat16, Cpu>&,
                                 Adam<policy::mixed_bfloat16, Cpu>&, LossScaler*,
                                 SoftmaxCrossEntropy&, data::ImageLoader<bfloat16>&,
                                 data::ImageLoader<bfloat16>*, const FitOptions&);

}  // namespace mantissa::detail
