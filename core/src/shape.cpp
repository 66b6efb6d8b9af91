// core/src/shape.cpp: Shape's checks and formatting.
#include "mantissa/core/shape.hpp"

#include <string>

namespace mantissa {

Shape::Shape(std::initializer_list<std::int64_t> dims) {
  for (auto d : dims) push_back(d);
}

void Shape::push_back(std::int64_t d) {
  if (rank_ == max_rank)
    throw ShapeError("Shape: rank above " + std::to_string(max_rank) + " is not supported");
  if (d < 0) throw ShapeError("Shape: negative dimension " + std::to_string(d));
  dims_[static_cast<std::size_t>(rank_++)] = d;
}

int Shape::normalise(int axis) const {
  const int a = axis < 0 ? axis + rank_ : axis;
  if (a < 0 || a >= rank_)
    throw ShapeError("Shape: axis " + std::to_string(axis) + " is out of range for shape " +
                     str());
  return a;
}

std::int64_t Shape::operator[](int axis) const {
  return dims_[static_cast<std::size_t>(normalise(axis))];
}

std::int64_t Shape::numel() const noexcept {
  std::int64_t n = 1;
  for (int i = 0; i < rank_; ++i) n *= dims_[static_cast<std::size_t>(i)];
  return n;
}

std::int64_t Shape::stride(int axis) const {
  std::int64_t s = 1;
  for (int i = rank_ - 1; i > normalise(axis); --i) s *= dims_[static_cast<std::size_t>(i)];
  return s;
}

std::int64_t Shape::nhwc(int axis) const {
  if (rank_ != 4)
    throw ShapeError("Shape: n()/h()/w()/c() need a rank-4 NHWC shape, got " + str());
  return dims_[static_cast<std::size_t>(axis)];
}

Shape Shape::with(int axis, std::int64_t d) const {
  Shape s = *this;
  if (d < 0) throw ShapeError("Shape: negative dimension " + std::to_string(d));
  s.dims_[static_cast<std::size_t>(normalise(axis))] = d;
  return s;
}

Shape Shape::drop_front() const {
  if (rank_ == 0) throw ShapeError("Shape: drop_front() of a rank-0 shape");
  return from_range(begin() + 1, end());
}

Shape Shape::prepend(std::int64_t d) const {
  Shape s;
  s.push_back(d);
  for (auto x : *this) s.push_back(x);
  return s;
}

std::string Shape::str() const {
  std::string out = "(";
  for (int i = 0; i < rank_; ++i) {
    if (i) out += ", ";
    out += std::to_string(dims_[static_cast<std::size_t>(i)]);
  }
  if (rank_ == 1) out += ",";
  return out + ")";
}

bool operator==(const Shape& a, const Shape& b) noexcept {
  if (a.rank_ != b.rank_) return false;
  for (int i = 0; i < a.rank_; ++i)
    if (a.dims_[static_cast<std::size_t>(i)] != b.dims_[static_cast<std::size_t>(i)]) return false;
  return true;
}

std::string to_string(const Shape& s) { return s.str(); }

}  // namespace mantissa
