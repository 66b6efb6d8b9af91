// tests/dist/test_nccl.cpp: NcclCommunicator with one rank (bootstrapped over the in-process
// communicator): collectives on Cuda tensors and a data-parallel step of a Cuda model, against
// the same step without it. Every test skips, by name, without a GPU.
#include <gtest/gtest.h>

#include <cuda_runtime.h>

#include "mantissa/dist/dist.hpp"
#include "mantissa/mantissa.hpp"

namespace mt = mantissa;
namespace dist = mantissa::dist;
using mt::Cuda;

#define REQUIRE_GPU() \
  if (!Cuda::available()) GTEST_SKIP() << "no CUDA device on this machine: NCCL needs one GPU per rank"

TEST(Nccl, OneRankCollectivesOnDeviceBuffers) {
  REQUIRE_GPU();
  dist::InProcessGroup g(1);
  auto& ctx = mt::default_context<Cuda>();
  dist::NcclCommunicator c(g[0], ctx, {.timeout = std::chrono::seconds(60)});
  EXPECT_EQ(c.size(), 1);
  mt::Tensor<float> host(mt::Shape{1000});
  for (std::int64_t i = 0; i < 1000; ++i) host[i] = 0.5f * static_cast<float>(i);
  auto dev = mt::to<Cuda>(host);
  dist::allreduce(c, dev.view(), dist::Reduce::average);
  dist::broadcast(c, dev.view(), 0);
  auto back = mt::to<mt::Cpu>(dev);
  for (std::int64_t i = 0; i < 1000; ++i) ASSERT_EQ(back[i], host[i]);
  // A host tensor is refused, naming the communicator for it.
  EXPECT_THROW(dist::allreduce(c, host.view(), dist::Reduce::sum), mt::ValueError);
  double d = 2.0;
  c.allreduce_host(&d, 1, dist::Reduce::sum);
  EXPECT_EQ(d, 2.0);
  c.barrier();
}

TEST(Nccl, DataParallelStepOfACudaModelEqualsThePlainStep) {
  REQUIRE_GPU();
  using P = mt::policy::mixed_float16;
  auto step = [](bool distributed) {
    mt::Sequential<P, Cuda> m(mt::Shape{6}, mt::Seed{5}, mt::Dense(8), mt::ReLU(), mt::Dense(3));
    mt::SGD opt(m, {.lr = 0.1f});
    mt::LossScaler scaler;
    mt::SoftmaxCrossEntropy loss_fn;
    mt::Generator gen(1);
    auto x = mt::to<Cuda>(mt::cast<mt::half>(mt::uniform<float>(mt::Shape{16, 6}, -1.0f, 1.0f, gen)));
    mt::Tensor<std::int32_t> y(mt::Shape{16});
    for (std::int64_t i = 0; i < 16; ++i) y[i] = static_cast<std::int32_t>(i % 3);
    auto yd = mt::to<Cuda>(y);
    dist::InProcessGroup g(1);
    std::unique_ptr<dist::NcclCommunicator> c;
    std::unique_ptr<dist::DataParallel> dp;
    if (distributed) {
      c = std::make_unique<dist::NcclCommunicator>(g[0], m.context());
      dp = std::make_unique<dist::DataParallel>(*c);
      dp->broadcast_parameters(m);
    }
    auto scaled = m.backward(scaler.scale(loss_fn(m.forward(x.view(), mt::Mode::train), yd.view())));
    if (dp) scaled = dp->average(std::move(scaled));
    (void)opt.step(scaler.unscale(std::move(scaled)), scaler);
    auto w = mt::to<mt::Cpu>(m.trainables().arena.master());
    return std::vector<float>(w.begin(), w.end());
  };
  EXPECT_EQ(step(true), step(false));  // one rank: the average of one is the value itself
}
