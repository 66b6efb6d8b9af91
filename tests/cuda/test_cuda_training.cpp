// tests/cuda/test_cuda_training.cpp: whole models on the CUDA backend against the CPU's:
//   - a few hundred training steps of a small CNN (Conv2D, BatchNorm, ReLU, MaxPool2D,
//     Dropout, Dense) under each policy, whose loss curve follows the CPU's;
//   - a step skipped for overflow leaves the GPU's masters and Adam moments bit-identical;
//   - a reserved training step allocates no device memory;
//   - fit, evaluate and predict on Cuda (over loaders and over tensors); a checkpoint
//     written on one device resumes on the other.
// On a GPU, or on the host in the emulation build; skipped by name elsewhere.
#include <cmath>
#include <cstring>
#include <filesystem>
#include <vector>

#include "parity.hpp"

namespace mt = mantissa;
using mt::Cpu;
using mt::Cuda;

namespace {

// Learnable synthetic images in host memory (as every loader yields them): class k has a
// bright 3x3 patch at a position of its own, over noise.
template <class T>
struct Synthetic {
  struct Batch {
    mt::TensorView<const T> x;
    mt::TensorView<const std::int32_t> y;
  };
  Synthetic(std::int64_t n, std::int64_t batch, std::uint64_t seed = 3) : n_(n), batch_(batch) {
    mt::Generator gen(seed);
    auto x = mt::normal<float>(mt::Shape{n, 12, 12, 1}, 0.0f, 0.3f, gen);
    y_ = mt::Tensor<std::int32_t>(mt::Shape{n});
    for (std::int64_t i = 0; i < n; ++i) {
      const auto k = static_cast<std::int32_t>((i * 7 + i / 3) % 4);
      y_[i] = k;
      const std::int64_t r0 = 1 + 5 * (k / 2), c0 = 1 + 5 * (k % 2);
      for (std::int64_t r = r0; r < r0 + 3; ++r)
        for (std::int64_t c = c0; c < c0 + 3; ++c) x(i, r, c, 0) += 1.5f;
    }
    x_ = mt::cast<T>(x);
  }
  std::int64_t size() const { return n_; }
  std::int64_t batches() const { return (n_ + batch_ - 1) / batch_; }
  void set_epoch(std::int64_t) {}
  Batch batch(std::int64_t b) const {
    const auto end = std::min(n_, (b + 1) * batch_);
    return {x_.slice(b * batch_, end), y_.slice(b * batch_, end)};
  }

  std::int64_t n_, batch_;
  mt::Tensor<T> x_;
  mt::Tensor<std::int32_t> y_;
};

template <class P, class D>
auto small_cnn() {
  return std::make_unique<mt::Sequential<P, D>>(
      mt::Shape{12, 12, 1}, mt::Seed{5}, mt::Conv2D(6, 3, mt::same), mt::BatchNorm(), mt::ReLU(),
      mt::MaxPool2D(2), mt::Conv2D(8, 3, mt::same), mt::ReLU(), mt::MaxPool2D(2), mt::Flatten(),
      mt::Dropout(0.25f), mt::Dense(16), mt::ReLU(), mt::Dense(4));
}

template <class P, class D>
struct TrainingRun {
  std::unique_ptr<mt::Sequential<P, D>> model = small_cnn<P, D>();
  mt::Adam<P, D> opt{*model, {.lr = 3e-3f}};
  mt::LossScaler scaler;

