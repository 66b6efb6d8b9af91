// mistake: a Cuda model in a build of mantissa without its CUDA backend (a link error otherwise)
// expect-first: this build of mantissa has no CUDA backend
// expect-head: this build of mantissa has no CUDA backend
// expect-head: -DMANTISSA_CUDA=ON
// As a build without the CUDA backend sees the headers:
#undef MANTISSA_WITH_CUDA
#include "mantissa/mantissa.hpp"

using namespace mantissa;
using F16 = policy::mixed_float16;
using BF16 = policy::mixed_bfloat16;
using F32 = policy::float32;

void f() { Sequential<F32, Cuda> model(Shape{4}, Dense(2)); }  // fix: void f() { Sequential<F32, Cpu> model(Shape{4}, Dense(2)); }
