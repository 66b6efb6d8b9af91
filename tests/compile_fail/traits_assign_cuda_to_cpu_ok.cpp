// mistake: none: the positive control of traits_assign_cuda_to_cpu.cpp, one line changed (y = to<Cpu>(gpu);)
// expect-success
#include <cstdint>
#include <utility>

#include "mantissa/core/core.hpp"

using namespace mantissa;

void fetch(Tensor<float>& y, Tensor<float, Cuda>& gpu) { y = to<Cpu>(gpu); }
