// cuda/src/gemm.cu: the matrix product on the GPU, through cublasGemmEx, with the CPU's
// contract (cpu/gemm.hpp): row-major A, B, C with leading dimensions, op(X) = X or X^T,
// products and sums in float32 whatever the input dtype, C in the inputs' dtype or float32.
//
// cuBLAS is column-major. A row-major (m, n) C is the column-major (n, m) matrix C^T, and
// C^T = op(B)^T op(A)^T, so cuBLAS is asked for an (n, m) product of B then A with the same
// operations and the same leading dimensions: no data moves.
//
// Precision: CUBLAS_COMPUTE_32F for every dtype, float32 included (not _FAST_TF32: float32
// products stay float32 as on the CPU); the result is rounded once to C's dtype. No cuBLAS
// workspace is set: the handle keeps the default one cuBLAS allocates itself.
#include <cublas_v2.h>

#include <climits>
#include <string>
#include <type_traits>

#include "launch.hpp"
#include "library_check.hpp"
#include "mantissa/core/backend_cuda.hpp"
#include "mantissa/core/half.hpp"

namespace mantissa {

namespace cuda {
namespace {

template <class T>
constexpr cudaDataType data_type() {
  if constexpr (std::is_same_v<T, float>) return CUDA_R_32F;
  else if constexpr (std::is_same_v<T, half>) return CUDA_R_16F;
  else return CUDA_R_16BF;
}

// C = beta * C over an (m, n) block with row stride ldc: the CPU's k == 0 / alpha == 0 case,
// where A and B are not read and beta == 0 writes zeros without reading C.
template <class TC>
struct ScaleC {
  TC* c;
  std::int64_t n, ldc;
  float beta;
  MANTISSA_HD void operator()(std::int64_t i) const {
    TC& x = c[(i / n) * ldc + i % n];
    x = beta == 0.0f ? TC(0.0f) : TC(beta * static_cast<float>(x));
  }
};

// cuBLAS takes int sizes; larger ones would wrap silently.
int to_int(std::int64_t v, const char* what) {
  if (v > INT_MAX)
    throw_error("cublasGemmEx", "dimension too large",
                (std::string(what) + " = " + std::to_string(v) + " exceeds INT_MAX").c_str());
  return static_cast<int>(v);
}

}  // namespace
}  // namespace cuda

template <FloatDtype T, FloatDtype TC>
void Backend<Cuda>::gemm(Ctx& ctx, bool ta, bool tb, std::int64_t m, std::int64_t n,
                         std::int64_t k, float alpha, const T* a, std::int64_t lda, const T* b,
                         std::int64_t ldb, float beta, TC* c, std::int64_t ldc) {
  if (m <= 0 || n <= 0) return;
  if (k <= 0 || alpha == 0.0f) {
    cuda::for_each(ctx, m * n, cuda::ScaleC<TC>{c, n, ldc, beta}, "gemm (C = beta C)");
    return;
  }
  // C^T (n, m) = op(B)^T (n, k) op(A)^T (k, m), column-major.
  const cublasOperation_t op_b = tb ? CUBLAS_OP_T : CUBLAS_OP_N;
  const cublasOperation_t op_a = ta ? CUBLAS_OP_T : CUBLAS_OP_N;
  cuda::check_cublas(
      cublasGemmEx(ctx.cublas(), op_b, op_a, cuda::to_int(n, "n"), cuda::to_int(m, "m"),
                   cuda::to_int(k, "k"), &alpha, b, cuda::data_type<T>(), cuda::to_int(ldb, "ldb"),
                   a, cuda::data_type<T>(), cuda::to_int(lda, "lda"), &beta, c,
                   cuda::data_type<TC>(), cuda::to_int(ldc, "ldc"), CUBLAS_COMPUTE_32F,
                   CUBLAS_GEMM_DEFAULT),
      "cublasGemmEx");
}

#define MANTISSA_CUDA_GEMM(T, TC)                                                               \
  template void Backend<Cuda>::gemm<T, TC>(Ctx&, bool, bool, std::int64_t, std::int64_t,       \
                                           std::int64_t, float, const T*, std::int64_t,        \
                                           const T*, std::int64_t, float, TC*, std::int64_t);
MANTISSA_CUDA_GEMM(float, float)
MANTISSA_CUDA_GEMM(half, half)
MANTISSA_CUDA_GEMM(half, float)
MANTISSA_CUDA_GEMM(bfloat16, bfloat16)
MANTISSA_CUDA_GEMM(bfloat16, float)
#undef MANTISSA_CUDA_GEMM

}  // namespace mantissa