  mt::History fit(Synthetic<typename P::compute>& data, int epochs,
                  const std::filesystem::path& out = {}) {
    return mt::fit(*model, opt, scaler, mt::SoftmaxCrossEntropy{}, data,
                   {.epochs = epochs, .out = out, .progress = false});
  }
};

template <class P, class D>
std::vector<float> host_masters(mt::Sequential<P, D>& model) {
  std::vector<float> out;
  for (auto* p : model.parameters()) {
    const auto h = mt::to<Cpu>(p->master);
    out.insert(out.end(), h.begin(), h.end());
  }
  return out;
}

template <class P, class D>
std::vector<float> host_moments(mt::Adam<P, D>& opt) {
  std::vector<float> out;
  for (auto& [name, t] : opt.state_tensors()) {
    const auto h = mt::to<Cpu>(t);
    out.insert(out.end(), h.begin(), h.end());
  }
  return out;
}

// The per-step losses of `steps` written-out training steps (the README's step) on device D.
template <class P, class D>
std::vector<float> loss_curve(int steps) {
  using T = typename P::compute;
  Synthetic<T> data(128, 16);
  TrainingRun<P, D> run;
  mt::SoftmaxCrossEntropy loss_fn;
  std::vector<float> losses;
  for (int s = 0; s < steps; ++s) {
    const auto b = data.batch(s % data.batches());
    const auto x = mt::to<D>(b.x);
    const auto y = mt::to<D>(b.y);
    auto loss = loss_fn(run.model->context(), run.model->forward(x, mt::Mode::train), y);
    losses.push_back(loss.value());
    if constexpr (P::needs_loss_scaling) {
      (void)run.opt.step(run.scaler.unscale(run.model->backward(run.scaler.scale(loss))),
                         run.scaler);
    } else {
      (void)run.opt.step(run.model->backward(loss));
    }
  }
  return losses;
}

template <class P>
void expect_same_curve(int steps, float early_rel, float late_rel) {
  const auto cpu = loss_curve<P, Cpu>(steps);
  const auto gpu = loss_curve<P, Cuda>(steps);
  ASSERT_EQ(cpu.size(), gpu.size());
  // The first steps agree closely; later, rounding differences (summation order in the
  // GEMMs, the reductions) grow as training amplifies them, so the late curve is compared as
  // a mean over a window.
  for (int s = 0; s < 10; ++s)
    EXPECT_NEAR(gpu[s], cpu[s], early_rel * std::fabs(cpu[s])) << "step " << s;
  double mc = 0, mg = 0;
  for (int s = steps - 50; s < steps; ++s) {
    mc += cpu[s];
    mg += gpu[s];
  }
  mc /= 50;
  mg /= 50;
  EXPECT_NEAR(mg, mc, late_rel * mc + 0.02) << "mean loss of the last 50 steps";
  EXPECT_LT(mg, 0.5 * (cpu[0] + gpu[0]) / 2) << "it trained";
}

}  // namespace

TEST(CudaTraining, Float32LossCurveFollowsTheCpu) {
  MANTISSA_REQUIRE_GPU();
  expect_same_curve<mt::policy::float32>(300, 1e-4f, 0.05f);
}

TEST(CudaTraining, MixedFloat16LossCurveFollowsTheCpu) {
  MANTISSA_REQUIRE_GPU();
  expect_same_curve<mt::policy::mixed_float16>(300, 5e-3f, 0.10f);
}

TEST(CudaTraining, MixedBfloat16LossCurveFollowsTheCpu) {
  MANTISSA_REQUIRE_GPU();
  expect_same_curve<mt::policy::mixed_bfloat16>(300, 3e-2f, 0.15f);
}

TEST(CudaTraining, ASkippedStepLeavesMastersAndMomentsBitIdentical) {
  MANTISSA_REQUIRE_GPU();
  using P = mt::policy::mixed_float16;
  Synthetic<mt::half> data(64, 16);
  TrainingRun<P, Cuda> run;
  (void)run.fit(data, 1);  // moments are non-zero
  const auto w0 = host_masters(*run.model);
  const auto m0 = host_moments(run.opt);
  const auto steps = run.opt.steps();
  // A batch with an infinity overflows the scaled gradients: the step must be skipped.
  auto xh = mt::to<Cpu>(data.batch(0).x);
  xh[5] = std::numeric_limits<mt::half>::infinity();
  const auto x = mt::to<Cuda>(xh);
  const auto y = mt::to<Cuda>(data.batch(0).y);
  const float scale = run.scaler.loss_scale();
  mt::SoftmaxCrossEntropy loss_fn;
  auto loss = loss_fn(run.model->context(), run.model->forward(x, mt::Mode::train), y);
  const auto out =
      run.opt.step(run.scaler.unscale(run.model->backward(run.scaler.scale(loss))), run.scaler);
  EXPECT_FALSE(out.applied);
  EXPECT_EQ(run.opt.steps(), steps);
  EXPECT_EQ(run.scaler.loss_scale(), scale / 2);
  const auto w1 = host_masters(*run.model);
  const auto m1 = host_moments(run.opt);
  ASSERT_EQ(w0.size(), w1.size());
  EXPECT_EQ(std::memcmp(w0.data(), w1.data(), w0.size() * sizeof(float)), 0);
  ASSERT_EQ(m0.size(), m1.size());
  EXPECT_EQ(std::memcmp(m0.data(), m1.data(), m0.size() * sizeof(float)), 0);
}

