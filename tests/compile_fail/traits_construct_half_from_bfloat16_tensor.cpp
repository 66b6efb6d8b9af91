// mistake: Tensor<half> y(std::move(b)) from a Tensor<bfloat16>
// expect-first: use of deleted function .mantissa::Tensor<T,
// expect-head: deleted
// expect-head: dtype/device never convert implicitly: cast<T>\(x\), to<D>\(x\)
// gcc-expect-head: with U = mantissa::bfloat16; E = mantissa::Cpu; T = mantissa::half
#include <cstdint>
#include <utility>

#include "mantissa/core/core.hpp"

using namespace mantissa;

Tensor<half> to_half(Tensor<bfloat16> b) { Tensor<half> y(std::move(b)); return y; }
