// mantissa/core/cuda_kernels.hpp: the CUDA kernels that core's ops dispatch to, declared here
// on plain pointers so that core/ names them without including cuda/ (the floors of
// DESIGN.md). They are defined by the cuda/ library; in a build without CUDA they throw
// CudaError naming the build option.
#pragma once

#include <cstddef>
#include <cstdint>

namespace mantissa::cuda {

// dst[i] = *value for i in [0, n); elem_size is 1, 2 or 4 bytes.
void fill(void* dst, const void* value, std::size_t elem_size, std::int64_t n);

}  // namespace mantissa::cuda
