// tests/cuda/test_cuda_device.cpp: Tensor<T, Cuda> memory, copies and fill. Runs where a GPU
// is present; elsewhere each test is reported as SKIPPED (ctest shows it skipped), except the
// one that checks the error a GPU-less machine gives.
#include <gtest/gtest.h>

#include "mantissa/core/core.hpp"

namespace mt = mantissa;
using mt::Cpu;
using mt::Cuda;
using mt::Shape;

#define MANTISSA_REQUIRE_GPU() \
  if (!Cuda::available()) GTEST_SKIP() << "no CUDA device on this machine"

TEST(CudaDevice, WithoutAGpuTheErrorNamesTheCause) {
  if (Cuda::available()) GTEST_SKIP() << "a CUDA device is present";
  EXPECT_THROW((mt::Tensor<float, Cuda>(Shape{4})), mt::CudaError);
}

TEST(CudaDevice, RoundTripIsBitExact) {
  MANTISSA_REQUIRE_GPU();
  auto x = mt::cast<mt::half>(mt::arange<float>(1000) * 0.37f);
  auto g = mt::to<Cuda>(x);
  auto g2 = g.clone();
  auto back = mt::to<Cpu>(g2);
  for (std::int64_t i = 0; i < x.numel(); ++i) ASSERT_EQ(back[i].bits, x[i].bits);
}

TEST(CudaDevice, ZeroAndFill) {
  MANTISSA_REQUIRE_GPU();
  mt::Tensor<float, Cuda> z(Shape{3, 5});
  auto hz = mt::to<Cpu>(z);
  for (float v : hz) EXPECT_EQ(v, 0.0f);
  auto f = mt::full<mt::bfloat16, Cuda>(Shape{77}, 2.5f);
  auto hf = mt::to<Cpu>(f);
  for (auto v : hf) EXPECT_EQ(static_cast<float>(v), 2.5f);
  auto u = mt::full<std::uint8_t, Cuda>(Shape{5}, 9);
  EXPECT_EQ(mt::to<Cpu>(u)[4], 9);
}
