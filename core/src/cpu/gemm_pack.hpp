// core/src/cpu/gemm_pack.hpp: internal to the CPU GEMM: copying blocks of A and B into the
// float panels the micro-kernel reads (layout in gemm_kernel.hpp), widening half and bfloat16
// on the way, so a 16-bit element is converted once per pack, not once per multiply-add.
//
// a points at op(A)(0, 0) of the block: the block is mc x kc of op(A), A stored as in gemm.hpp
// (ta == no: element (i, p) at a[i * lda + p]; ta == yes: at a[p * lda + i]). Likewise b is
// the kc x nc block of op(B) (tb == no: (p, j) at b[p * ldb + j]; tb == yes: at b[j * ldb + p]).
// pa needs ceil(mc / kMR) * kMR * kc floats, pb ceil(nc / kNR) * kNR * kc, 64-byte aligned.
#pragma once

#include <cstdint>

#include "mantissa/core/cpu/gemm.hpp"
#include "mantissa/core/half.hpp"

namespace mantissa::cpu::gemm_detail::MANTISSA_ISA {

// T: float, half or bfloat16.
template <class T>
void pack_a(Transpose ta, const T* a, std::int64_t lda, std::int64_t mc, std::int64_t kc,
            float* pa) noexcept;
template <class T>
void pack_b(Transpose tb, const T* b, std::int64_t ldb, std::int64_t kc, std::int64_t nc,
            float* pb) noexcept;

// The packing routine for a block's storage, shared by the float panels (gemm_pack.cpp) and the
// bfloat16 pairs (gemm_pack_bf16.cpp): Rows when the block is op(X) = X as stored (t == no,
// k along A's rows, n along B's), Cols when op(X) is the transpose.
template <auto Rows, auto Cols, class... Args>
inline void pack_by_layout(Transpose t, Args... args) {
  if (t == Transpose::no)
    Rows(args...);
  else
    Cols(args...);
}

}  // namespace mantissa::cpu::gemm_detail::MANTISSA_ISA
