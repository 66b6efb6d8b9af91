// mistake: y = std::move(gpu): a Cuda tensor assigned to a Cpu one
// expect-first: use of deleted function .mantissa::Tensor<T, D>& mantissa::Tensor<T,
// expect-head: deleted
// expect-head: other dtype/device: y = cast<T>\(x\), to<D>\(x\)
// gcc-expect-head: with U = float; E = mantissa::Cuda; T = float; D = mantissa::Cpu
#include <cstdint>
#include <utility>

#include "mantissa/core/core.hpp"

using namespace mantissa;

void fetch(Tensor<float>& y, Tensor<float, Cuda>& gpu) { y = std::move(gpu); }
