// tests/reliability/kill_trainer.hpp: the training job that test_checkpoint_kill kills, shared
// by the job itself (checkpoint_trainer) and the test, which replays it in-process as the
// reference. Everything is a function of the step index: the batch for step k comes from
// Generator(k), so a job resumed from a checkpoint at step k continues exactly as an
// uninterrupted one would (the optimizer moments, BatchNorm statistics, Dropout's generator
// position and the loss-scaler state all travel in the checkpoint).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>

#include "mantissa/mantissa.hpp"

namespace killtest {

namespace mt = mantissa;
using Policy = mt::policy::mixed_float16;

// Large enough (335k parameters; 4 MB per checkpoint with Adam's moments) that writing and
// fsyncing a checkpoint takes longer than a step, so random kills often land mid-save.
class Job {
 public:
  Job()
      : model_(mt::Shape{128}, mt::Seed{5}, mt::Dense(512), mt::ReLU(), mt::Dropout(0.1f, 3),
               mt::BatchNorm(), mt::Dense(512), mt::ReLU(), mt::Dense(10)),
        opt_(model_, {.lr = 1e-3f}),
        scaler_({.growth_interval = 20}),
        x_(mt::Shape{16, 128}),
        y_(mt::Shape{16}) {}

  std::int64_t step() const noexcept { return step_; }  // steps attempted (skipped included)

  void train_one() {
    mt::Generator g(1000 + static_cast<std::uint64_t>(step_));
    mt::fill_normal<mt::half>(x_.view(), 0.0f, 1.0f, g);
    for (std::int64_t i = 0; i < 16; ++i)
      y_[i] = static_cast<std::int32_t>(g.block(100 + static_cast<std::uint64_t>(i))[0] % 10);
    auto scaled = model_.backward(scaler_.scale(loss_fn_(model_.forward(x_.view(), mt::Mode::train), y_.view())));
    (void)opt_.step(scaler_.unscale(std::move(scaled)), scaler_);
    ++step_;
  }

  void save(const std::filesystem::path& file) {
    mt::save_checkpoint(file, model_, opt_, scaler_, {.epoch = 0, .batch = step_, .data_seed = 0});
  }
  void load(const std::filesystem::path& file) {
    step_ = mt::load_checkpoint(file, model_, opt_, scaler_).batch;
  }

 private:
  mt::Sequential<Policy> model_;
  mt::Adam<Policy> opt_;
  mt::LossScaler scaler_;
  mt::SoftmaxCrossEntropy loss_fn_;
  mt::Tensor<mt::half> x_;
  mt::Tensor<std::int32_t> y_;
  std::int64_t step_ = 0;
};

}  // namespace killtest
