// tests/core/test_tensor.cpp: Tensor ownership, alignment, views, access, casts, printing.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <sstream>
#include <type_traits>

#include "mantissa/core/core.hpp"

namespace mt = mantissa;
using mt::Cpu;
using mt::Cuda;
using mt::Shape;
using mt::Tensor;

// ---- the type-level promises (the compile-fail suite checks the messages) ----
static_assert(!std::is_copy_constructible_v<Tensor<float>>);
static_assert(!std::is_copy_assignable_v<Tensor<float>>);
static_assert(std::is_nothrow_move_constructible_v<Tensor<float>>);
static_assert(std::is_nothrow_move_assignable_v<Tensor<mt::half>>);
static_assert(std::is_trivially_copyable_v<mt::TensorView<float>>);
static_assert(std::is_convertible_v<mt::TensorView<float>, mt::TensorView<const float>>);
static_assert(!std::is_convertible_v<mt::TensorView<const float>, mt::TensorView<float>>);
static_assert(mt::is_dtype_v<float> && mt::is_dtype_v<mt::half> && mt::is_dtype_v<mt::bfloat16>);
static_assert(mt::is_dtype_v<std::int32_t> && mt::is_dtype_v<std::uint8_t>);
static_assert(!mt::is_dtype_v<double> && mt::is_dtype_v<int>);  // int is int32_t here
static_assert(!mt::is_dtype_v<bool> && !mt::is_dtype_v<std::int64_t>);

TEST(Tensor, ZeroFilledAndAligned) {
  Tensor<float> t(Shape{3, 5});
  EXPECT_EQ(t.numel(), 15);
  EXPECT_EQ(t.size_bytes(), 60u);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(t.data()) % 64, 0u);
  for (float v : t) EXPECT_EQ(v, 0.0f);
  Tensor<mt::half> h(Shape{7});
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(h.data()) % 64, 0u);
  for (auto v : h) EXPECT_EQ(v.bits, 0);
}

TEST(Tensor, MoveLeavesSourceEmptyAndCloneCopies) {
  Tensor<float> a = mt::arange<float>(6);
  const float* p = a.data();
  Tensor<float> b = std::move(a);
  EXPECT_EQ(b.data(), p);
  EXPECT_EQ(a.data(), nullptr);  // NOLINT(bugprone-use-after-move): the contract under test
  EXPECT_EQ(a.numel(), 0);
  Tensor<float> c = b.clone();
  EXPECT_NE(c.data(), b.data());
  c[0] = 42.0f;
  EXPECT_EQ(b[0], 0.0f);
  EXPECT_EQ(c[5], 5.0f);
}

TEST(Tensor, ElementAccessRowMajor) {
  Tensor<std::int32_t> t(Shape{2, 3, 4});
  for (std::int64_t i = 0; i < t.numel(); ++i) t[i] = static_cast<std::int32_t>(i);
  EXPECT_EQ(t(1, 2, 3), 23);
  EXPECT_EQ(t(0, 1, 0), 4);
  EXPECT_EQ(t.at(1, 0, 1), 13);
  t(1, 1, 1) = -1;
  EXPECT_EQ(t[17], -1);
}

TEST(Tensor, AtAlwaysChecksBounds) {
  Tensor<float> t(Shape{2, 3});
  EXPECT_THROW((void)t.at(2, 0), mt::ShapeError);
  EXPECT_THROW((void)t.at(0, -1), mt::ShapeError);
  EXPECT_THROW((void)t.at(0), mt::ShapeError);  // wrong number of indices
  try {
    (void)t.at(1, 3);
    FAIL();
  } catch (const mt::ShapeError& e) {
    EXPECT_STREQ(e.what(), "Tensor index: index 3 on axis 1 is out of range [0, 3) for shape (2, 3)");
  }
}

TEST(Tensor, ViewsShareMemoryReshapeAndSlice) {
  Tensor<float> t = mt::arange<float>(12);
  auto v = t.reshape(Shape{3, 4});
  EXPECT_EQ(v.data(), t.data());
  EXPECT_EQ(v(2, 1), 9.0f);
  auto rows = v.slice(1, 3);
  EXPECT_EQ(rows.shape(), (Shape{2, 4}));
  EXPECT_EQ(rows(0, 0), 4.0f);
  rows(1, 3) = -5.0f;
  EXPECT_EQ(t[11], -5.0f);
  mt::TensorView<const float> cv = v;  // mutable -> read-only is implicit
  EXPECT_EQ(cv(0, 1), 1.0f);
  EXPECT_THROW((void)t.reshape(Shape{5, 2}), mt::ShapeError);
  EXPECT_THROW((void)v.slice(2, 4), mt::ShapeError);
  t.reshape_(Shape{2, 6});
  EXPECT_EQ(t.shape(), (Shape{2, 6}));
}

