// mantissa/core/cpu/reduce.hpp: reductions along one axis, on raw contiguous buffers.
//
// The input is seen as (outer, len, inner) and reduced over len, giving (outer, inner).
// Precision by signature: sum accumulates and returns float32 for every floating dtype; max
// returns the input dtype (exact: no rounding happens); argmax returns int32.
// NaN: max propagates it, argmax returns the index of the first NaN (as PyTorch); otherwise
// ties resolve to the first index. The order of additions is fixed (never depends on the
// thread count), so results are reproducible.
#pragma once

#include <cstdint>

#include "mantissa/core/dtype.hpp"

namespace mantissa::cpu {

template <FloatDtype T>
void sum(const T* x, std::int64_t outer, std::int64_t len, std::int64_t inner, float* out);

template <FloatDtype T>
void max(const T* x, std::int64_t outer, std::int64_t len, std::int64_t inner, T* out);

template <FloatDtype T>
void argmax(const T* x, std::int64_t outer, std::int64_t len, std::int64_t inner,
            std::int32_t* out);

}  // namespace mantissa::cpu
