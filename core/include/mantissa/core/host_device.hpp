// mantissa/core/host_device.hpp: MANTISSA_HD marks a function that both the host and a CUDA
// device run (the dual-compiled kernel math of cuda/: one functor, a CUDA kernel under nvcc,
// a host loop elsewhere). Expands to nothing for a host compiler.
#pragma once

#if defined(__CUDACC__)
#define MANTISSA_HD __host__ __device__
#else
#define MANTISSA_HD
#endif
