// mantissa/core/cpu/numerics.hpp: the kernels behind loss scaling and numerics checks.
#pragma once

#include <cstdint>

#include "mantissa/core/context.hpp"
#include "mantissa/core/dtype.hpp"

namespace mantissa::cpu {

struct NonFinite {
  std::int64_t inf = 0, nan = 0;
  std::int64_t total() const noexcept { return inf + nan; }
};

// How many elements are +-inf and how many NaN.
template <FloatDtype T>
NonFinite count_nonfinite(const T* x, std::int64_t n);

// g *= inv_scale, in place, and in the same pass the non-finite results: their count is
// added to status->nonfinite and the lowest index kept in status->first_nonfinite. The
// optimizer's one fused sweep over the float32 gradient arena (DESIGN: "checks all gradients
// for inf/NaN in one fused pass" with the unscale).
void unscale_and_check(float* g, std::int64_t n, float inv_scale, StepStatus* status);

// dst = round(src * scale) into T: the loss gradient, multiplied by the loss scale before it
// is narrowed to the compute dtype (so small gradients survive the narrowing).
template <FloatDtype T>
void convert_scaled(const float* src, T* dst, std::int64_t n, float scale);

// The first index whose |x| exceeds limit or is not finite, or -1: the range check of an
// input cast into a narrower dtype.
std::int64_t first_out_of_range(const float* x, std::int64_t n, float limit);

}  // namespace mantissa::cpu
