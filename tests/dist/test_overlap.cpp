// tests/dist/test_overlap.cpp: gradient averaging overlapped with the backward pass
// (DataParallel::backward, Sequential::on_gradients_ready, Communicator::start_allreduce).
//   - buckets start while the backward pass still runs: when the first bucket starts, its
//     gradients are final and the first layer's are not yet computed;
//   - the buckets partition the arena, the last layers first, closed at parameter starts;
//   - two ranks training with the overlapped backward end every step with the same bits as
//     with average(model.backward(...)), with a loss scaler and with gradient accumulation;
//   - a failure inside the backward pass waits for the buckets already started and leaves
//     no hook behind;
//   - a blocking collective between a start and wait_pending() is refused.
#include <gtest/gtest.h>

#include <cstring>
#include <optional>

#include "mantissa/dist/dist.hpp"
#include "mantissa/mantissa.hpp"

namespace mt = mantissa;
namespace dist = mantissa::dist;
using F32 = mt::policy::float32;
using F16 = mt::policy::mixed_float16;

namespace {

constexpr float kSentinel = 12345.0f;

// One rank; records each started bucket and what the arena held at that moment.
class Recorder final : public dist::Communicator {
 public:
  struct Start {
    std::int64_t lo, hi;  // the bucket, as arena offsets
    bool bucket_final;    // no sentinel left in it
    bool first_layer_pending;  // the first parameter's slot still holds the sentinel
  };
  explicit Recorder(const float* arena) : Communicator({}), arena_(arena) {}
  int rank() const noexcept override { return 0; }
  int size() const noexcept override { return 1; }
  dist::Memory memory() const noexcept override { return dist::Memory::host; }
  const char* name() const noexcept override { return "recorder"; }
  std::vector<Start> starts;
  int progress_calls = 0, waits = 0, fail_at = -1;

 protected:
  void do_allreduce(std::span<const std::span<float>>, dist::Reduce) override {}
  void do_broadcast(void*, std::size_t, int) override {}
  void do_broadcast_bytes(void*, std::size_t, int) override {}
  void do_allreduce_host(double*, std::int64_t, dist::Reduce) override {}
  void do_barrier() override {}
  void do_start_allreduce(std::span<float> b, dist::Reduce) override {
    if (static_cast<int>(starts.size()) == fail_at) throw mt::Error("recorder: injected failure");
    bool fin = true;
    for (float v : b) fin = fin && v != kSentinel;
    starts.push_back({b.data() - arena_, b.data() - arena_ + static_cast<std::int64_t>(b.size()), fin,
                      arena_[0] == kSentinel});
  }
  void do_progress() override { ++progress_calls; }
  void do_wait_pending() override { ++waits; }

 private:
  const float* arena_;
};

template <class P>
std::unique_ptr<mt::Sequential<P>> cnn(std::uint64_t seed) {
  return std::make_unique<mt::Sequential<P>>(
      mt::Shape{8, 8, 1}, mt::Seed{seed}, mt::Conv2D(4, 3, mt::same), mt::ReLU(), mt::MaxPool2D(2),
      mt::Conv2D(8, 3, mt::same), mt::ReLU(), mt::Flatten(), mt::Dense(16), mt::ReLU(), mt::Dense(4));
}

mt::Tensor<float> batch_x(std::int64_t n, std::uint64_t seed) {
  mt::Generator g(seed);
  return mt::uniform<float>(mt::Shape{n, 8, 8, 1}, -1.0f, 1.0f, g);
}
mt::Tensor<std::int32_t> batch_y(std::int64_t n, std::int64_t shift) {
  mt::Tensor<std::int32_t> y(mt::Shape{n});
  for (std::int64_t i = 0; i < n; ++i) y[i] = static_cast<std::int32_t>((i + shift) % 4);
  return y;
}

}  // namespace

TEST(Overlap, BucketsStartWhileTheEarlierLayersAreStillComputing) {
  auto model = cnn<F32>(1);
  auto& t = model->trainables();
  Recorder rec(t.arena.grad().data());
  // 1 KiB buckets: the two Dense layers (2.2k floats), the second conv (320), the first (96).
  dist::DataParallel dp(rec, {.bucket_bytes = 1024, .first_bucket_bytes = 1024});
  mt::SoftmaxCrossEntropy loss_fn;
  const auto x = batch_x(16, 2);
  const auto y = batch_y(16, 0);
  for (auto* p : t.params)  // the slots (the alignment gaps stay zero, as the arena keeps them)
    for (auto& v : p->grad) v = kSentinel;
  auto grads = dp.backward(*model, loss_fn(model->forward(x, mt::Mode::train), y));
  ASSERT_EQ(rec.starts.size(), 3u);
  EXPECT_EQ(rec.waits, 1);
  EXPECT_GE(rec.progress_calls, 1);
  const auto& offsets = t.arena.offsets();
  // A partition of the arena from its end down, each bucket from a parameter's start.
  std::int64_t hi = t.arena.size();
  for (const auto& s : rec.starts) {
    EXPECT_EQ(s.hi, hi);
    EXPECT_TRUE(s.lo == 0 || std::find(offsets.begin(), offsets.end(), s.lo) != offsets.end()) << s.lo;
    EXPECT_TRUE(s.bucket_final) << "bucket [" << s.lo << ", " << s.hi << ") started before it was final";
    hi = s.lo;
  }
  EXPECT_EQ(hi, 0);
  // Overlap: the first bucket (the last Dense layers) started while conv 1 had not run yet.
  EXPECT_TRUE(rec.starts.front().first_layer_pending);
  EXPECT_FALSE(rec.starts.back().first_layer_pending);
  EXPECT_EQ(rec.pending(), 0);
  // The same gradients as a plain backward (one rank: the average is the value).
  auto plain = cnn<F32>(1);
  auto ref = plain->backward(loss_fn(plain->forward(x, mt::Mode::train), y));
  const auto a = t.arena.grad(), b = plain->trainables().arena.grad();
  EXPECT_EQ(0, std::memcmp(a.data(), b.data(), static_cast<std::size_t>(a.numel()) * sizeof(float)));
  (void)grads;
  (void)ref;
}

