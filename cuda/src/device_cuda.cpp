// cuda/src/device_cuda.cpp: device memory for Tensor<T, Cuda> through the CUDA runtime.
#include <cuda_runtime.h>

#include <string>

#include "mantissa/core/device.hpp"
#include "mantissa/core/error.hpp"

namespace mantissa {

namespace {
void check(cudaError_t status, const char* what) {
  if (status != cudaSuccess)
    throw CudaError(std::string(what) + ": " + cudaGetErrorName(status) + ": " +
                    cudaGetErrorString(status));
}
}  // namespace

void* Cuda::allocate(std::size_t bytes) {
  void* p = nullptr;
  check(cudaMalloc(&p, bytes), ("Cuda::allocate(" + std::to_string(bytes) + " bytes)").c_str());
  return p;
}

void Cuda::deallocate(void* p) noexcept {
  if (p) cudaFree(p);  // a failure here has nowhere to go: destructors do not throw
}

void Cuda::zero_bytes(void* p, std::size_t bytes) {
  check(cudaMemset(p, 0, bytes), "Cuda::zero_bytes");
}

bool Cuda::available() noexcept {
  int n = 0;
  return cudaGetDeviceCount(&n) == cudaSuccess && n > 0;
}

void Cuda::copy_from_host(void* dst, const void* src, std::size_t bytes) {
  check(cudaMemcpy(dst, src, bytes, cudaMemcpyHostToDevice), "copy host -> cuda");
}
void Cuda::copy_to_host(void* dst, const void* src, std::size_t bytes) {
  check(cudaMemcpy(dst, src, bytes, cudaMemcpyDeviceToHost), "copy cuda -> host");
}
void Cuda::copy_within(void* dst, const void* src, std::size_t bytes) {
  check(cudaMemcpy(dst, src, bytes, cudaMemcpyDeviceToDevice), "copy cuda -> cuda");
}

}  // namespace mantissa
