// core/src/linalg.cpp: shape checks of the matrix products.
#include "mantissa/core/linalg.hpp"

#include <string>

namespace mantissa::detail {

GemmDims gemm_dims(const char* op, const Shape& a, bool ta, const Shape& b, bool tb) {
  const std::string name(op);
  if (a.rank() != 2 || b.rank() != 2)
    throw ShapeError(name + ": needs 2-D operands, got a " + a.str() + " and b " + b.str() +
                     " (reshape explicitly with x.reshape(...))");
  const std::int64_t m = ta ? a[1] : a[0], ka = ta ? a[0] : a[1];
  const std::int64_t kb = tb ? b[1] : b[0], n = tb ? b[0] : b[1];
  if (ka != kb)
    throw ShapeError(name + ": inner dimensions differ: " + (ta ? "a^T" : "a") + " is (" +
                     std::to_string(m) + ", " + std::to_string(ka) + ") and " +
                     (tb ? "b^T" : "b") + " is (" + std::to_string(kb) + ", " +
                     std::to_string(n) + "); the columns of the first must equal the rows of "
                     "the second");
  return {m, n, ka};
}

void check_gemm_output(const char* op, const Shape& c, const GemmDims& d) {
  if (c.rank() != 2 || c[0] != d.m || c[1] != d.n)
    throw ShapeError(std::string(op) + ": the output is " + c.str() + " but the product is (" +
                     std::to_string(d.m) + ", " + std::to_string(d.n) + ")");
}

Shape transpose_shape(const Shape& x) {
  if (x.rank() != 2)
    throw ShapeError("transpose: needs a 2-D matrix, got shape " + x.str() +
                     " (reshape explicitly with x.reshape(...))");
  return Shape{x[1], x[0]};
}

void check_transpose(const Shape& y, const Shape& x) {
  const Shape t = transpose_shape(x);
  if (!(y == t))
    throw ShapeError("transpose: the output is " + y.str() + " but the transpose of " +
                     x.str() + " is " + t.str());
}

}  // namespace mantissa::detail