// On a device the loss call reads nothing back: a binary target outside [0, 1] is reported at
// the step's one status read, naming the row and the value, and the step changes nothing.
TEST(CudaTraining, ABadBinaryTargetIsADataErrorAtTheStep) {
  MANTISSA_REQUIRE_GPU();
  mt::Sequential<mt::policy::float32, Cuda> m(mt::Shape{3}, mt::Seed{1}, mt::Dense(1));
  mt::SGD opt(m, {.lr = 0.1f});
  mt::BinaryCrossEntropy bce;
  const auto x = mt::to<Cuda>(mt::full<float, Cpu>(mt::Shape{4, 3}, 1.0f));
  auto t = mt::full<float, Cpu>(mt::Shape{4}, 0.5f);
  t[2] = 2.0f;
  const auto bad = mt::to<Cuda>(t);
  const auto w0 = host_masters(m);
  auto loss = bce(m.context(), m.forward(x, mt::Mode::train), bad);  // no host read here
  try {
    (void)opt.step(m.backward(loss));
    ADD_FAILURE() << "a target of 2 trained";
  } catch (const mt::DataError& e) {
    EXPECT_STREQ(e.what(),
                 "BinaryCrossEntropy: target 2 at row 2 is not in [0, 1] (a probability: 0 and 1 "
                 "for hard labels, values between for soft ones)");
  }
  EXPECT_EQ(host_masters(m), w0);
  t[2] = 1.0f;
  const auto good = mt::to<Cuda>(t);
  EXPECT_TRUE(opt.step(m.backward(bce(m.context(), m.forward(x, mt::Mode::train), good))).applied);
}

// Nonfinite::raise under a scaler on a device: the loss of the scaled backward is read back
// (only on such a step), and a NaN loss raises, naming it; the scaler is left as it was.
TEST(CudaTraining, RaiseOnANaNLossUnderAScaler) {
  MANTISSA_REQUIRE_GPU();
  using P = mt::policy::mixed_float16;
  Synthetic<mt::half> data(16, 16);
  TrainingRun<P, Cuda> run;
  run.opt.on_nonfinite(mt::Nonfinite::raise);
  auto xh = mt::to<Cpu>(data.batch(0).x);
  xh[5] = std::numeric_limits<mt::half>::quiet_NaN();
  const auto x = mt::to<Cuda>(xh);
  const auto y = mt::to<Cuda>(data.batch(0).y);
  const auto state = run.scaler.state();
  mt::SoftmaxCrossEntropy loss_fn;
  auto loss = loss_fn(run.model->context(), run.model->forward(x, mt::Mode::train), y);
  try {
    (void)run.opt.step(run.scaler.unscale(run.model->backward(run.scaler.scale(loss))),
                       run.scaler);
    ADD_FAILURE() << "a NaN loss was skipped as an overflow";
  } catch (const mt::NumericsError& e) {
    EXPECT_NE(std::string(e.what()).find("the loss itself is nan"), std::string::npos)
        << e.what();
  }
  EXPECT_EQ(run.scaler.state(), state);
  EXPECT_EQ(run.opt.steps(), 0);
}

TEST(CudaTraining, AReservedStepAllocatesNoDeviceMemory) {
  MANTISSA_REQUIRE_GPU();
  using P = mt::policy::mixed_float16;
  Synthetic<mt::half> data(64, 16);
  TrainingRun<P, Cuda> run;
  run.model->reserve(16);
  const auto x = mt::to<Cuda>(data.batch(0).x);
  const auto y = mt::to<Cuda>(data.batch(0).y);
  mt::SoftmaxCrossEntropy loss_fn;
  auto step = [&] {
    auto loss = loss_fn(run.model->context(), run.model->forward(x, mt::Mode::train), y);
    return run.opt.step(run.scaler.unscale(run.model->backward(run.scaler.scale(loss))),
                        run.scaler);
  };
  (void)step();  // warm-up: the loss buffer and the context's workspace
  for (int i = 0; i < 5; ++i) {
    const auto before = mt::cuda_allocation_stats();
    EXPECT_TRUE(step().applied);
    const auto after = mt::cuda_allocation_stats();
    EXPECT_EQ(after.allocations - before.allocations, 0u) << "step " << i;
    EXPECT_EQ(after.frees - before.frees, 0u) << "step " << i;
  }
}

TEST(CudaTraining, FitEvaluateAndPredictOnCuda) {
  MANTISSA_REQUIRE_GPU();
  using P = mt::policy::mixed_bfloat16;
  Synthetic<mt::bfloat16> train(192, 32), test(64, 32, 9);
  TrainingRun<P, Cuda> gpu;
  TrainingRun<P, Cpu> cpu;
  const auto hg = gpu.fit(train, 3);
  const auto hc = cpu.fit(train, 3);
  ASSERT_EQ(hg.epochs.size(), 3u);
  EXPECT_LT(hg.epochs[2].loss, hg.epochs[0].loss);
  EXPECT_NEAR(hg.epochs[2].loss, hc.epochs[2].loss, 0.15 * hc.epochs[2].loss + 0.02);
  mt::SoftmaxCrossEntropy loss_fn;
  const auto eg = mt::evaluate(*gpu.model, loss_fn, test);
  const auto ec = mt::evaluate(*cpu.model, loss_fn, test);
  EXPECT_NEAR(eg.accuracy, ec.accuracy, 0.1);
  const auto pg = mt::predict(*gpu.model, test);
  EXPECT_EQ(pg.shape(), (mt::Shape{64, 4}));
}

