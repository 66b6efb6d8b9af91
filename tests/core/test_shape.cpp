// tests/core/test_shape.cpp: Shape's accessors, strides, errors and formatting.
#include <gtest/gtest.h>

#include "mantissa/core/shape.hpp"

using mantissa::Shape;
using mantissa::ShapeError;

TEST(Shape, NhwcAccessorsAndNumel) {
  const Shape s{64, 28, 27, 3};
  EXPECT_EQ(s.rank(), 4);
  EXPECT_EQ(s.n(), 64);
  EXPECT_EQ(s.h(), 28);
  EXPECT_EQ(s.w(), 27);
  EXPECT_EQ(s.c(), 3);
  EXPECT_EQ(s.numel(), 64 * 28 * 27 * 3);
  EXPECT_EQ(s[-1], 3);
  EXPECT_EQ(s.stride(0), 28 * 27 * 3);
  EXPECT_EQ(s.stride(3), 1);
}

TEST(Shape, NhwcAccessorOnOtherRankNamesTheShape) {
  const Shape s{10, 3};
  try {
    (void)s.c();
    FAIL() << "expected ShapeError";
  } catch (const ShapeError& e) {
    EXPECT_STREQ(e.what(), "Shape: n()/h()/w()/c() need a rank-4 NHWC shape, got (10, 3)");
  }
}

TEST(Shape, RankZeroHasOneElement) {
  const Shape s;
  EXPECT_EQ(s.rank(), 0);
  EXPECT_EQ(s.numel(), 1);
  EXPECT_EQ(s.str(), "()");
  EXPECT_EQ(Shape{5}.str(), "(5,)");
}

TEST(Shape, ErrorsAreShapeErrors) {
  EXPECT_THROW((Shape{1, 2, 3, 4, 5, 6, 7, 8, 9}), ShapeError);
  EXPECT_THROW((Shape{2, -1}), ShapeError);
  EXPECT_THROW((void)(Shape{2, 3}[2]), ShapeError);
  EXPECT_THROW((void)Shape{}.drop_front(), ShapeError);
}

TEST(Shape, EditingCopies) {
  const Shape s{4, 5};
  EXPECT_EQ(s.with(0, 7), (Shape{7, 5}));
  EXPECT_EQ(s.drop_front(), (Shape{5}));
  EXPECT_EQ(s.prepend(3), (Shape{3, 4, 5}));
  EXPECT_FALSE(s == (Shape{4, 5, 1}));
  EXPECT_EQ(s, (Shape{4, 5}));
}
