// tests/device/test_counting_device.cpp: the reference CNN trains on a device that only this
// test knows (counting_device.hpp), through the library's own Sequential, Adam, LossScaler,
// fit and checkpoints, with no change outside tests/device/:
//   - bit for bit the same weights as the same training on Cpu (same kernels, same order);
//   - exactly one host read per training step (the step status), none per forward/backward;
//   - no allocation in a step once the model is reserved;
//   - one fused launch per step for the unscale and for the optimizer (the flat arenas).
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <vector>

#include "counting_device.hpp"
#include "mantissa/layers/impl/conv2d.ipp"
#include "mantissa/layers/impl/dense.ipp"
#include "mantissa/layers/impl/sequential.ipp"

namespace mt = mantissa;
using F16 = mt::policy::mixed_float16;

// The device's instantiations, as a backend library would provide them, and the trait that
// says so (without it, Sequential<F16, Counting> is a compile error naming the fix).
template <>
inline constexpr bool mt::model_is_built<F16, Counting> = true;
template class mt::Sequential<F16, Counting>;
template class mt::DenseLayer<F16, Counting>;
template class mt::Conv2DLayer<F16, Counting>;

namespace {

// Synthetic images in host memory (as every loader yields them) and labels.
struct Synthetic {
  struct Batch {
    mt::TensorView<const mt::half> x;
    mt::TensorView<const std::int32_t> y;
  };
  Synthetic(std::int64_t n, std::int64_t batch) : n_(n), batch_(batch) {
    mt::Generator gen(3);
    x_ = mt::normal<mt::half>(mt::Shape{n, 28, 28, 1}, 0.0f, 1.0f, gen);
    y_ = mt::Tensor<std::int32_t>(mt::Shape{n});
    for (std::int64_t i = 0; i < n; ++i) y_[i] = static_cast<std::int32_t>((i * 7) % 10);
  }
  std::int64_t size() const { return n_; }
  std::int64_t batches() const { return (n_ + batch_ - 1) / batch_; }
  void set_epoch(std::int64_t) {}
  Batch batch(std::int64_t b) const {
    const auto end = std::min(n_, (b + 1) * batch_);
    return {x_.slice(b * batch_, end), y_.slice(b * batch_, end)};
  }

  std::int64_t n_, batch_;
  mt::Tensor<mt::half> x_;
  mt::Tensor<std::int32_t> y_;
};

template <class D>
auto reference_cnn() {
  return std::make_unique<mt::Sequential<F16, D>>(
      mt::Shape{28, 28, 1}, mt::Seed{5}, mt::Conv2D(8, 3, mt::same), mt::ReLU(),
      mt::MaxPool2D(2), mt::Conv2D(16, 3, mt::same), mt::ReLU(), mt::MaxPool2D(2),
      mt::Flatten(), mt::Dense(32), mt::ReLU(), mt::Dense(10));
}

// The reference CNN on device D with its Adam and its loss scaler: what one training run holds.
template <class D>
struct TrainingRun {
  std::unique_ptr<mt::Sequential<F16, D>> model = reference_cnn<D>();
  mt::Adam<F16, D> opt{*model};
  mt::LossScaler scaler;

  // fit() with softmax cross-entropy, no progress output, checkpoints into `out` if given.
  mt::History fit(Synthetic& data, int epochs, const std::filesystem::path& out = {}) {
    return mt::fit(*model, opt, scaler, mt::SoftmaxCrossEntropy{}, data,
                   {.epochs = epochs, .out = out, .progress = false});
  }
};

template <class D>
std::vector<float> host_masters(mt::Sequential<F16, D>& model) {
  std::vector<float> out;
  for (auto* p : model.parameters()) {
    const auto h = mt::to<mt::Cpu>(p->master);
    out.insert(out.end(), h.begin(), h.end());
  }
  return out;
}

}  // namespace

static_assert(mt::has_kernel<mt::op::gemm, Counting, mt::half>);
#if defined(MANTISSA_WITH_CUDA)
static_assert(mt::has_kernel<mt::op::gemm, mt::Cuda, mt::half>);  // asked per op and dtype
#else
static_assert(!mt::has_kernel<mt::op::gemm, mt::Cuda, mt::half>);  // no CUDA in this build
#endif

