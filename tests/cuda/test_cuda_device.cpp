// tests/cuda/test_cuda_device.cpp: Tensor<T, Cuda> memory, copies and fill. Runs where a GPU
// is present; elsewhere each test is reported as SKIPPED (ctest shows it skipped), except the
// one that checks the error a GPU-less machine gives.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

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

TEST(CudaDevice, TheAllocatorCountsEveryTensor) {
  MANTISSA_REQUIRE_GPU();
  const auto before = mt::cuda_allocation_stats();
  {
    mt::Tensor<float, Cuda> a(Shape{1000});
    const auto during = mt::cuda_allocation_stats();
    EXPECT_EQ(during.allocations - before.allocations, 1u);
    EXPECT_GE(during.live_bytes - before.live_bytes, 4000u);
    EXPECT_GE(during.peak_bytes, during.live_bytes);
  }
  const auto after = mt::cuda_allocation_stats();
  EXPECT_EQ(after.frees - before.frees, 1u);
  EXPECT_EQ(after.live_bytes, before.live_bytes);
}

TEST(CudaDevice, AContextUploadsThroughPinnedMemoryAndReadsItsStatus) {
  MANTISSA_REQUIRE_GPU();
  mt::Context<Cuda> ctx;
  EXPECT_NE(ctx.stream(), nullptr);
  EXPECT_NE(ctx.upload_stream(), ctx.stream());
  EXPECT_NE(ctx.cublas(), nullptr);
  EXPECT_NE(ctx.cudnn(), nullptr);
  std::vector<std::int32_t> host(1000);
  for (std::size_t i = 0; i < host.size(); ++i) host[i] = static_cast<std::int32_t>(i * 3);
  mt::Tensor<std::int32_t, Cuda> dst(Shape{1000});
  auto* stage = ctx.pinned(host.size() * sizeof(std::int32_t));
  std::memcpy(stage, host.data(), host.size() * sizeof(std::int32_t));
  ctx.upload(dst.data(), stage, host.size() * sizeof(std::int32_t));
  ctx.wait_upload();
  const auto back = mt::to<Cpu>(dst);
  for (std::size_t i = 0; i < host.size(); ++i) ASSERT_EQ(back[static_cast<std::int64_t>(i)], host[i]);
  EXPECT_EQ(ctx.read_status(), mt::StepStatus{});
  EXPECT_THROW(ctx.set_threads(-1), mt::ValueError);
}

TEST(CudaDevice, TheWorkspaceGrowsAndIsKept) {
  MANTISSA_REQUIRE_GPU();
  mt::Context<Cuda> ctx;
  void* a = ctx.workspace(1024);
  EXPECT_EQ(ctx.workspace(512), a);  // smaller: the same block
  const auto before = mt::cuda_allocation_stats().allocations;
  (void)ctx.workspace(1 << 20);
  EXPECT_EQ(mt::cuda_allocation_stats().allocations - before, 1u);
}

#if defined(MANTISSA_CUDA_EMULATION)
// The emulated runtime applies the real one's rules: a copy whose device side is not inside
// a live allocation fails, and the CudaError names the call and the status.
TEST(CudaDevice, ARuntimeErrorNamesTheCallAndTheStatus) {
  float host[4] = {1, 2, 3, 4};
  float other[4] = {};
  try {
    Cuda::copy_to_host(other, host, sizeof host);  // `host` is no device memory
    FAIL() << "expected CudaError";
  } catch (const mt::CudaError& e) {
    EXPECT_NE(std::string(e.what()).find("cudaMemcpy (cuda -> host)"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("cudaErrorInvalidValue"), std::string::npos) << e.what();
  }
}
#endif
