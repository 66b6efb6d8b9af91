// core/src/ops.cpp: the run-time errors of ops.hpp (shapes, axes, fill values).
#include "mantissa/core/ops.hpp"

namespace mantissa::detail {

void throw_shape_mismatch(const char* op, const Shape& a, const Shape& b) {
  throw ShapeError(std::string(op) + ": shapes differ: " + a.str() + " vs " + b.str() +
                   " (operands must have the same shape; reshape or slice explicitly)");
}

void throw_axis_error(const char* op, int axis, const Shape& s) {
  throw ShapeError(std::string(op) + ": axis " + std::to_string(axis) +
                   " is out of range for a tensor of shape " + s.str());
}

void throw_fill_range(const std::string& value, std::string_view dtype, std::int64_t lowest,
                      std::int64_t highest) {
  throw ValueError("fill: the value " + value + " is out of range for " + std::string(dtype) +
                   " [" + std::to_string(lowest) + ", " + std::to_string(highest) + "]");
}

AxisSplit split_axis(const char* op, const Shape& s, int axis) {
  const int r = s.rank();
  const int a = axis < 0 ? axis + r : axis;
  if (a < 0 || a >= r) throw_axis_error(op, axis, s);
  AxisSplit out;
  for (int i = 0; i < r; ++i) {
    if (i < a) out.outer *= s[i];
    if (i > a) out.inner *= s[i];
    if (i != a) out.reduced.push_back(s[i]);
  }
  out.len = s[a];
  if (out.len == 0)
    throw ShapeError(std::string(op) + ": cannot reduce over axis " + std::to_string(axis) +
                     " of size 0 (shape " + s.str() + ")");
  return out;
}

}  // namespace mantissa::detail