TEST(CountingDevice, TrainsTheReferenceCnnBitForBitAsTheCpu) {
  Synthetic data(96, 32);
  TrainingRun<mt::Cpu> cpu;
  TrainingRun<Counting> dev;
  const auto hc = cpu.fit(data, 2);
  const auto hd = dev.fit(data, 2);
  const auto wc = host_masters(*cpu.model), wd = host_masters(*dev.model);
  ASSERT_EQ(wc.size(), wd.size());
  EXPECT_EQ(std::memcmp(wc.data(), wd.data(), wc.size() * sizeof(float)), 0);
  ASSERT_EQ(hc.epochs.size(), 2u);
  EXPECT_EQ(hc.epochs[1].loss, hd.epochs[1].loss);
  EXPECT_EQ(hc.epochs[1].accuracy, hd.epochs[1].accuracy);
  EXPECT_EQ(cpu.opt.steps(), dev.opt.steps());
  EXPECT_LT(hd.epochs[1].loss, hd.epochs[0].loss);  // it trained
}

TEST(CountingDevice, OneHostReadPerTrainingStepAndNoAllocation) {
  Synthetic data(128, 32);
  TrainingRun<Counting> run;
  mt::SoftmaxCrossEntropy loss_fn;
  run.model->reserve(32);
  mt::Tensor<mt::half, Counting> x = mt::to<Counting>(data.batch(0).x);
  mt::Tensor<std::int32_t, Counting> y = mt::to<Counting>(data.batch(0).y);
  auto step = [&] {
    auto& [model, opt, scaler] = run;
    auto loss = loss_fn(model->context(), model->forward(x, mt::Mode::train), y);
    return opt.step(scaler.unscale(model->backward(scaler.scale(loss))), scaler);
  };
  (void)step();  // warm-up: the loss buffer and the context's workspace
  auto& c = Counting::counters();
  for (int i = 0; i < 5; ++i) {
    const auto before = c;
    const auto out = step();
    EXPECT_TRUE(out.applied);
    EXPECT_EQ(c.host_reads - before.host_reads, 1) << "step " << i;
    EXPECT_EQ(c.allocations - before.allocations, 0) << "step " << i;
  }
}

TEST(CountingDevice, FitReadsOncePerStepAndOncePerEpoch) {
  Synthetic data(160, 32);  // 5 batches
  TrainingRun<Counting> run;
  auto& c = Counting::counters();
  const auto before = c;
  const auto h = run.fit(data, 2);
  // Per epoch: one status read per step, one read of the running loss and accuracy.
  EXPECT_EQ(c.host_reads - before.host_reads, 2 * (data.batches() + 1));
  ASSERT_EQ(h.epochs.size(), 2u);
}

TEST(CountingDevice, FusedUnscaleAndUpdateAreOneLaunchEachPerStep) {
  Synthetic data(32, 32);
  TrainingRun<Counting> run;
  auto& [model, opt, scaler] = run;
  mt::SoftmaxCrossEntropy loss_fn;
  const auto x = mt::to<Counting>(data.batch(0).x);
  const auto y = mt::to<Counting>(data.batch(0).y);
  auto loss = loss_fn(model->context(), model->forward(x, mt::Mode::train), y);
  auto scaled = model->backward(scaler.scale(loss));
  auto& c = Counting::counters();
  auto before = c.kernels;
  auto grads = scaler.unscale(std::move(scaled));
  EXPECT_EQ(c.kernels - before, 1);  // 8 parameter tensors, one pass
  before = c.kernels;
  EXPECT_TRUE(opt.step(std::move(grads), scaler).applied);
  EXPECT_EQ(c.kernels - before, 1);
}

TEST(CountingDevice, CheckpointsRoundTripThroughTheHost) {
  Synthetic data(64, 32);
  TrainingRun<Counting> trained;
  const auto dir = std::filesystem::temp_directory_path() / "mantissa_counting_ckpt";
  std::filesystem::remove_all(dir);
  (void)trained.fit(data, 1, dir);
  TrainingRun<Counting> again;
  const auto pos =
      mt::load_checkpoint(dir / "checkpoint.safetensors", *again.model, again.opt, again.scaler);
  EXPECT_EQ(pos.epoch, 1);
  EXPECT_EQ(again.opt.steps(), trained.opt.steps());
  EXPECT_EQ(host_masters(*again.model), host_masters(*trained.model));
  std::filesystem::remove_all(dir);
}
