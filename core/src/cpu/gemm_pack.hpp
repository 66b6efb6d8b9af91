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

namespace mantissa::cpu::gemm_detail {

void pack_a(Transpose ta, const float* a, std::int64_t lda, std::int64_t mc, std::int64_t kc,
            float* pa) noexcept;
void pack_a(Transpose ta, const half* a, std::int64_t lda, std::int64_t mc, std::int64_t kc,
            float* pa) noexcept;
void pack_a(Transpose ta, const bfloat16* a, std::int64_t lda, std::int64_t mc, std::int64_t kc,
            float* pa) noexcept;

void pack_b(Transpose tb, const float* b, std::int64_t ldb, std::int64_t kc, std::int64_t nc,
            float* pb) noexcept;
void pack_b(Transpose tb, const half* b, std::int64_t ldb, std::int64_t kc, std::int64_t nc,
            float* pb) noexcept;
void pack_b(Transpose tb, const bfloat16* b, std::int64_t ldb, std::int64_t kc, std::int64_t nc,
            float* pb) noexcept;

}  // namespace mantissa::cpu::gemm_detail
