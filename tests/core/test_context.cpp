// tests/core/test_context.cpp: Context<D>, the execution state ops run in: its thread count for
// the CPU kernels, its step status, its scratch workspace.
#include <gtest/gtest.h>

#include <omp.h>

#include "mantissa/mantissa.hpp"

namespace mt = mantissa;

TEST(Context, ThreadScopeSetsTheTeamAndRestoresIt) {
  mt::set_num_threads(2);
  {
    const mt::ThreadScope one(1);
    EXPECT_EQ(mt::num_threads(), 1);
  }
  EXPECT_EQ(mt::num_threads(), 2);
  {
    const mt::ThreadScope unchanged(0);
    EXPECT_EQ(mt::num_threads(), 2);
  }
}

TEST(Context, ResultsDoNotDependOnItsThreadsAndTheTeamIsRestored) {
  mt::set_num_threads(2);
  mt::Context<mt::Cpu> one;
  one.set_threads(1);
  EXPECT_EQ(one.threads(), 1);
  EXPECT_EQ(mt::default_context<mt::Cpu>().threads(), 0);  // follows set_num_threads
  EXPECT_THROW(one.set_threads(-1), mt::ValueError);

  mt::Generator gen(3);
  const auto a = mt::normal<float>(mt::Shape{256, 300}, 0.0f, 1.0f, gen);
  const auto b = mt::normal<float>(mt::Shape{300, 200}, 0.0f, 1.0f, gen);
  mt::Tensor<float> c1(mt::Shape{256, 200}), c2(mt::Shape{256, 200});
  mt::ops::gemm(one, c1, a, b);
  mt::ops::gemm(mt::default_context<mt::Cpu>(), c2, a, b);
  for (std::int64_t i = 0; i < c1.numel(); ++i) ASSERT_EQ(c1[i], c2[i]) << i;
  EXPECT_EQ(mt::num_threads(), 2);  // the context's team was scoped to its kernels
}

TEST(Context, StepStatusIsReadAndResetByTheHost) {
  mt::Context<mt::Cpu> ctx;
  EXPECT_EQ(ctx.read_status(), mt::StepStatus{});
  mt::Tensor<float> g(mt::Shape{5});
  g[3] = std::numeric_limits<float>::infinity();
  mt::ops::unscale_and_check(ctx, g.view(), 0.5f);
  const auto s = ctx.read_status();
  EXPECT_EQ(s.nonfinite, 1);
  EXPECT_EQ(s.first_nonfinite, 3);
  ctx.reset_status();
  EXPECT_EQ(ctx.read_status(), mt::StepStatus{});
}

TEST(Context, WorkspaceGrowsAndIsKept) {
  mt::Context<mt::Cpu> ctx;
  void* a = ctx.workspace(64);
  EXPECT_EQ(ctx.workspace(32), a);  // smaller: the same block
  EXPECT_NE(ctx.workspace(1 << 20), nullptr);
}
