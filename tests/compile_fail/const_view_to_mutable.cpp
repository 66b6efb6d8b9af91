// mistake: turning a read-only TensorView<const float> into a mutable TensorView<float>
// expect-head: conversion from .mantissa::TensorView<const float>. to non-scalar type .mantissa::TensorView<float>. requested
#include "mantissa/mantissa.hpp"

using namespace mantissa;

void f(TensorView<const float> in) {
  TensorView<float> out = in;
  (void)out;
}
