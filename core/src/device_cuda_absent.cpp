// core/src/device_cuda_absent.cpp: the Cuda device in a build without the CUDA backend.
// Tensor<T, Cuda> still compiles (the device is part of the type everywhere); using one at
// run time says why it cannot work.
#include "mantissa/core/context.hpp"
#include "mantissa/core/device.hpp"
#include "mantissa/core/error.hpp"

namespace mantissa {

namespace detail {
[[noreturn]] void no_cuda() {
  throw CudaError(
      "mantissa was built without the CUDA backend (MANTISSA_CUDA=OFF, or nvcc was not found "
      "when it was configured): Tensor<T, Cuda> and Context<Cuda> cannot be made");
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

CudaAllocationStats cuda_allocation_stats() noexcept { return {}; }
void reset_cuda_peak_bytes() noexcept {}

// A context needs the CUDA runtime; none can be made here.
Context<Cuda>::Context() { no_cuda(); }
Context<Cuda>::~Context() = default;
void Context<Cuda>::release() noexcept {}
void Context<Cuda>::reset_status() { no_cuda(); }
StepStatus Context<Cuda>::read_status() const { no_cuda(); }
void Context<Cuda>::set_threads(int) { no_cuda(); }
void* Context<Cuda>::workspace(std::size_t) { no_cuda(); }
void* Context<Cuda>::pinned(std::size_t) { no_cuda(); }
void Context<Cuda>::upload(void*, const void*, std::size_t) { no_cuda(); }
void Context<Cuda>::wait_upload() { no_cuda(); }
void Context<Cuda>::synchronize() const { no_cuda(); }

}  // namespace mantissa