TEST(CudaTraining, ACheckpointWrittenOnOneDeviceResumesOnTheOther) {
  MANTISSA_REQUIRE_GPU();
  using P = mt::policy::mixed_float16;
  Synthetic<mt::half> data(64, 16);
  const auto dir = std::filesystem::temp_directory_path() / "mantissa_cuda_ckpt";
  std::filesystem::remove_all(dir);
  TrainingRun<P, Cuda> gpu;
  (void)gpu.fit(data, 1, dir);
  // GPU -> CPU: the same masters, moments, step and scale, bit for bit.
  TrainingRun<P, Cpu> cpu;
  auto pos = mt::load_checkpoint(dir / "checkpoint.safetensors", *cpu.model, cpu.opt, cpu.scaler);
  EXPECT_EQ(pos.epoch, 1);
  EXPECT_EQ(cpu.opt.steps(), gpu.opt.steps());
  EXPECT_EQ(cpu.scaler.loss_scale(), gpu.scaler.loss_scale());
  EXPECT_EQ(host_masters(*cpu.model), host_masters(*gpu.model));
  EXPECT_EQ(host_moments(cpu.opt), host_moments(gpu.opt));
  // CPU -> GPU.
  const auto dir2 = dir / "from_cpu";
  (void)cpu.fit(data, 1, dir2);
  TrainingRun<P, Cuda> back;
  pos = mt::load_checkpoint(dir2 / "checkpoint.safetensors", *back.model, back.opt, back.scaler);
  EXPECT_EQ(back.opt.steps(), cpu.opt.steps());
  EXPECT_EQ(host_masters(*back.model), host_masters(*cpu.model));
  std::filesystem::remove_all(dir);
}

// clip_grad_norm on the model's gradients returns the norm before clipping, as the CPU's (it
// keeps the norm in a buffer of its own: the kernels take their scratch from the workspace).
TEST(CudaTraining, ClipGradNormReturnsTheNormAsTheCpu) {
  MANTISSA_REQUIRE_GPU();
  using P = mt::policy::float32;
  Synthetic<float> data(32, 16);
  TrainingRun<P, Cpu> cpu;
  TrainingRun<P, Cuda> gpu;
  mt::SoftmaxCrossEntropy loss_fn;
  const auto b = data.batch(0);
  auto lc = loss_fn(cpu.model->context(), cpu.model->forward(b.x, mt::Mode::train), b.y);
  auto gc = cpu.model->backward(lc);
  const auto xg = mt::to<Cuda>(b.x);
  const auto yg = mt::to<Cuda>(b.y);
  auto lg = loss_fn(gpu.model->context(), gpu.model->forward(xg, mt::Mode::train), yg);
  auto gg = gpu.model->backward(lg);
  const float nc = mt::clip_grad_norm(gc, 0.05f);
  const float ng = mt::clip_grad_norm(gg, 0.05f);
  EXPECT_GT(nc, 0.05f);  // so both clip
  EXPECT_NEAR(ng, nc, 1e-4f * nc);
  // The clipped gradients agree too (they are what the step reads).
  std::vector<float> hc, hg;
  for (auto* p : cpu.model->parameters()) {
    const auto h = mt::to<Cpu>(p->grad);
    hc.insert(hc.end(), h.begin(), h.end());
  }
  for (auto* p : gpu.model->parameters()) {
    const auto h = mt::to<Cpu>(p->grad);
    hg.insert(hg.end(), h.begin(), h.end());
  }
  ASSERT_EQ(hc.size(), hg.size());
  for (std::size_t i = 0; i < hc.size(); ++i) ASSERT_NEAR(hg[i], hc[i], 1e-6f) << "gradient " << i;
}

// fit over an ImageLoader on Cuda: the loader shuffles, normalises and casts each batch
// straight into pinned memory (batch_into), which is uploaded while the previous step runs;
// the run follows the CPU's on the same batches.
static_assert(mt::detail::fills_into<mt::data::ImageLoader<mt::half>, mt::half, std::int32_t>,
              "ImageLoader writes batches straight into the pinned staging buffer");