TEST(Overlap, AFailureMidBackwardWaitsForTheStartedBucketsAndRemovesTheHook) {
  auto model = cnn<F32>(1);
  Recorder rec(model->trainables().arena.grad().data());
  rec.fail_at = 1;  // the second start throws, inside the backward pass
  dist::DataParallel dp(rec, {.bucket_bytes = 4096, .first_bucket_bytes = 1024});
  mt::SoftmaxCrossEntropy loss_fn;
  const auto x = batch_x(16, 2);
  const auto y = batch_y(16, 0);
  EXPECT_THROW((void)dp.backward(*model, loss_fn(model->forward(x, mt::Mode::train), y)), mt::Error);
  EXPECT_EQ(rec.starts.size(), 1u);
  EXPECT_EQ(rec.waits, 1) << "the started bucket was not waited for";
  EXPECT_EQ(rec.pending(), 0);
  (void)model->backward(loss_fn(model->forward(x, mt::Mode::train), y));
  EXPECT_EQ(rec.starts.size(), 1u) << "the hook outlived DataParallel::backward";
}

namespace {

// `steps` steps of two ranks (batch 16 each) with a loss scaler, accumulating two
// micro-batches of 8 when `accumulate`; the masters after every step on rank 0, and whether
// both ranks agreed bit for bit.
template <class P>
std::vector<std::vector<float>> two_ranks(bool overlap, bool accumulate, int steps = 4) {
  dist::InProcessGroup g(2, {.timeout = std::chrono::seconds(60)});
  std::vector<std::vector<std::vector<float>>> traces(2);
  const auto errors = g.run([&](dist::Communicator& c) {
    auto model = cnn<P>(10 + static_cast<std::uint64_t>(c.rank()));
    dist::DataParallel dp(c, {.bucket_bytes = 2048, .first_bucket_bytes = 512});
    dp.broadcast_parameters(*model);
    mt::SGD opt(*model, {.lr = 0.05f, .momentum = 0.9f});
    mt::LossScaler scaler({.init_scale = 256.0f});
    mt::SoftmaxCrossEntropy loss_fn;
    for (int s = 0; s < steps; ++s) {
      const auto seed = static_cast<std::uint64_t>(100 * s + c.rank());
      const auto x = mt::checked_cast<typename P::compute>(batch_x(16, seed));
      const auto y = batch_y(16, s + c.rank());
      mt::StepOutcome out;
      if (accumulate) {
        const auto x0 = x.slice(0, 8), x1 = x.slice(8, 16);
        const auto y0 = y.view().slice(0, 8), y1 = y.view().slice(8, 16);
        auto acc = model->backward(scaler.scale(loss_fn(model->forward(x0, mt::Mode::train), y0)));
        auto scaled = overlap ? dp.backward(*model, scaler.scale(loss_fn(model->forward(x1, mt::Mode::train), y1)), std::move(acc))
                              : dp.average(model->backward(scaler.scale(loss_fn(model->forward(x1, mt::Mode::train), y1)),
                                                           std::move(acc)));
        out = opt.step(scaler.unscale(std::move(scaled)), scaler);
      } else {
        auto scaled = overlap ? dp.backward(*model, scaler.scale(loss_fn(model->forward(x, mt::Mode::train), y)))
                              : dp.average(model->backward(scaler.scale(loss_fn(model->forward(x, mt::Mode::train), y))));
        out = opt.step(scaler.unscale(std::move(scaled)), scaler);
      }
      EXPECT_TRUE(out.applied);
      auto m = model->trainables().arena.master();
      traces[static_cast<std::size_t>(c.rank())].emplace_back(m.begin(), m.end());
    }
  });
  for (const auto& e : errors)
    if (e) std::rethrow_exception(e);
  EXPECT_EQ(traces[0], traces[1]) << "the ranks' weights differ";
  return traces[0];
}

}  // namespace

TEST(Overlap, TwoRanksGetTheSameBitsAsAveragingAfterBackward) {
  EXPECT_EQ(two_ranks<F32>(true, false), two_ranks<F32>(false, false));
  EXPECT_EQ(two_ranks<F16>(true, false), two_ranks<F16>(false, false));
}

TEST(Overlap, AccumulatedMicroBatchesGetTheSameBitsToo) {
  EXPECT_EQ(two_ranks<F16>(true, true), two_ranks<F16>(false, true));
}

TEST(Overlap, ABlockingCollectiveBetweenStartAndWaitIsRefused) {
  std::vector<float> g(64, 1.0f);
  Recorder rec(g.data());
  rec.start_allreduce(std::span<float>(g).first(32), dist::Reduce::average);
  EXPECT_EQ(rec.pending(), 1);
  try {
    rec.barrier();
    FAIL() << "no StateError";
  } catch (const mt::StateError& e) {
    EXPECT_NE(std::string(e.what()).find("wait_pending()"), std::string::npos) << e.what();
  }
  rec.wait_pending();
  EXPECT_EQ(rec.pending(), 0);
  rec.barrier();  // fine now
}
