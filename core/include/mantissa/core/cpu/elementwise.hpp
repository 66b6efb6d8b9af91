// mantissa/core/cpu/elementwise.hpp: elementwise CPU kernels on raw contiguous buffers.
//
// 16-bit dtypes are widened to float in blocks, computed in float and rounded once on the way
// out, so `a + b` on halves is the correctly rounded float sum. out may alias an input.
// Kernels trust their arguments; shape checks live in ops.
#pragma once

#include <cstdint>

#include "mantissa/core/dtype.hpp"
#include "mantissa/core/vocabulary.hpp"

namespace mantissa::cpu {

template <FloatDtype T>
void binary(BinaryOp op, const T* a, const T* b, T* out, std::int64_t n);

// out = a op s (or s op a when scalar_first: matters for sub).
template <FloatDtype T>
void binary_scalar(BinaryOp op, const T* a, float s, bool scalar_first, T* out, std::int64_t n);

// y = f(x) over (rows, cols); softmax normalises each row (the last axis), the others are
// elementwise. y may alias x.
template <FloatDtype T>
void activation_forward(Activation f, T* y, const T* x, std::int64_t rows, std::int64_t cols);

// dx = dy * f'(.) written with the forward output y (see vocabulary.hpp). dx may alias dy.
template <FloatDtype T>
void activation_backward(Activation f, T* dx, const T* dy, const T* y, std::int64_t rows,
                         std::int64_t cols);

// y = f(y + bias) in place, bias (cols) in the compute dtype or null, f elementwise (not
// softmax): bias_add then activation_forward in one pass, bit for bit (y + bias is rounded into
// T before f, as there).
template <FloatDtype T>
void bias_activation(Activation f, T* y, const T* bias, std::int64_t rows, std::int64_t cols);

// dz = dy * f'(.) written with y (activation_backward), and dbias (cols, float32) = (or +=, when
// accumulate) the sum over rows of dz (bias_grad), in one pass, bit for bit; dbias may be null.
// f elementwise. dz may alias dy.
template <FloatDtype T>
void activation_backward_bias_grad(Activation f, T* dz, const T* dy, const T* y, float* dbias,
                                   std::int64_t rows, std::int64_t cols, bool accumulate);

// Rows per partial sum of bias_grad (and of the fused pass above): the order of its sums.
inline constexpr std::int64_t kBiasRows = 512;

template <Dtype T>
void fill(T* x, T value, std::int64_t n);

// y (cols, rows) = x (rows, cols) transposed; y must not alias x. Any dtype: bits are moved.
template <Dtype T>
void transpose(T* y, const T* x, std::int64_t rows, std::int64_t cols);

}  // namespace mantissa::cpu
