// core/src/tensor.cpp: the out-of-line error paths of Tensor and TensorView.
#include "mantissa/core/tensor.hpp"

#include <string>

namespace mantissa::detail {

void throw_index_error(std::int64_t index, std::int64_t axis_size, int axis, const Shape& shape) {
  if (axis == -2)
    throw ShapeError("Tensor index: " + std::to_string(index) + " indices given for a rank-" +
                     std::to_string(axis_size) + " tensor of shape " + shape.str());
  if (axis == -1)
    throw ShapeError("Tensor index: flat index " + std::to_string(index) +
                     " is out of range for " + std::to_string(axis_size) +
                     " elements (shape " + shape.str() + ")");
  throw ShapeError("Tensor index: index " + std::to_string(index) + " on axis " +
                   std::to_string(axis) + " is out of range [0, " + std::to_string(axis_size) +
                   ") for shape " + shape.str());
}

void throw_reshape_error(const Shape& from, const Shape& to) {
  throw ShapeError("reshape: cannot view " + from.str() + " (" + std::to_string(from.numel()) +
                   " elements) as " + to.str() + " (" + std::to_string(to.numel()) +
                   " elements)");
}

void throw_slice_error(std::int64_t begin, std::int64_t end, const Shape& shape) {
  throw ShapeError("slice: rows [" + std::to_string(begin) + ", " + std::to_string(end) +
                   ") are not within axis 0 of shape " + shape.str());
}

}  // namespace mantissa::detail
