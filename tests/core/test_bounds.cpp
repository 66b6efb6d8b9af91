// tests/core/test_bounds.cpp: operator() and operator[] check bounds when
// MANTISSA_BOUNDS_CHECKS is defined (as in every Debug build); this suite is compiled with it
// even in Release, so the checked path is tested in every configuration.
#include <gtest/gtest.h>

#include "mantissa/core/tensor.hpp"

static_assert(mantissa::detail::bounds_checks, "this suite must be built with bounds checks");

namespace mt = mantissa;

TEST(BoundsChecks, CallOperatorThrowsShapeErrorOutOfRange) {
  mt::Tensor<float> t(mt::Shape{2, 3});
  EXPECT_NO_THROW((void)t(1, 2));
  EXPECT_THROW((void)t(2, 0), mt::ShapeError);
  EXPECT_THROW((void)t(0, 3), mt::ShapeError);
  EXPECT_THROW((void)t(0), mt::ShapeError);  // too few indices
  EXPECT_THROW((void)t[6], mt::ShapeError);
  EXPECT_THROW((void)t.view()[-1], mt::ShapeError);
  const auto v = t.view().slice(1, 2);
  EXPECT_THROW((void)v(1, 0), mt::ShapeError);  // the view's own bounds, not the tensor's
}