TEST(CudaTraining, FitOverAnImageLoaderStagesBatchesInPinnedMemory) {
  MANTISSA_REQUIRE_GPU();
  using P = mt::policy::mixed_float16;
  const std::int64_t n = 100;  // 7 batches of 16, the last of 4
  mt::data::ImageDataset ds{mt::Tensor<std::uint8_t>(mt::Shape{n, 12, 12, 1}),
                            mt::Tensor<std::int32_t>(mt::Shape{n})};
  for (std::int64_t i = 0; i < n; ++i) {
    const auto k = static_cast<std::int32_t>(i % 4);
    ds.labels[i] = k;
    for (std::int64_t p = 0; p < 144; ++p)
      ds.images[i * 144 + p] = static_cast<std::uint8_t>((p * 13 + i * 7) % 64);
    for (std::int64_t r = 1 + 5 * (k / 2); r < 4 + 5 * (k / 2); ++r)
      for (std::int64_t c = 1 + 5 * (k % 2); c < 4 + 5 * (k % 2); ++c)
        ds.images[i * 144 + r * 12 + c] = 250;
  }
  auto run = [&]<class D>(TrainingRun<P, D>& t) {
    mt::data::ImageLoader<mt::half> train(ds, {.batch = 16, .seed = 3, .mean = 0.2f, .std = 0.3f});
    return mt::fit(*t.model, t.opt, t.scaler, mt::SoftmaxCrossEntropy{}, train,
                   {.epochs = 3, .out = {}, .progress = false});
  };
  TrainingRun<P, Cpu> cpu;
  TrainingRun<P, Cuda> gpu;
  const auto hc = run(cpu);
  const auto hg = run(gpu);
  ASSERT_EQ(hg.epochs.size(), 3u);
  EXPECT_EQ(cpu.opt.steps(), gpu.opt.steps());
  EXPECT_EQ(gpu.opt.steps(), 21);
  for (int e = 0; e < 3; ++e)
    EXPECT_NEAR(hg.epochs[e].loss, hc.epochs[e].loss, 0.05 * hc.epochs[e].loss) << "epoch " << e;
  EXPECT_LT(hg.epochs[2].loss, hg.epochs[0].loss);
}

// fit on tensors: a TabularLoader's batches (float targets here) gathered straight into the
// pinned staging buffer and uploaded while the step runs; the same steps and losses as the
// CPU's, and evaluate / predict on tensors on Cuda.
TEST(CudaTraining, FitOnTensorsWithFloatTargetsStagesTabularBatches) {
  MANTISSA_REQUIRE_GPU();
  using P = mt::policy::mixed_bfloat16;
  const std::int64_t n = 90;  // 72 training rows: 5 batches of 16, the last of 8
  mt::Generator gen(4);
  const auto x = mt::normal<float>({n, 6}, 0.0f, 1.0f, gen);
  mt::Tensor<float> y(mt::Shape{n});
  for (std::int64_t i = 0; i < n; ++i) y[i] = x(i, 0) + 0.5f * x(i, 3) > 0.0f ? 1.0f : 0.0f;
  auto run = [&]<class D>(D) {
    mt::Sequential<P, D> model(mt::Shape{6}, mt::Seed{5}, mt::Dense(12), mt::ReLU(), mt::Dense(1));
    mt::Adam<P, D> opt(model, {.lr = 1e-2f});
    const auto h = mt::fit(model, opt, mt::BinaryCrossEntropy{}, x, y,
                           {.epochs = 4, .progress = false, .batch_size = 16, .seed = 2,
                            .validation_split = 0.2});
    EXPECT_EQ(opt.steps(), 4 * 5);
    const auto ev = mt::evaluate(model, mt::BinaryCrossEntropy{}, x, y, 32);
    const auto p = mt::predict(model, x, 32);
    EXPECT_EQ(p.shape(), (mt::Shape{n, 1}));
    EXPECT_NEAR(ev.accuracy, mt::binary_accuracy(p, y), 1e-6);
    return h;
  };
  const auto hc = run(Cpu{});
  const auto hg = run(Cuda{});
  ASSERT_EQ(hg.epochs.size(), 4u);
  for (int e = 0; e < 4; ++e) {
    EXPECT_NEAR(hg.epochs[e].loss, hc.epochs[e].loss, 0.02 * hc.epochs[e].loss) << "epoch " << e;
    EXPECT_NEAR(hg.epochs[e].val_loss, hc.epochs[e].val_loss, 0.02 * hc.epochs[e].val_loss);
  }
  EXPECT_LT(hg.epochs[3].loss, hg.epochs[0].loss);
}
