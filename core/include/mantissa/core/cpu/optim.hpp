// mantissa/core/cpu/optim.hpp: fused optimizer updates on the CPU.
//
// One pass per parameter tensor reads the float32 gradient, updates the float32 master
// weights and moments, and writes the compute-dtype copy (T = half or bfloat16; null when
// the policy computes in float32): the mixed-precision step costs no extra sweep.
// Semantics are PyTorch's (torch.optim.SGD, Adam, AdamW), documented per kernel.
#pragma once

#include <cstdint>

#include "mantissa/core/dtype.hpp"
#include "mantissa/core/vocabulary.hpp"

namespace mantissa::cpu {

// g = grad + wd w; buf = momentum buf + g; step = nesterov ? g + momentum buf : buf;
// w -= lr step. (momentum 0: plain SGD, buf untouched and may be null.)
template <FloatDtype T>
void sgd_update(float* w, const float* grad, float* buf, T* compute, std::int64_t n,
                const SgdParams& p);

// m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2; w -= lr (m / (1 - b1^t)) / (sqrt(v / (1 -
// b2^t)) + eps).
template <FloatDtype T>
void adam_update(float* w, const float* grad, float* m, float* v, T* compute, std::int64_t n,
                 const AdamParams& p);

// torch.nn.utils.clip_grad_norm_ over one buffer: *norm = the L2 norm of g (its squares
// summed in double: a norm over millions of float squares loses digits in float); when it
// is finite and above max_norm, g *= max_norm / (norm + 1e-6).
void clip_grad_norm(float* g, std::int64_t n, float max_norm, float* norm);

}  // namespace mantissa::cpu
