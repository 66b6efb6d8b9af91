// core/src/device_cuda_absent.cpp: the Cuda device in a build without the CUDA backend.
// Tensor<T, Cuda> still compiles (the device is part of the type everywhere); using one at
// run time says why it cannot work.
#include "mantissa/core/backend_cuda.hpp"
#include "mantissa/core/device.hpp"
#include "mantissa/core/error.hpp"

namespace mantissa {

namespace detail {
[[noreturn]] void no_cuda() {
  throw CudaError(
      "mantissa was built without the CUDA backend (MANTISSA_CUDA=OFF, or nvcc was not found "
      "when it was configured): Tensor<T, Cuda> cannot be allocated");
}
}  // namespace detail

using detail::no_cuda;

void* Cuda::allocate(std::size_t) { no_cuda(); }
void Cuda::deallocate(void* p) noexcept { (void)p; }
void Cuda::zero_bytes(void*, std::size_t) { no_cuda(); }
bool Cuda::available() noexcept { return false; }

void Cuda::copy_within(void*, const void*, std::size_t) { no_cuda(); }
void Cuda::copy_from_host(void*, const void*, std::size_t) { no_cuda(); }
void Cuda::copy_to_host(void*, const void*, std::size_t) { no_cuda(); }

}  // namespace mantissa

namespace mantissa::cuda {
void fill(void*, const void*, std::size_t, std::int64_t) { detail::no_cuda(); }
}  // namespace mantissa::cuda
