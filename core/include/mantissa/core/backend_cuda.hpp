// mantissa/core/backend_cuda.hpp: Backend<Cuda> as core/ sees it: the CUDA kernels that ops
// dispatch to, declared on plain pointers so that core/ names them without including cuda/
// (the floors of DESIGN.md), and which ops have one (has_kernel). They are defined by the
// cuda/ library; in a build without CUDA they throw CudaError naming the build option.
#pragma once

#include <cstddef>
#include <cstdint>

#include "mantissa/core/backend.hpp"
#include "mantissa/core/dtype.hpp"

namespace mantissa {

namespace cuda {
// dst[i] = *value for i in [0, n); elem_size is 1, 2 or 4 bytes.
void fill(void* dst, const void* value, std::size_t elem_size, std::int64_t n);
}  // namespace cuda

template <>
struct Backend<Cuda> {
  template <Dtype T>
  static void fill(Context<Cuda>&, T* x, T value, std::int64_t n) {
    cuda::fill(x, &value, sizeof(T), n);
  }
};

template <class T>
inline constexpr bool has_kernel<op::fill, Cuda, T> = true;

}  // namespace mantissa
