// cuda/emulation/cublas.cpp: a test double of cuBLAS and cuBLASLt for the emulation build.
// Handles are bookkeeping (a handle must be live and have a stream set by the engine); the
// compute calls apply cuBLAS's documented argument rules (operations, leading dimensions,
// the type combinations of cublasGemmEx) and compute the product on the host, so that the
// engine's cuBLAS argument arithmetic is what the parity suite checks.
#include <cublasLt.h>
#include <cublas_v2.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>

#include "handles.hpp"
#include "mantissa/core/half.hpp"

namespace {
mantissa::emulation::HandleRegistry& handles() {
  static auto* h = new mantissa::emulation::HandleRegistry;  // never destroyed: used at exit
  return *h;
}

// One element of a matrix of cudaDataType `t`, widened to float; and the rounding of a float
// result to `t` (round-to-nearest-even, as mantissa's own conversions and cuBLAS's epilogue).
float load(const void* p, cudaDataType t, std::int64_t i) {
  switch (t) {
    case CUDA_R_16F: return static_cast<float>(static_cast<const mantissa::half*>(p)[i]);
    case CUDA_R_16BF: return static_cast<float>(static_cast<const mantissa::bfloat16*>(p)[i]);
    default: return static_cast<const float*>(p)[i];
  }
}
void store(void* p, cudaDataType t, std::int64_t i, float v) {
  switch (t) {
    case CUDA_R_16F: static_cast<mantissa::half*>(p)[i] = mantissa::half(v); break;
    case CUDA_R_16BF: static_cast<mantissa::bfloat16*>(p)[i] = mantissa::bfloat16(v); break;
    default: static_cast<float*>(p)[i] = v;
  }
}

// The (Atype, Btype, Ctype) combinations cublasGemmEx documents for CUBLAS_COMPUTE_32F with
// real 16- and 32-bit floats (the ones this double computes; its scale type is float).
bool supported_32f(cudaDataType a, cudaDataType b, cudaDataType c) {
  if (a != b) return false;
  switch (a) {
    case CUDA_R_16F: return c == CUDA_R_16F || c == CUDA_R_32F;
    case CUDA_R_16BF: return c == CUDA_R_16BF || c == CUDA_R_32F;
    case CUDA_R_32F: return c == CUDA_R_32F;
    default: return false;
  }
}

}  // namespace

