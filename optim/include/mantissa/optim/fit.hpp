// mantissa/optim/fit.hpp: the training loop, as Keras's fit / evaluate / predict.
//
//   auto history = fit(model, opt, scaler, SoftmaxCrossEntropy{}, train,
//                      {.epochs = 5, .validation = &test, .out = "runs/fmnist"});
//
// Per step: forward, loss (float32), backward (scaled when a LossScaler is given), step
// (skipped on overflow). Shows a progress bar on a terminal (loss, accuracy, images/s, ETA,
// and for float16 the loss scale and skipped steps) or a plain line per epoch when stdout is
// not a terminal. Writes <out>/history.csv and <out>/history.svg (loss and accuracy per
// epoch, train and validation) after every epoch, and checkpoints (<out>/checkpoint
// .safetensors, replaced atomically) every `checkpoint_every` steps and at each epoch's end.
// Early stopping watches the validation loss. resume = true continues from
// <out>/checkpoint.safetensors at the exact batch it was written after.
//
// Under mixed_float16 the overload without a LossScaler does not compile.
//
// A Loader is anything with size(), batches(), batch(i) -> {x, y}, set_epoch(e), epoch()
// (data::ImageLoader is one). Labels are int32 classes (accuracy is categorical).
#pragma once

#include <filesystem>
#include <limits>
#include <string>
#include <vector>

#include "mantissa/layers/losses.hpp"
#include "mantissa/layers/metrics.hpp"
#include "mantissa/optim/checkpoint.hpp"
#include "mantissa/optim/progress.hpp"
#include "mantissa/optim/step.hpp"

