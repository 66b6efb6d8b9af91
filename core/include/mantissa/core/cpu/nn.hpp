// mantissa/core/cpu/nn.hpp: the CPU kernels behind layers (bias, activation derivatives,
// losses). Raw contiguous buffers; shapes are checked by the callers (layers and ops).
//
// Letters: N batch rows, C columns/classes/channels.
// 16-bit inputs are widened to float per element; results are rounded once. Everything a
// layer reduces over (bias gradients, loss sums) accumulates in float32.
#pragma once

#include <cstdint>

#include "mantissa/core/dtype.hpp"

namespace mantissa::cpu {

// y(N, C) += bias(C), bias in the compute dtype.
template <FloatDtype T>
void bias_add(T* y, const T* bias, std::int64_t n, std::int64_t c);

// dbias(C) = (or +=, when accumulate) sum over N of dy(N, C), in float32.
template <FloatDtype T>
void bias_grad(float* dbias, const T* dy, std::int64_t n, std::int64_t c, bool accumulate);

enum class Activation { relu, sigmoid, tanh };

// dx = dy * f'(x), written with the forward output y: relu: y > 0; sigmoid: y (1 - y);
// tanh: 1 - y^2. dx may alias dy.
template <FloatDtype T>
void activation_backward(Activation f, T* dx, const T* dy, const T* y, std::int64_t n);

// Softmax cross-entropy from logits (N, C) and int32 labels (N): returns the mean loss over
// N, in float32, with log-sum-exp stability (the row max is subtracted before exp, so no
// exp overflows). dlogits(N, C) = (softmax - onehot) * grad_scale / N, in float32.
// A label outside [0, C) is reported through bad_label (its row), else bad_label = -1.
template <FloatDtype T>
float softmax_cross_entropy(const T* logits, const std::int32_t* labels, std::int64_t n,
                            std::int64_t c, float grad_scale, float* dlogits,
                            std::int64_t* bad_label);

// Binary cross-entropy from logits z (N) and float targets t (N) in [0, 1]:
// mean of max(z, 0) - z t + log(1 + e^-|z|) (no overflow for any z); dz = (sigmoid(z) - t)
// * grad_scale / N.
template <FloatDtype T>
float binary_cross_entropy(const T* logits, const float* targets, std::int64_t n,
                           float grad_scale, float* dlogits);

// Mean squared error over n elements: mean (y - t)^2; dy = 2 (y - t) * grad_scale / n.
template <FloatDtype T>
float mean_squared_error(const T* y, const float* targets, std::int64_t n, float grad_scale,
                         float* dy);

// Row-wise softmax (N, C) into float32 probabilities.
template <FloatDtype T>
void softmax(const T* logits, std::int64_t n, std::int64_t c, float* probs);

// Row-wise log-sum-exp (N, C) -> (N) in float32, max-subtracted.
template <FloatDtype T>
void log_sum_exp(const T* x, std::int64_t n, std::int64_t c, float* out);

// Softmax backward with the forward output y (N, C): dx = y * (dy - sum_j dy_j y_j), in float.
template <FloatDtype T>
void softmax_backward(T* dx, const T* dy, const T* y, std::int64_t n, std::int64_t c);

// Row-wise softmax (N, C) in the compute dtype (computed in float, rounded once).
template <FloatDtype T>
void softmax_rows(T* y, const T* x, std::int64_t n, std::int64_t c);

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
