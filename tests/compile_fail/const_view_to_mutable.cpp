// mistake: turning a read-only TensorView<const float> into a mutable TensorView<float>
// expect-first: conversion from .TensorView<const float>. to non-scalar type
// expect-head: from .(mantissa::)?TensorView<const float(,[^>]*)?>. to (non-scalar type )?.(mantissa::)?TensorView<float(,[^>]*)?>.
// gcc-expect-head: conversion from .TensorView<const float(,[^>]*)?>. to non-scalar type .TensorView<float(,[^>]*)?>. requested
#include "mantissa/core/core.hpp"

using namespace mantissa;

void f(TensorView<const float> in) {
  TensorView<float> out = in;
  (void)out;
}