namespace mantissa {

template <class L>
concept Loader = requires(L& l, std::int64_t i) {
  { l.size() } -> std::convertible_to<std::int64_t>;
  { l.batches() } -> std::convertible_to<std::int64_t>;
  l.batch(i).x;
  l.batch(i).y;
  l.set_epoch(i);
};

struct EpochRecord {
  int epoch;
  double loss, accuracy;          // training, averaged over the epoch's batches
  double val_loss, val_accuracy;  // NaN without validation data
  double images_per_second;
  float lr, loss_scale;
  std::int64_t skipped_steps;
};

struct History {
  std::vector<EpochRecord> epochs;
  bool stopped_early = false;
};

template <class V>
struct FitOptions {
  int epochs = 1;
  V* validation = nullptr;            // evaluated after each epoch
  std::filesystem::path out;          // history and checkpoints; empty: write nothing
  std::int64_t checkpoint_every = 0;  // steps; 0: only at epoch ends
  int early_stopping_patience = 0;    // epochs without a better val_loss; 0: off
  bool resume = false;
  bool progress = true;
};

struct Evaluation {
  double loss, accuracy;
};

// Loss and accuracy over a whole loader, in inference mode.
template <Policy P, class LossFn, Loader L>
Evaluation evaluate(Sequential<P, Cpu>& model, LossFn& loss_fn, L& data) {
  double loss = 0, hits = 0;
  for (std::int64_t b = 0; b < data.batches(); ++b) {
    auto batch = data.batch(b);
    auto logits = model.forward(batch.x, Mode::infer);
    const auto n = static_cast<double>(batch.y.numel());
    loss += static_cast<double>(loss_fn(logits, batch.y).value) * n;
    hits += static_cast<double>(accuracy(logits, batch.y)) * n;
  }
  const auto total = static_cast<double>(data.size());
  return {loss / total, hits / total};
}

// The model's outputs for every sample, in loader order, as float32 (N, outputs...).
template <Policy P, Loader L>
Tensor<float> predict(Sequential<P, Cpu>& model, L& data) {
  auto out = Tensor<float>::empty(model.output_shape().prepend(data.size()));
  std::int64_t row = 0;
  for (std::int64_t b = 0; b < data.batches(); ++b) {
    auto y = model.forward(data.batch(b).x, Mode::infer);
    auto f = cast<float>(y);
    copy_bytes<Cpu, Cpu>(out.data() + row * (out.numel() / data.size()), f.data(), f.size_bytes());
    row += y.shape()[0];
  }
  return out;
}

namespace detail {
void write_history(const std::filesystem::path& dir, const History& h);
}

namespace detail {
template <Policy P, class Opt, class LossFn, Loader L, class V>
History fit_impl(Sequential<P, Cpu>& model, Opt& opt, LossScaler* scaler, LossFn& loss_fn,
                 L& train, const FitOptions<V>& o) {
  History history;
  const auto ckpt = o.out.empty() ? std::filesystem::path() : o.out / "checkpoint.safetensors";
  TrainingPosition pos;
  if (o.resume) {
    if (ckpt.empty() || !std::filesystem::exists(ckpt))
      throw IoError("fit: resume requested but " + ckpt.string() + " does not exist");
    pos = load_checkpoint(ckpt, model, opt, scaler);
  }
  double best_val = std::numeric_limits<double>::infinity();
  int since_best = 0;
  Progress bar(o.progress);
  for (auto epoch = static_cast<int>(pos.epoch); epoch < o.epochs; ++epoch) {
    train.set_epoch(epoch);
    const std::int64_t first = epoch == pos.epoch ? pos.batch : 0;
    double loss_sum = 0, acc_sum = 0;
    std::int64_t seen = 0, skipped = 0;
    bar.start_epoch(epoch + 1, o.epochs, train.batches());
    for (std::int64_t b = first; b < train.batches(); ++b) {
      auto batch = train.batch(b);
      auto logits = model.forward(batch.x);
      auto loss = loss_fn(logits, batch.y);
      const auto n = batch.y.numel();
      loss_sum += static_cast<double>(loss.value) * static_cast<double>(n);
      acc_sum += static_cast<double>(accuracy(logits, batch.y)) * static_cast<double>(n);
      seen += n;
      StepOutcome out;
      if (scaler) {
        out = opt.step(scaler->unscale(model.backward(scaler->scale(loss))), *scaler);
      } else if constexpr (!P::needs_loss_scaling) {
        out = opt.step(model.backward(loss));
      }
      skipped += !out.applied;
      bar.update(b + 1, seen, loss_sum / double(seen), acc_sum / double(seen),
                 scaler ? scaler->loss_scale() : 0.0f, skipped);
      if (!ckpt.empty() && o.checkpoint_every > 0 && out.step % o.checkpoint_every == 0 && out.applied)
        save_checkpoint(ckpt, model, opt, scaler, {epoch, b + 1, 0});
    }
    EpochRecord r{epoch + 1, loss_sum / double(std::max<std::int64_t>(seen, 1)),
                  acc_sum / double(std::max<std::int64_t>(seen, 1)),
                  std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::quiet_NaN(),
                  bar.images_per_second(), opt.lr(), scaler ? scaler->loss_scale() : 0.0f, skipped};
    if (o.validation) {
      const auto ev = evaluate(model, loss_fn, *o.validation);
      r.val_loss = ev.loss;
      r.val_accuracy = ev.accuracy;
    }
    history.epochs.push_back(r);
    bar.end_epoch(r.loss, r.accuracy, r.val_loss, r.val_accuracy, r.images_per_second);
    if (!o.out.empty()) {
      save_checkpoint(ckpt, model, opt, scaler, {epoch + 1, 0, 0});
      detail::write_history(o.out, history);
    }
    if (o.early_stopping_patience > 0 && o.validation) {
      if (r.val_loss < best_val) best_val = r.val_loss, since_best = 0;
      else if (++since_best >= o.early_stopping_patience) {
        history.stopped_early = true;
        break;
      }
    }
  }
  return history;
}
}  // namespace detail

// With a loss scaler (required under mixed_float16, allowed under every policy).
template <Policy P, class Opt, class LossFn, Loader L, class V = L>
History fit(Sequential<P, Cpu>& model, Opt& opt, LossScaler& scaler, LossFn loss_fn, L& train,
            const FitOptions<V>& o = {}) {
  return detail::fit_impl(model, opt, &scaler, loss_fn, train, o);
}

// Without one: float32 and mixed_bfloat16 only.
template <Policy P, class Opt, class LossFn, Loader L, class V = L>
  requires(!std::same_as<std::remove_cvref_t<LossFn>, LossScaler>)
History fit(Sequential<P, Cpu>& model, Opt& opt, LossFn loss_fn, L& train,
            const FitOptions<V>& o = {}) {
  static_assert(!needs_loss_scaling_v<P>,
                "mantissa::fit: this policy (note below) needs a loss scaler: "
                "fit(model, opt, scaler, loss, data, options) with a mantissa::LossScaler");
  if constexpr (!needs_loss_scaling_v<P>) return detail::fit_impl(model, opt, nullptr, loss_fn, train, o);
  else return {};
}

}  // namespace mantissa
