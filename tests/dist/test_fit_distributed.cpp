// tests/dist/test_fit_distributed.cpp: fit() under FitOptions::data_parallel, ranks as threads
// (InProcessGroup): 2 ranks of batch 32 against 1 process of batch 64 on the same data order,
// the same skip decisions, only the root writing files, a resume of a distributed run, and
// the refusal of a loader that is not this rank's shard.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "mantissa/dist/dist.hpp"
#include "mantissa/mantissa.hpp"

namespace mt = mantissa;
namespace dist = mantissa::dist;
namespace fs = std::filesystem;
using mt::Shape;
using F16 = mt::policy::mixed_float16;

namespace {

mt::data::ImageDataset quadrants(std::int64_t n, std::uint64_t seed) {
  mt::data::ImageDataset d{mt::Tensor<std::uint8_t>(Shape{n, 4, 4, 1}), mt::Tensor<std::int32_t>(Shape{n})};
  mt::Generator g(seed);
  for (std::int64_t i = 0; i < n; ++i) {
    const auto r = g.block(static_cast<std::uint64_t>(i));
    const int row = static_cast<int>(r[0] % 4), col = static_cast<int>(r[1] % 4);
    d.images[i * 16 + row * 4 + col] = 255;
    d.labels[i] = (row / 2) * 2 + col / 2;
  }
  return d;
}

fs::path scratch(const std::string& name) {
  auto d = fs::temp_directory_path() / ("mantissa_fitdp_" + std::to_string(::getpid())) / name;
  fs::remove_all(d);
  return d;
}

const mt::data::ImageDataset& train_set() {
  static const auto d = quadrants(256, 4);
  return d;
}
const mt::data::ImageDataset& val_set() {
  static const auto d = quadrants(64, 5);
  return d;
}

struct Result {
  mt::History history;
  std::vector<float> masters;
  mt::LossScaler::State scaler;
};

// One rank's fit (dp null: one process), mixed_float16 with a loss scaler, Adam.
Result run(dist::DataParallel* dp, std::int64_t batch, int epochs, const fs::path& out,
           bool resume = false) {
  mt::data::ImageLoader<mt::half> train(
      train_set(), {.batch = batch, .seed = 6, .shard = dp ? dp->shard() : mt::data::Shard{}});
  mt::data::ImageLoader<mt::half> val(val_set(), {.batch = 64, .shuffle = false});
  // Every rank starts from its own seed: the broadcast makes rank 0's weights everyone's.
  const std::uint64_t seed = dp ? 2 + static_cast<std::uint64_t>(dp->rank()) : 2;
  mt::Sequential<F16> model(Shape{4, 4, 1}, mt::Seed{seed}, mt::Flatten(), mt::Dense(16), mt::ReLU(),
                            mt::Dense(4));
  mt::Adam opt(model, {.lr = 1e-2f});
  mt::LossScaler scaler({.init_scale = 1024.0f});
  Result r;
  r.history = mt::fit(model, opt, scaler, mt::SoftmaxCrossEntropy{}, train, val,
                      {.epochs = epochs, .out = out, .checkpoint_every = 3, .resume = resume,
                       .progress = false, .data_parallel = dp});
  const auto m = model.trainables().arena.master();
  r.masters.assign(m.begin(), m.end());
  r.scaler = scaler.state();
  return r;
}

std::vector<Result> run_ranks(int world, std::int64_t batch, int epochs, const fs::path& out,
                              bool resume = false) {
  dist::InProcessGroup g(world, {.timeout = std::chrono::seconds(60)});
  std::vector<Result> results(static_cast<std::size_t>(world));
  const auto errors = g.run([&](dist::Communicator& c) {
    dist::DataParallel dp(c);
    results[static_cast<std::size_t>(c.rank())] = run(&dp, batch, epochs, out, resume);
  });
  for (const auto& e : errors)
    if (e) std::rethrow_exception(e);
  return results;
}

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

}  // namespace

