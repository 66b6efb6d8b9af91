// cuda/src/library_check.hpp: cuBLAS and cuDNN statuses into CudaError naming the call and the
// status, for the files that call the libraries.
#pragma once

#include <cublas_v2.h>
#include <cudnn.h>

#include "check.hpp"

namespace mantissa::cuda {

inline void check_cublas(cublasStatus_t s, const char* call) {
  if (s != CUBLAS_STATUS_SUCCESS) throw_error(call, cublasGetStatusName(s), cublasGetStatusString(s));
}

inline void check_cudnn(cudnnStatus_t s, const char* call) {
  if (s != CUDNN_STATUS_SUCCESS) throw_error(call, cudnnGetErrorString(s), nullptr);
}

}  // namespace mantissa::cuda
