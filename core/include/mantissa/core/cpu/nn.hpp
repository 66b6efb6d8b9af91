// mantissa/core/cpu/nn.hpp: the CPU kernels behind layers (bias, dropout, batch norm),
// losses and metrics. Raw contiguous buffers; shapes are checked by the callers (layers and ops).
//
// Letters: N batch rows, C columns/classes/channels.
// 16-bit inputs are widened to float per element; results are rounded once. Everything a
// layer reduces over (bias gradients, loss sums) accumulates in float32.
#pragma once

#include <cstdint>

#include "mantissa/core/context.hpp"
#include "mantissa/core/dtype.hpp"

namespace mantissa::cpu {

// y(N, C) += bias(C), bias in the compute dtype.
template <FloatDtype T>
void bias_add(T* y, const T* bias, std::int64_t n, std::int64_t c);

// dbias(C) = (or +=, when accumulate) sum over N of dy(N, C), in float32.
template <FloatDtype T>
void bias_grad(float* dbias, const T* dy, std::int64_t n, std::int64_t c, bool accumulate);

// The losses write their batch mean into *loss (float32) and their gradient w.r.t. the
// outputs into d* (float32, times grad_scale); log-sum-exp / log1p forms keep every value
// finite for finite inputs.

// Softmax cross-entropy from logits (N, C) and int32 labels (N), with the row max subtracted
// before exp (so no exp overflows). dlogits(N, C) = (softmax - onehot) * grad_scale / N.
// A label outside [0, C) makes *loss NaN and is recorded in status (its row and value, the
// first one only) for the host to report.
template <FloatDtype T>
void softmax_cross_entropy(const T* logits, const std::int32_t* labels, std::int64_t n,
                           std::int64_t c, float grad_scale, float* dlogits, float* loss,
                           StepStatus* status);

// Binary cross-entropy from logits z (N) and float targets t (N) in [0, 1]:
// mean of max(z, 0) - z t + log(1 + e^-|z|) (no overflow for any z); dz = (sigmoid(z) - t)
// * grad_scale / N. A target that is NaN or outside [0, 1] (soft targets inside are legal, as
// in PyTorch) makes *loss NaN and is recorded in status like a bad label (its row and value,
// the first one only); rows from it on are left unwritten.
template <FloatDtype T>
void binary_cross_entropy(const T* logits, const float* targets, std::int64_t n,
                          float grad_scale, float* dlogits, float* loss, StepStatus* status);

// Mean squared error over n elements: mean (y - t)^2; dy = 2 (y - t) * grad_scale / n.
template <FloatDtype T>
void mean_squared_error(const T* y, const float* targets, std::int64_t n, float grad_scale,
                        float* dy, float* loss);

// Row-wise softmax (N, C) into float32 probabilities.
template <FloatDtype T>
void softmax_float32(const T* logits, std::int64_t n, std::int64_t c, float* probs);

// Row-wise log-sum-exp (N, C) -> (N) in float32, max-subtracted.
template <FloatDtype T>
void log_sum_exp(const T* x, std::int64_t n, std::int64_t c, float* out);

// ---- metrics, accumulated where the data is ----

// sums[0] += loss * n, sums[1] += the rows whose argmax (first on ties) equals their label,
// sums[2] += n: an epoch's running loss and accuracy without a host read per batch.
template <FloatDtype T>
void accumulate_classification(float* sums, const T* logits, const std::int32_t* labels,
                               std::int64_t n, std::int64_t c, const float* loss);

// sums[0] += loss * n, sums[1] += rows with (logit > 0) == (target >= 0.5), sums[2] += n.
template <FloatDtype T>
void accumulate_binary(float* sums, const T* logits, const float* targets, std::int64_t n,
                       const float* loss);

// Inverted dropout: y = x * keep / (1 - rate), keep ~ Bernoulli(1 - rate) drawn from Philox
// block `offset` + i / 4 under `seed`, so backward regenerates the same mask without storing
// it. dx = dy * keep / (1 - rate).
template <FloatDtype T>
void dropout(T* y, const T* x, std::int64_t n, float rate, std::uint64_t seed,
             std::uint64_t offset);

// BatchNorm over the last axis C of (M, C) (M = N*H*W): statistics, normalisation and the
// affine transform in float32 whatever T. Training: mean/inv_std (C) are computed from the
// batch and saved for backward, and the running statistics updated with momentum.
// Inference: the running statistics are used.
template <FloatDtype T>
void batchnorm_forward(T* y, const T* x, std::int64_t m, std::int64_t c, const float* gamma,
                       const float* beta, float* mean, float* inv_std, float* running_mean,
                       float* running_var, float momentum, float epsilon, bool training);

// Gradients from the saved mean/inv_std: dgamma, dbeta (C) in float32 (= or += when
// accumulate), dx (M, C) unless dx is null.
template <FloatDtype T>
void batchnorm_backward(T* dx, float* dgamma, float* dbeta, const T* dy, const T* x,
                        std::int64_t m, std::int64_t c, const float* gamma, const float* mean,
                        const float* inv_std, bool accumulate);

}  // namespace mantissa::cpu