TEST(FitDistributed, TwoRanksOfBatch32AreOneProcessOfBatch64) {
  mt::set_num_threads(1);
  const auto one = run(nullptr, 64, 3, scratch("one"));
  const auto out = scratch("two");
  const auto two = run_ranks(2, 32, 3, out);
  // Every rank ends with the same weights, bit for bit, and the same history.
  ASSERT_TRUE(same_bits(two[0].masters, two[1].masters));
  ASSERT_EQ(two[0].history.epochs.size(), 3u);
  for (std::size_t e = 0; e < 3; ++e) {
    EXPECT_EQ(two[0].history.epochs[e].loss, two[1].history.epochs[e].loss);
    EXPECT_EQ(two[0].history.epochs[e].val_loss, two[1].history.epochs[e].val_loss);
  }
  // Equal to one process within float16 rounding of the per-rank products, which the
  // single process rounds as one batch (the same tolerance as test_data_parallel's).
  float worst = 0, moved = 0;
  for (std::size_t i = 0; i < one.masters.size(); ++i)
    worst = std::max(worst, std::abs(one.masters[i] - two[0].masters[i]));
  const auto start = run(nullptr, 64, 0, {});
  for (std::size_t i = 0; i < one.masters.size(); ++i)
    moved = std::max(moved, std::abs(one.masters[i] - start.masters[i]));
  EXPECT_LE(worst, 1e-3f) << "2 ranks drifted from 1 process";
  EXPECT_GT(moved, 100 * 1e-3f) << "the weights hardly moved: the comparison says nothing";
  for (std::size_t e = 0; e < 3; ++e) {
    EXPECT_NEAR(one.history.epochs[e].loss, two[0].history.epochs[e].loss, 2e-3);
    EXPECT_NEAR(one.history.epochs[e].val_accuracy, two[0].history.epochs[e].val_accuracy, 1.0 / 64);
  }
  EXPECT_EQ(one.scaler.scale, two[0].scaler.scale);
  EXPECT_EQ(two[0].scaler.scale, two[1].scaler.scale);
  // The root wrote the files (one writer of one folder).
  EXPECT_TRUE(fs::exists(out / "checkpoint.safetensors"));
  std::ifstream csv(out / "history.csv");
  int rows = -1;
  for (std::string line; std::getline(csv, line);) ++rows;
  EXPECT_EQ(rows, 3);
  std::printf("[          ] max |2 ranks - 1 process| after 3 epochs: %g (weights moved %g)\n",
              static_cast<double>(worst), static_cast<double>(moved));
}

TEST(FitDistributed, ADistributedRunResumesBitForBit) {
  mt::set_num_threads(1);
  const auto whole = run_ranks(2, 32, 3, scratch("whole"));
  const auto out = scratch("cut");
  (void)run_ranks(2, 32, 2, out);
  const auto resumed = run_ranks(2, 32, 3, out, true);
  EXPECT_TRUE(same_bits(whole[0].masters, resumed[0].masters));
  EXPECT_TRUE(same_bits(resumed[0].masters, resumed[1].masters));
  ASSERT_EQ(resumed[0].history.epochs.size(), 3u);
  EXPECT_EQ(whole[0].history.epochs[2].loss, resumed[0].history.epochs[2].loss);
  // Another world size is another run: refused, naming it.
  try {
    (void)run(nullptr, 32, 4, out, true);
    ADD_FAILURE() << "a 2-rank checkpoint resumed in 1 process without allow_data_change";
  } catch (const mt::StateError& e) {
    EXPECT_NE(std::string(e.what()).find("the run has 1 data-parallel ranks, the checkpoint's had 2"),
              std::string::npos)
        << e.what();
  }
}

TEST(FitDistributed, ALoaderThatIsNotThisRanksShardIsRefused) {
  dist::InProcessGroup g(2, {.timeout = std::chrono::seconds(20)});
  const auto errors = g.run([&](dist::Communicator& c) {
    dist::DataParallel dp(c);
    mt::data::ImageLoader<mt::half> whole(train_set(), {.batch = 32});  // no .shard
    mt::Sequential<F16> model(Shape{4, 4, 1}, mt::Flatten(), mt::Dense(4));
    mt::Adam opt(model);
    mt::LossScaler scaler;
    (void)mt::fit(model, opt, scaler, mt::SoftmaxCrossEntropy{}, whole,
                  {.progress = false, .data_parallel = &dp});
  });
  for (const auto& e : errors) {
    ASSERT_TRUE(e);
    try {
      std::rethrow_exception(e);
    } catch (const mt::ValueError& v) {
      EXPECT_NE(std::string(v.what()).find("LoaderOptions::shard = dp.shard()"), std::string::npos) << v.what();
    }
  }
}
