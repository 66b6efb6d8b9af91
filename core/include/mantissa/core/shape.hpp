// mantissa/core/shape.hpp: a tensor's dimensions, a run-time value of rank 0..8.
//
// Images are NHWC (as Keras and cuDNN's fast half path): n() h() w() c() name the axes of a
// rank-4 shape and throw ShapeError on any other rank, so a layer that says `x.shape().c()`
// states what it expects.
#pragma once

#include <array>
#include <cstdint>
#include <initializer_list>
#include <string>

#include "mantissa/core/error.hpp"

namespace mantissa {

class Shape {
 public:
  static constexpr int max_rank = 8;

  constexpr Shape() = default;
  Shape(std::initializer_list<std::int64_t> dims);

  template <class It>
  static Shape from_range(It first, It last) {
    Shape s;
    for (; first != last; ++first) s.push_back(static_cast<std::int64_t>(*first));
    return s;
  }

  int rank() const noexcept { return rank_; }
  std::int64_t operator[](int axis) const;  // negative axes count from the back
  std::int64_t numel() const noexcept;      // 1 for rank 0
  const std::int64_t* begin() const noexcept { return dims_.data(); }
  const std::int64_t* end() const noexcept { return dims_.data() + rank_; }

  // NHWC accessors; ShapeError unless rank() == 4.
  std::int64_t n() const { return nhwc(0); }
  std::int64_t h() const { return nhwc(1); }
  std::int64_t w() const { return nhwc(2); }
  std::int64_t c() const { return nhwc(3); }

  // Row-major stride (in elements) of an axis.
  std::int64_t stride(int axis) const;

  void push_back(std::int64_t d);
  Shape with(int axis, std::int64_t d) const;  // a copy with one dimension replaced
  Shape drop_front() const;                    // (N, ...) -> (...)
  Shape prepend(std::int64_t d) const;         // (...) -> (d, ...)

  std::string str() const;  // "(64, 28, 28, 1)"

  friend bool operator==(const Shape& a, const Shape& b) noexcept;

 private:
  std::int64_t nhwc(int axis) const;
  int normalise(int axis) const;

  std::array<std::int64_t, max_rank> dims_{};
  int rank_ = 0;
};

std::string to_string(const Shape& s);

}  // namespace mantissa