TEST(Tensor, FullZerosArangeFill) {
  auto f = mt::full<mt::bfloat16>(Shape{2, 2}, 1.5f);
  for (auto v : f) EXPECT_EQ(static_cast<float>(v), 1.5f);
  auto h = mt::full<mt::half>(Shape{3}, 0.1f);  // rounds to nearest half
  EXPECT_EQ(h[0].bits, mt::half(0.1f).bits);
  auto i = mt::arange<std::int32_t>(5);
  EXPECT_EQ(i[4], 4);
  mt::ops::fill(mt::default_context<mt::Cpu>(), i, 7);
  EXPECT_EQ(i[2], 7);
  auto z = mt::zeros<std::uint8_t>(Shape{4});
  EXPECT_EQ(z[3], 0);
}

TEST(Cast, FloatToHalfAndBackRoundsToNearestEven) {
  Tensor<float> x(Shape{5});
  x[0] = 1.0f;
  x[1] = 65504.0f;
  x[2] = 65520.0f;  // the first value that rounds to inf
  x[3] = 1.0f + 0x1p-11f;  // a tie: rounds to even (1.0)
  x[4] = std::numeric_limits<float>::quiet_NaN();
  auto h = mt::cast<mt::half>(x);
  EXPECT_EQ(h[0].bits, 0x3c00);
  EXPECT_EQ(h[1].bits, 0x7bff);
  EXPECT_EQ(h[2].bits, 0x7c00);
  EXPECT_EQ(h[3].bits, 0x3c00);
  EXPECT_TRUE(std::isnan(static_cast<float>(h[4])));
  auto back = mt::cast<float>(h);
  EXPECT_EQ(back[1], 65504.0f);
  auto b = mt::cast<mt::bfloat16>(h);  // half -> bfloat16 through float: one rounding
  EXPECT_EQ(static_cast<float>(b[0]), 1.0f);
}

TEST(Cast, IntegersAndCheckedFloatToInteger) {
  auto pixels = mt::full<std::uint8_t>(Shape{3}, 200);
  auto f = mt::cast<float>(pixels);
  EXPECT_EQ(f[1], 200.0f);
  auto labels = mt::cast<std::int32_t>(f * 0.5f);
  EXPECT_EQ(labels[2], 100);
  f[0] = std::numeric_limits<float>::quiet_NaN();
  EXPECT_THROW((void)mt::cast<std::int32_t>(f), mt::NumericsError);
  auto big = mt::full<float>(Shape{1}, 300.0f);
  try {
    (void)mt::cast<std::uint8_t>(big);
    FAIL();
  } catch (const mt::NumericsError& e) {
    EXPECT_NE(std::string(e.what()).find("cast<uint8>: element 0 is 300"), std::string::npos)
        << e.what();
  }
}

TEST(Device, ToCpuClonesAndCudaIsExplicitAboutItsAbsence) {
  auto x = mt::arange<float>(4);
  auto y = mt::to<Cpu>(x);
  EXPECT_NE(y.data(), x.data());
  EXPECT_EQ(y[3], 3.0f);
  if (!Cuda::available()) {
    try {
      auto g = mt::to<Cuda>(x);
      FAIL() << "expected CudaError";
    } catch (const mt::CudaError& e) {
      EXPECT_NE(std::string(e.what()).find("CUDA"), std::string::npos) << e.what();
    }
  } else {
    auto g = mt::to<Cuda>(x);
    auto back = mt::to<Cpu>(g);
    EXPECT_EQ(back[2], 2.0f);
  }
}

TEST(Print, ShowsDtypeDeviceShapeAndValues) {
  auto x = mt::cast<mt::half>(mt::arange<float>(6));
  std::ostringstream os;
  os << x.reshape(Shape{2, 3});
  EXPECT_EQ(os.str(), "Tensor<float16, cpu> shape (2, 3)\n[[0, 1, 2],\n [3, 4, 5]]");
  std::ostringstream big;
  big << mt::arange<std::int32_t>(10);
  EXPECT_EQ(big.str(), "Tensor<int32, cpu> shape (10,)\n[0, 1, 2, ..., 7, 8, 9]");
}

TEST(Allocation, CountersTrackLiveBytes) {
  const auto before = mt::cpu_allocation_stats();
  {
    Tensor<float> t(Shape{256});
    const auto during = mt::cpu_allocation_stats();
    EXPECT_EQ(during.live_bytes, before.live_bytes + 1024);
    EXPECT_EQ(during.allocations, before.allocations + 1);
  }
  EXPECT_EQ(mt::cpu_allocation_stats().live_bytes, before.live_bytes);
}
