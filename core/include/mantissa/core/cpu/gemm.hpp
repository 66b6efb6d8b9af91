// mantissa/core/cpu/gemm.hpp: the CPU matrix product, on raw row-major pointers.
//
//   C(m, n) = alpha * op(A)(m, k) * op(B)(k, n) + beta * C(m, n)
//
// op(X) is X or its transpose. All matrices are row-major with leading dimensions (row
// strides, in elements) lda, ldb, ldc: A is stored (m, k) when ta == no and (k, m) when
// ta == yes; likewise B is (k, n) or (n, k).
//
// Precision: products and sums are float32 whatever T is. 16-bit inputs are widened to float
// when packed, so half and bfloat16 cost one conversion per element of A and B, not per
// multiply-add. C may be T or float: layers write weight gradients of 16-bit activations
// straight into float32 (DESIGN: "Weight gradients are written in float32").
//
// beta == 0 overwrites C without reading it (NaN in an uninitialised C does not leak);
// beta == 1 accumulates. Threads: the OpenMP thread count (see threads.hpp). Kernels trust
// their arguments; the shape checks are in ops::gemm.
#pragma once

#include <cstdint>

#include "mantissa/core/dtype.hpp"

namespace mantissa::cpu {

enum class Transpose : bool { no = false, yes = true };

// Instantiated for (T, TC) in {(float, float), (half, half), (half, float),
// (bfloat16, bfloat16), (bfloat16, float)}.
template <FloatDtype T, FloatDtype TC>
void gemm(Transpose ta, Transpose tb, std::int64_t m, std::int64_t n, std::int64_t k, float alpha,
          const T* a, std::int64_t lda, const T* b, std::int64_t ldb, float beta, TC* c,
          std::int64_t ldc);

}  // namespace mantissa::cpu
