// cuda/src/check.hpp: CUDA runtime, cuBLAS and cuDNN statuses into CudaError naming the call
// and the status ("cublasGemmEx: CUBLAS_STATUS_INVALID_VALUE (...)").
#pragma once

#include <cuda_runtime_api.h>

#include <string>

#include "mantissa/core/error.hpp"

namespace mantissa::cuda {

[[noreturn]] inline void throw_error(const char* call, const char* status, const char* detail) {
  throw CudaError(std::string(call) + ": " + status + (detail && *detail ? " (" : "") +
                  (detail && *detail ? std::string(detail) + ")" : std::string()));
}

inline void check_cuda(cudaError_t status, const char* call) {
  if (status != cudaSuccess) {
    (void)cudaGetLastError();  // clear the sticky-free error so the next call starts clean
    throw_error(call, cudaGetErrorName(status), cudaGetErrorString(status));
  }
}

}  // namespace mantissa::cuda