extern "C" {

cublasStatus_t CUBLASWINAPI cublasCreate_v2(cublasHandle_t* handle) {
  *handle = static_cast<cublasHandle_t>(handles().create());
  return CUBLAS_STATUS_SUCCESS;
}
cublasStatus_t CUBLASWINAPI cublasDestroy_v2(cublasHandle_t handle) {
  return handles().destroy(handle) ? CUBLAS_STATUS_SUCCESS : CUBLAS_STATUS_NOT_INITIALIZED;
}
cublasStatus_t CUBLASWINAPI cublasSetStream_v2(cublasHandle_t handle, cudaStream_t) {
  return handles().live(handle) ? CUBLAS_STATUS_SUCCESS : CUBLAS_STATUS_NOT_INITIALIZED;
}
cublasStatus_t CUBLASWINAPI cublasSetMathMode(cublasHandle_t handle, cublasMath_t) {
  return handles().live(handle) ? CUBLAS_STATUS_SUCCESS : CUBLAS_STATUS_NOT_INITIALIZED;
}
const char* CUBLASWINAPI cublasGetStatusName(cublasStatus_t status) {
  switch (status) {
    case CUBLAS_STATUS_SUCCESS: return "CUBLAS_STATUS_SUCCESS";
    case CUBLAS_STATUS_NOT_INITIALIZED: return "CUBLAS_STATUS_NOT_INITIALIZED";
    case CUBLAS_STATUS_INVALID_VALUE: return "CUBLAS_STATUS_INVALID_VALUE";
    case CUBLAS_STATUS_NOT_SUPPORTED: return "CUBLAS_STATUS_NOT_SUPPORTED";
    default: return "CUBLAS_STATUS_(emulated)";
  }
}
const char* CUBLASWINAPI cublasGetStatusString(cublasStatus_t status) {
  switch (status) {
    case CUBLAS_STATUS_SUCCESS: return "success";
    case CUBLAS_STATUS_NOT_INITIALIZED: return "the library was not initialized";
    case CUBLAS_STATUS_INVALID_VALUE: return "an unsupported value or parameter was passed";
    case CUBLAS_STATUS_NOT_SUPPORTED: return "the functionality requested is not supported";
    default: return "emulated cuBLAS error";
  }
}

// Column-major C (m, n) = alpha op(A) op(B) + beta C, checked first as cuBLAS checks it:
// NOT_INITIALIZED for a handle that is not live; INVALID_VALUE for a bad operation, a negative
// size, a leading dimension below max(1, rows of the stored matrix), or null scalars;
// NOT_SUPPORTED for a type combination or compute type outside the table above. The handle's
// pointer mode is the default (host), so alpha and beta are host floats. Sums in double, one
// rounding to Ctype; beta == 0 does not read C (cuBLAS: C need not be a valid input then).
cublasStatus_t CUBLASWINAPI cublasGemmEx(cublasHandle_t handle, cublasOperation_t transa,
                                         cublasOperation_t transb, int m, int n, int k,
                                         const void* alpha, const void* A, cudaDataType Atype,
                                         int lda, const void* B, cudaDataType Btype, int ldb,
                                         const void* beta, void* C, cudaDataType Ctype, int ldc,
                                         cublasComputeType_t computeType, cublasGemmAlgo_t) {
  if (!handles().live(handle)) return CUBLAS_STATUS_NOT_INITIALIZED;
  const auto valid_op = [](cublasOperation_t op) {
    return op == CUBLAS_OP_N || op == CUBLAS_OP_T || op == CUBLAS_OP_C;
  };
  if (!valid_op(transa) || !valid_op(transb)) return CUBLAS_STATUS_INVALID_VALUE;
  if (m < 0 || n < 0 || k < 0) return CUBLAS_STATUS_INVALID_VALUE;
  if (lda < std::max(1, transa == CUBLAS_OP_N ? m : k)) return CUBLAS_STATUS_INVALID_VALUE;
  if (ldb < std::max(1, transb == CUBLAS_OP_N ? k : n)) return CUBLAS_STATUS_INVALID_VALUE;
  if (ldc < std::max(1, m)) return CUBLAS_STATUS_INVALID_VALUE;
  if (alpha == nullptr || beta == nullptr) return CUBLAS_STATUS_INVALID_VALUE;
  if (computeType != CUBLAS_COMPUTE_32F || !supported_32f(Atype, Btype, Ctype))
    return CUBLAS_STATUS_NOT_SUPPORTED;
  if (m == 0 || n == 0) return CUBLAS_STATUS_SUCCESS;

  const double a_scale = *static_cast<const float*>(alpha);
  const float b_scale = *static_cast<const float*>(beta);
  const bool ta = transa != CUBLAS_OP_N, tb = transb != CUBLAS_OP_N;  // real types: C == T
  for (std::int64_t j = 0; j < n; ++j)
    for (std::int64_t i = 0; i < m; ++i) {
      double sum = 0.0;
      for (std::int64_t p = 0; p < k; ++p) {
        const float x = load(A, Atype, ta ? i * lda + p : p * lda + i);
        const float y = load(B, Btype, tb ? p * ldb + j : j * ldb + p);
        sum += static_cast<double>(x) * static_cast<double>(y);
      }
      const std::int64_t at = j * ldc + i;
      double r = a_scale * sum;
      if (b_scale != 0.0f) r += static_cast<double>(b_scale) * load(C, Ctype, at);
      store(C, Ctype, at, static_cast<float>(r));
    }
  return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t CUBLASWINAPI cublasLtCreate(cublasLtHandle_t* handle) {
  *handle = reinterpret_cast<cublasLtHandle_t>(std::malloc(64));
  return CUBLAS_STATUS_SUCCESS;
}
cublasStatus_t CUBLASWINAPI cublasLtDestroy(cublasLtHandle_t handle) {
  std::free(handle);
  return CUBLAS_STATUS_SUCCESS;
}

}  // extern "C"
