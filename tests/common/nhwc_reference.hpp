// tests/common/nhwc_reference.hpp: TensorFlow's `valid` / `same` padding rule for the naive
// NHWC references of the window layers (test_conv2d, test_maxpool2d). It is written out again
// here, independently of mt::window_2d, on purpose: the suites check the library against it.
#pragma once

#include <algorithm>
#include <cstdint>

#include "mantissa/mantissa.hpp"

namespace mt_test {

// One spatial axis of a window of size k and stride s over an input of length `in`: the
// output length and the padding before the input (top or left). Under `same` the output is
// ceil(in / s) and an odd total padding puts its extra element after the input.
struct Axis {
  std::int64_t out, pad;
};
inline Axis axis_geometry(std::int64_t in, std::int64_t k, std::int64_t s, mantissa::Padding p) {
  if (p == mantissa::Padding::valid) return {(in - k) / s + 1, 0};
  const std::int64_t out = (in + s - 1) / s;
  return {out, std::max<std::int64_t>((out - 1) * s + k - in, 0) / 2};
}

}  // namespace mt_test
