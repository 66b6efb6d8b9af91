// core/src/tensor.cpp: the out-of-line error paths of Tensor and TensorView.
#include "mantissa/core/tensor.hpp"

#include <sstream>
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

void throw_list_count(std::int64_t count, const Shape& shape) {
  throw ShapeError("Tensor::from: " + std::to_string(count) + " values listed for shape " +
                   shape.str() + ", which holds " + std::to_string(shape.numel()) +
                   "; list exactly that many, or give the shape that fits them");
}

void throw_ragged_rows(std::int64_t row, std::int64_t len, std::int64_t first_len) {
  throw ShapeError("Tensor::from: row " + std::to_string(row) + " has " + std::to_string(len) +
                   " values and row 0 has " + std::to_string(first_len) +
                   "; the rows of a matrix all have the same length");
}

void throw_list_overflow(std::string_view dtype, std::int64_t index, float value, float limit) {
  std::ostringstream msg;
  msg << "Tensor<" << dtype << ">::from: element " << index << " is " << value << ", outside "
      << dtype << "'s finite range (|x| <= " << limit
      << "); scale the values first, or list them into a float32 tensor";
  throw NumericsError(msg.str());
}

void throw_list_inexact(std::string_view dtype, std::int64_t index, long long value) {
  throw ValueError("Tensor<" + std::string(dtype) + ">::from: element " +
                   std::to_string(index) + " is the integer " + std::to_string(value) +
                   ", beyond 2^24 = 16777216, where float32 no longer holds every integer; "
                   "list it as a float (" + std::to_string(value) + ".0f) if rounding is meant");
}

void throw_list_range(std::string_view dtype, std::int64_t index, long long value,
                      long long lowest, long long highest) {
  throw ValueError("Tensor<" + std::string(dtype) + ">::from: element " +
                   std::to_string(index) + " is " + std::to_string(value) +
                   ", out of range for " + std::string(dtype) + " [" + std::to_string(lowest) +
                   ", " + std::to_string(highest) + "]");
}

}  // namespace mantissa::detail
