// fuzz/checkpoint_job.hpp: the training state that fuzz_checkpoint loads into and
// checkpoint_seeds saves from: a float16 mixed-precision model with a dropout generator and
// BatchNorm buffers, its Adam and its LossScaler, trained a few steps so that every piece of
// state (masters, moments, running statistics, step, scale, generator offset) is away from
// its initial value and differs between seeds.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "mantissa/mantissa.hpp"

namespace mantissa::fuzz {

using CheckpointPolicy = policy::mixed_float16;

struct CheckpointJob {
  std::unique_ptr<Sequential<CheckpointPolicy>> model;
  std::unique_ptr<Adam<CheckpointPolicy>> opt;
  LossScaler scaler{{.growth_interval = 2}};

  CheckpointJob(std::uint64_t seed, int steps)
      : model(std::make_unique<Sequential<CheckpointPolicy>>(
            Shape{4}, Seed{seed}, Dense(3), Dropout(0.25f, seed), BatchNorm())) {
    opt = std::make_unique<Adam<CheckpointPolicy>>(*model);
    Generator g(seed);
    auto x = normal<half>(Shape{6, 4}, 0.0f, 1.0f, g);
    auto y = Tensor<std::int32_t>(Shape{6});
    for (std::int64_t i = 0; i < 6; ++i) y[i] = static_cast<std::int32_t>((i + seed) % 3);
    SoftmaxCrossEntropy loss_fn;
    for (int i = 0; i < steps; ++i)
      (void)opt->step(scaler.unscale(model->backward(
                          scaler.scale(loss_fn(model->forward(x.view(), Mode::train), y.view())))),
                      scaler);
  }

  // Every byte of the state a load may change: masters and compute copies, buffers, moments,
  // the optimizer step, the scaler's state and each generator's position.
  std::string snapshot() const {
    std::string s;
    auto add = [&](const void* p, std::size_t n) { s.append(static_cast<const char*>(p), n); };
    for (auto* p : model->parameters()) {
      add(p->master.data(), p->master.size_bytes());
      add(p->compute.data(), p->compute.size_bytes());
    }
    for (auto& [n, t] : model->buffers()) add(t->data(), t->size_bytes());
    for (auto& [n, t] : opt->state_tensors()) add(t.data(), t.size_bytes());
    const auto st = scaler.state();
    const std::int64_t step = opt->steps();
    add(&st.scale, 4), add(&st.clean_steps, 8), add(&st.skipped_steps, 8), add(&step, 8);
    for (auto& [n, g] : model->generators())
      s += n + "=" + std::to_string(g->seed()) + ":" + std::to_string(g->offset()) + ";";
    return s;
  }
};

}  // namespace mantissa::fuzz
