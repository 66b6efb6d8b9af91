// mantissa/core/cpu/elementwise.hpp: elementwise CPU kernels on raw contiguous buffers.
//
// 16-bit dtypes are widened to float in blocks, computed in float and rounded once on the way
// out, so `a + b` on halves is the correctly rounded float sum. out may alias an input.
// Kernels trust their arguments; shape checks live in ops.
#pragma once

#include <cstdint>

#include "mantissa/core/dtype.hpp"

namespace mantissa::cpu {

enum class BinaryOp { add, sub, mul };
enum class UnaryOp { relu, sigmoid, tanh, exp, log };

template <FloatDtype T>
void binary(BinaryOp op, const T* a, const T* b, T* out, std::int64_t n);

// out = a op s (or s op a when scalar_first: matters for sub).
template <FloatDtype T>
void binary_scalar(BinaryOp op, const T* a, float s, bool scalar_first, T* out, std::int64_t n);

template <FloatDtype T>
void unary(UnaryOp op, const T* x, T* y, std::int64_t n);

template <Dtype T>
void fill(T* x, T value, std::int64_t n);

}  // namespace mantissa::cpu
