// tests/core/test_parallel.cpp: parallel_for, the kernels' thread pool (parallel.hpp).
//   - every index once, in chunks of `grain` at fixed boundaries, at any thread count;
//   - an ordered combination of per-chunk partials gives the same bits at 1, 2 and 4 threads;
//   - a chunk's exception reaches the caller after the others finished; the pool still works;
//   - nested loops and two threads calling at once run correctly (inline);
//   - one slow chunk does not hold the others back: the other thread takes them all;
//   - idle workers sleep: a second with nothing to do costs the process almost no CPU.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <set>
#include <thread>
#include <vector>

#include "mantissa/core/error.hpp"
#include "mantissa/core/parallel.hpp"
#include "mantissa/core/threads.hpp"

namespace mt = mantissa;

namespace {

// The sum of f(i) over [0, n) as per-chunk partials combined in chunk order.
float ordered_sum(std::int64_t n, std::int64_t grain) {
  std::vector<float> part(static_cast<std::size_t>((n + grain - 1) / grain));
  mt::parallel_for(n, grain, [&](std::int64_t b, std::int64_t e) {
    float s = 0;
    for (std::int64_t i = b; i < e; ++i) s += 1.0f / static_cast<float>(i + 1);
    part[static_cast<std::size_t>(b / grain)] = s;
  });
  float total = 0;
  for (float p : part) total += p;
  return total;
}

double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         1e-6 * static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}

}  // namespace

TEST(Parallel, EveryIndexOnceInChunksAtFixedBoundaries) {
  for (int threads : {1, 2, 4}) {
    mt::ThreadScope scope(threads);
    const std::int64_t n = 1003, grain = 7;
    std::vector<std::atomic<int>> seen(static_cast<std::size_t>(n));
    std::atomic<int> bad_chunk{0};
    mt::parallel_for(n, grain, [&](std::int64_t b, std::int64_t e) {
      if (b % grain != 0 || e != std::min(n, b + grain)) ++bad_chunk;
      for (std::int64_t i = b; i < e; ++i) ++seen[static_cast<std::size_t>(i)];
    });
    EXPECT_EQ(bad_chunk.load(), 0) << threads << " threads";
    for (std::int64_t i = 0; i < n; ++i) ASSERT_EQ(seen[static_cast<std::size_t>(i)].load(), 1) << i;
  }
  mt::parallel_for(0, 4, [](std::int64_t, std::int64_t) { FAIL() << "called for n = 0"; });
  EXPECT_THROW(mt::parallel_for(5, 0, [](std::int64_t, std::int64_t) {}), mt::ValueError);
}

TEST(Parallel, OrderedPartialsGiveTheSameBitsAtAnyThreadCount) {
  float at[3];
  int k = 0;
  for (int threads : {1, 2, 4}) {
    mt::ThreadScope scope(threads);
    at[k++] = ordered_sum(100000, 1000);
  }
  EXPECT_EQ(std::memcmp(&at[0], &at[1], sizeof(float)), 0);
  EXPECT_EQ(std::memcmp(&at[0], &at[2], sizeof(float)), 0);
}

TEST(Parallel, AChunksExceptionReachesTheCallerAndThePoolStillWorks) {
  mt::ThreadScope scope(2);
  std::atomic<int> ran{0};
  try {
    mt::parallel_for(64, 1, [&](std::int64_t b, std::int64_t) {
      ++ran;
      if (b == 5) throw mt::ValueError("chunk 5");
    });
    FAIL() << "no exception";
  } catch (const mt::ValueError& e) {
    EXPECT_STREQ(e.what(), "chunk 5");
  }
  EXPECT_GE(ran.load(), 6);
  EXPECT_EQ(ordered_sum(5000, 100), ordered_sum(5000, 100));
}

TEST(Parallel, NestedLoopsAndConcurrentCallersAreCorrect) {
  mt::ThreadScope scope(2);
  std::vector<std::atomic<int>> cells(64 * 64);
  mt::parallel_for(64, 1, [&](std::int64_t r, std::int64_t) {
    mt::parallel_for(64, 8, [&](std::int64_t b, std::int64_t e) {  // runs inline
      for (std::int64_t c = b; c < e; ++c) ++cells[static_cast<std::size_t>(r * 64 + c)];
    });
  });
  for (auto& c : cells) ASSERT_EQ(c.load(), 1);
  float a = 0, b = 0;
  std::thread other([&] {
    mt::ThreadScope s(2);
    for (int i = 0; i < 50; ++i) a = ordered_sum(20000, 500);
  });
  for (int i = 0; i < 50; ++i) b = ordered_sum(20000, 500);
  other.join();
  EXPECT_EQ(a, b);
}

TEST(Parallel, OneSlowChunkDoesNotHoldTheOthersBack) {
  mt::ThreadScope scope(2);
  const auto before = mt::parallel_stats();
  std::vector<std::thread::id> who(40);
  mt::parallel_for(40, 1, [&](std::int64_t b, std::int64_t) {
    if (b == 0) std::this_thread::sleep_for(std::chrono::milliseconds(200));
    who[static_cast<std::size_t>(b)] = std::this_thread::get_id();
  });
  ASSERT_EQ(mt::parallel_stats().pooled, before.pooled + 1) << "the job did not run on the pool";
  // Chunks are handed out one at a time: while one thread sleeps in chunk 0, the other takes
  // the chunks (a static split would have left half of them, 20, to the sleeper; a loaded
  // machine may wake the other thread late, so only fewer than that is required).
  const auto sleeper = std::count(who.begin(), who.end(), who[0]);
  EXPECT_LT(sleeper, 20) << "the thread that slept in chunk 0 ran " << sleeper << " of 40 chunks";
}

TEST(Parallel, IdleWorkersSleep) {
  mt::ThreadScope scope(4);
  (void)ordered_sum(100000, 1000);  // the workers exist and have just worked
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  const double c0 = cpu_seconds();
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  const double used = cpu_seconds() - c0;
  // Three spinning workers would use about 1.5 s of CPU in 0.5 s.
  EXPECT_LT(used, 0.05) << "the pool's idle threads used " << used << " s of CPU in 0.5 s";
}
