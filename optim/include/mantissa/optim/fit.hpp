// mantissa/optim/fit.hpp: the training loop, as Keras's fit / evaluate / predict.
//
//   auto history = fit(model, opt, scaler, SoftmaxCrossEntropy{}, train, test,
//                      {.epochs = 5, .out = "runs/fmnist"});
//
// The validation set (optional) comes before the options (fit_options.hpp); its loader must
// yield the model's compute dtype and the training set's label dtype, or the call does not
// compile. On tensors (x, y) instead of loaders, with Keras's batch_size, shuffle and
// validation_split: fit_tensors.hpp. The loss may be passed named, as a temporary or by
// reference (fit and evaluate take a copy).
//
// Per step: forward, loss (float32), backward (scaled when a LossScaler is given), step
// (skipped on overflow), on the model's device; the loss and accuracy accumulate there and
// are read when a progress line is printed, so a step reads one value back: its status.
// Shows a progress line on a terminal, fitted to its width (loss, accuracy, images/s, an ETA
// that includes validation, and for float16 the loss scale and skipped steps), or a plain
// line every tenth of an epoch when stdout is not a terminal. Writes <out>/history.csv and
// <out>/history.svg (loss and accuracy per epoch, train and validation) after every epoch, and checkpoints (<out>/checkpoint
// .safetensors, replaced atomically) every `checkpoint_every` steps and at each epoch's end.
// Early stopping watches the validation loss. resume = true continues from
// <out>/checkpoint.safetensors at the exact batch it was written after, with fit's own state
// (history, early stopping, the interrupted epoch's sums: history.hpp's FitState): the
// resumed run is the uninterrupted one, bit for bit (tests/reliability/test_resume_kill.cpp).
//
// Under mixed_float16 the overload without a LossScaler does not compile.
//
// A Loader is anything with size(), batches(), batch(i) -> {x, y}, set_epoch(e), epoch()
// (data::ImageLoader and data::TabularLoader are). Labels are int32 classes (accuracy is
// categorical: argmax) or float targets (accuracy is binary: logit > 0 against target >= 0.5,
// the measure for BinaryCrossEntropy; meaningless for a regression's MeanSquaredError).
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>
#include <new>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include "mantissa/dist/data_parallel.hpp"
#include "mantissa/layers/losses.hpp"
#include "mantissa/layers/metrics.hpp"
#include "mantissa/optim/batch_feed.hpp"
#include "mantissa/optim/callbacks.hpp"
#include "mantissa/optim/checkpoint.hpp"
#include "mantissa/optim/evaluate.hpp"
#include "mantissa/optim/fit_options.hpp"
#include "mantissa/optim/history.hpp"
#include "mantissa/optim/progress.hpp"
#include "mantissa/optim/step.hpp"

namespace mantissa {

namespace detail {
void write_history(const std::filesystem::path& dir, const History& h);
// Creates `dir` if missing and makes sure a file can be written in it, before any training:
// IoError naming the folder and the cause (a regular file in its place, no permission).
void prepare_output(const std::filesystem::path& dir);
// Whether the loss of a skipped step was finite (read only when a step was skipped).
template <Device D>
bool loss_finite(const LossValue<D>& loss) {
  return std::isfinite(loss.value());
}
// The NumericsError of FitOptions::terminate_on_nan, naming where and what was non-finite.
[[noreturn]] void raise_nonfinite_run(int epoch, std::int64_t batch, int steps, bool loss_nonfinite);
}

namespace detail {
// What a checkpoint's position refers to: the training set's size, batch size and order.
template <Loader L>
FitState data_identity(L& train, const dist::DataParallel* dp) {
  FitState s;
  s.world = dp ? dp->world() : 1;
  s.samples = train.size() * s.world;  // over all ranks
  if constexpr (requires { train.batch_size(); }) s.batch_size = train.batch_size();
  return s;
}
// Under data parallelism the training loader must be this rank's shard.
template <Loader L>
void check_shard(L& train, const dist::DataParallel& dp) {
  if constexpr (requires { train.shard().world; }) {
    const auto& s = train.shard();
    if (s.world != dp.world() || s.rank != dp.rank())
      throw ValueError("fit: data_parallel runs " + std::to_string(dp.world()) + " ranks (this is rank " +
                       std::to_string(dp.rank()) + "), but the training loader's shard is rank " +
                       std::to_string(s.rank) + " of " + std::to_string(s.world) +
                       ": build it with LoaderOptions::shard = dp.shard(), so that each rank "
                       "trains on its own part of every epoch");
  }
}
// Whether `flag` holds on any rank (one float64 allreduce).
bool any_rank(dist::DataParallel& dp, bool flag);
template <Loader L>
std::uint64_t data_seed(L& train) {
  if constexpr (requires { train.seed(); }) return train.seed();
  else return 0;
}
// Where a resumed run starts: the checkpoint's position if the data is the checkpoint's, else
// a StateError naming each difference, or (allow_data_change) the position mapped by samples.
std::int64_t resume_batch(const TrainingPosition& pos, const FitState& saved, const FitState& now,
                          std::uint64_t seed_now, bool allow_change,
                          const std::filesystem::path& file);

// Refuses the tensor-only options on a loader (it batches and shuffles itself).
void refuse_tensor_options(const FitOptions& o);

// The validation set's batches must be what the model computes in, and labelled as the
// training set's: a compile error naming the fix (evaluate's forward would fail later, with
// a message about forward, not about the validation set).
template <Policy P, Loader L, Loader V>
constexpr bool validation_fits() {
  using VX = dtype_of<decltype(std::declval<V&>().batch(0).x)>;
  using VY = dtype_of<decltype(std::declval<V&>().batch(0).y)>;
  using TY = dtype_of<decltype(std::declval<L&>().batch(0).y)>;
  static_assert(std::same_as<VX, typename P::compute>,
                "mantissa::fit: the validation set's samples are not in the model's compute "
                "dtype (the policy's compute, as the training set's); build its loader for that "
                "dtype: ImageLoader<typename P::compute> / TabularLoader<typename P::compute, L>");
  static_assert(std::same_as<VY, TY>,
                "mantissa::fit: the validation set's labels have another dtype than the training "
                "set's (int32 classes or float targets); label both alike");
  return std::same_as<VX, typename P::compute> && std::same_as<VY, TY>;
}

template <Policy P, Device D, class Opt, class LossFn, Loader L, Loader V>
History fit_impl(Sequential<P, D>& model, Opt& opt, LossScaler* scaler, LossFn& loss_fn,
                 L& train, V* validation, const FitOptions& o) {
  // Everything that can be refused is refused here, before the first step.
  if (o.terminate_on_nan < 0)
    throw ValueError("fit: terminate_on_nan must be >= 0 (0: off), got " +
                     std::to_string(o.terminate_on_nan));
  require_batches(train, "fit: the training set");
  if (validation) require_batches(*validation, "fit: the validation set");
  for (auto* c : o.callbacks)
    if (!c) throw ValueError("fit: FitOptions::callbacks holds a null pointer");
  dist::DataParallel* const dp = o.data_parallel;
  const bool writer = !dp || dp->writes_checkpoints();  // the root writes files, alone
  if (dp) check_shard(train, *dp);
  if (!o.out.empty() && writer) prepare_output(o.out);
  const auto ckpt = o.out.empty() ? std::filesystem::path() : o.out / "checkpoint.safetensors";
  // fit's state: what a checkpoint carries besides the model's, optimizer's and scaler's.
  FitState st = data_identity(train, dp);
  const FitState data_now = st;
  const std::uint64_t seed = data_seed(train);
  st.started = std::chrono::duration_cast<std::chrono::seconds>(
                   std::chrono::system_clock::now().time_since_epoch()).count();
  TrainingPosition pos;
  if (o.resume) {
    std::error_code ec;
    if (ckpt.empty() || !std::filesystem::exists(ckpt, ec))
      throw IoError("fit: resume requested but " + ckpt.string() + " does not exist");
    std::optional<FitState> saved;
    std::int64_t batch = 0;
    // Data of another size, batch size or order is refused before anything is loaded.
    const auto loaded = load_checkpoint_impl(
        ckpt, model, opt, scaler, &saved,
        [&](const TrainingPosition& p, const std::optional<FitState>& s) {
          batch = s ? resume_batch(p, *s, data_now, seed, o.allow_data_change, ckpt) : p.batch;
        });
    pos = {loaded.epoch, batch, seed};
    if (saved) {
      st = *saved;
      st.batch_size = data_now.batch_size, st.samples = data_now.samples;
    }  // else saved by save_checkpoint: no history, fresh early stopping
    // A mapped position past the last batch: the epoch ends at once, with its record.
    pos.batch = std::min(pos.batch, train.batches());
  }
  History& history = st.history;
  const auto run = run_info(model, std::chrono::system_clock::time_point(std::chrono::seconds(st.started)));
  if (dp) dp->broadcast_parameters(model);  // the same start on every rank
  if (!o.out.empty() && writer && !history.epochs.empty())  // the files match the checkpoint again
    write_history(o.out, history, run);
  // The callbacks: the options' built-in ones first, then the user's (callbacks.hpp).
  std::optional<TerminateOnNaN> nan_guard;
  std::optional<EarlyStopping> early;
  std::optional<ModelCheckpoint> every;
  std::vector<Callback*> callbacks;
  if (o.terminate_on_nan > 0) callbacks.push_back(&nan_guard.emplace(TerminateOnNaN::Options{o.terminate_on_nan}));
  if (o.early_stopping_patience > 0) {
    if (!validation)
      throw ValueError("fit: early_stopping_patience needs validation data (it watches val_loss): "
                       "pass a validation set, or validation_split for tensors");
    callbacks.push_back(&early.emplace(EarlyStopping::Options{o.early_stopping_patience}));
  }
  if (o.checkpoint_every > 0 && !ckpt.empty())
    callbacks.push_back(&every.emplace(ModelCheckpoint::Options{o.checkpoint_every}));
  bool watches_val = early.has_value();
  for (auto* c : o.callbacks) {
    callbacks.push_back(c);
    if (dynamic_cast<EarlyStopping*>(c)) {
      if (!validation)
        throw ValueError("fit: an EarlyStopping callback needs validation data (it watches "
                         "val_loss): pass a validation set, or validation_split for tensors");
      // Their state is fit's one (checkpointed): two would count each epoch twice.
      if (watches_val)
        throw ValueError("fit: two early stoppings (early_stopping_patience and an EarlyStopping "
                         "callback, or two callbacks) would share one patience count; keep one "
                         "EarlyStopping");
      watches_val = true;
    }
  }
  if (history.stopped_early && watches_val) return history;  // it had ended
  auto& ctx = model.context();
  Progress bar(o.progress);
  if (validation) bar.expect_validation(validation->batches());  // the first epoch's ETA
  RunningMetrics<D> metrics;
  BatchFeed<D, L> feed(ctx, train);
  // Under data parallelism the gradient token comes back averaged over the ranks, each bucket
  // reduced while the earlier layers' backward runs (DataParallel::backward).
  auto backward = [&](auto&& l) {
    if (dp && dp->options().overlap) return dp->backward(model, std::forward<decltype(l)>(l));
    if (dp) return dp->average(model.backward(std::forward<decltype(l)>(l)));
    return model.backward(std::forward<decltype(l)>(l));
  };
  auto save = [&](std::int64_t epoch, std::int64_t batch) {
    if (dp) dp->average_buffers(model);  // a collective: on every rank, before the root writes
    if (!writer) return;
    // (Under data parallelism a mid-epoch checkpoint holds the root's running sums.)
    st.sums = batch ? metrics.sums() : std::array<float, 3>{};
    save_checkpoint_impl(ckpt, model, opt, scaler, {epoch, batch, seed}, &st);
  };
  FitRun run_ctx(model, history, o.epochs, writer, st, !ckpt.empty());
  // A user's callback may stop on one rank only: the ranks agree (one host allreduce).
  const bool agree = dp && !o.callbacks.empty();
  auto stop_agreed = [&] {
    if (agree) run_ctx.agree_stopping(any_rank(*dp, run_ctx.stopping()));
    return run_ctx.stopping();
  };
  for (auto* c : callbacks) c->on_train_begin(run_ctx);
  for (auto epoch = static_cast<int>(pos.epoch); epoch < o.epochs; ++epoch) {
    train.set_epoch(epoch);
    const bool resumed = epoch == pos.epoch && pos.batch > 0;
    const std::int64_t first = resumed ? pos.batch : 0;
    std::int64_t seen = 0;
    if (!resumed) st.skipped = 0;
    metrics.reset(ctx);
    if (resumed) metrics.restore(st.sums);  // the epoch's record covers all of it
    bar.start_epoch(epoch + 1, o.epochs, train.batches());
    run_ctx.at_epoch(epoch + 1, train.batches());
    for (auto* c : callbacks) c->on_epoch_begin(run_ctx);
    // A stop asked for at the epoch's start ends the run after this epoch, not its first batch.
    const bool stop_after_epoch = stop_agreed();
    for (std::int64_t b = first; b < train.batches(); ++b) {
      run_ctx.at_batch(b + 1);
      for (auto* c : callbacks) c->on_batch_begin(run_ctx);
      // One step: nothing is read back but the step's status, inside opt.step. The next
      // batch is staged and uploaded once this step's work is queued, before that read.
      const auto [x, y] = feed.get(b);
      auto logits = model.forward(x, Mode::train);
      auto loss = call_loss(loss_fn, ctx, logits, y);
      metrics.add(ctx, logits, y, loss);
      seen += y.numel();
      StepOutcome out;
      if (scaler) {
        auto scaled = backward(scaler->scale(loss));
        feed.prefetch(b + 1);
        out = opt.step(scaler->unscale(std::move(scaled)), *scaler);
      } else if constexpr (!P::needs_loss_scaling) {
        auto grads = backward(loss);
        feed.prefetch(b + 1);
        out = opt.step(std::move(grads));
      }
      st.skipped += !out.applied;
      // Without a scaler every skip is non-finite gradients; with one, only a skip whose loss
      // is itself non-finite counts (the loss is read back only then).
      bool nonfinite = !out.applied && (!scaler || !loss_finite(loss));
      if (dp && !out.applied) nonfinite = any_rank(*dp, nonfinite);  // every rank skipped: agree
      // Counted here, once a step: every TerminateOnNaN reads this one count (checkpointed).
      st.nonfinite_run = nonfinite ? st.nonfinite_run + 1 : 0;
      bar.advance(b + 1, seen, scaler ? scaler->loss_scale() : 0.0f, st.skipped);
      if (bar.due()) {  // a progress line is printed: the running sums are read for it
        const auto [l, acc, n] = metrics.read();
        bar.draw(l, acc);
      }
      // TerminateOnNaN, ModelCheckpoint and the user's: the loss is read only if one asks.
      run_ctx.after_step(out, nonfinite);
      run_ctx.read_loss = [&loss] { return loss.value(); };
      run_ctx.write_checkpoint = [&, epoch, b] { save(epoch, b + 1); };
      for (auto* c : callbacks) c->on_batch_end(run_ctx);
      run_ctx.read_loss = nullptr;
      if (stop_agreed() && !stop_after_epoch) break;
    }
    auto [train_loss, train_acc, n] = metrics.read();
    double ips = bar.images_per_second();
    if (dp) {
      const auto m = dp->reduce_metrics(train_loss, train_acc, static_cast<std::int64_t>(n));
      train_loss = m.loss, train_acc = m.accuracy, ips *= dp->world();
    }
    EpochRecord r{epoch + 1, train_loss, train_acc,
                  std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::quiet_NaN(),
                  ips, opt.lr(), scaler ? scaler->loss_scale() : 0.0f,
                  st.skipped};
    if (validation) {
      if (dp) dp->average_buffers(model);
      const auto ev = evaluate_impl(model, loss_fn, *validation);
      r.val_loss = ev.loss;
      r.val_accuracy = ev.accuracy;
      if (dp) {  // each rank's validation set (a shard of it, or all of it) weighed by size
        const auto m = dp->reduce_metrics(ev.loss, ev.accuracy, validation->size());
        r.val_loss = m.loss, r.val_accuracy = m.accuracy;
      }
    }
    history.epochs.push_back(r);
    bar.end_epoch(r.loss, r.accuracy, r.val_loss, r.val_accuracy, r.images_per_second);
    run_ctx.after_epoch();
    run_ctx.write_checkpoint = [&, epoch] { save(epoch + 1, 0); };
    for (auto* c : callbacks) c->on_epoch_end(run_ctx);  // EarlyStopping among them
    if (stop_agreed()) {
      history.stopped_early = true;
      if (o.progress && writer) std::printf("%s\n", run_ctx.stop_reason().c_str());
    }
    st.skipped = 0;
    if (!o.out.empty()) {  // the checkpoint first: the history files are derived from it
      save(epoch + 1, 0);
      if (writer) write_history(o.out, history, run);
    }
    if (history.stopped_early) break;
  }
  for (auto* c : callbacks) c->on_train_end(run_ctx);
  return history;
}

// Runs f; the standard library's own exceptions leave as mantissa errors, so a caller that
// catches mantissa::Error sees every failure: a file-system refusal as IoError (path and
// cause), exhausted memory as Error.
template <class F>
auto guard_foreign(F&& f) {
  try {
    return f();
  } catch (const std::filesystem::filesystem_error& e) {
    throw IoError(std::string("fit: ") + e.what());
  } catch (const std::bad_alloc&) {
    throw Error("fit: out of host memory (a standard container could not grow)");
  }
}
}  // namespace detail

namespace detail {
// fit's scaler parameter: a LossScaler, const or not, so that a const one reaches the
// static_assert below (one message) instead of a list of every fit overload.
template <class S>
concept ScalerArg = std::same_as<std::remove_cvref_t<S>, LossScaler>;
template <class S>
constexpr bool mutable_scaler() {
  static_assert(!std::is_const_v<S>,
                "mantissa::fit: the loss scaler is const, but fit updates it (its scale and its "
                "clean-step and skipped-step counts); pass a mantissa::LossScaler that is not "
                "const");
  return !std::is_const_v<S>;
}
}  // namespace detail

// With a loss scaler (required under mixed_float16, allowed under every policy).
template <Policy P, Device D, class Opt, detail::ScalerArg S, class LossFn, Loader L>
History fit(Sequential<P, D>& model, Opt& opt, S& scaler, LossFn loss_fn, L& train,
            const FitOptions& o = {}) {
  if constexpr (detail::mutable_scaler<S>()) {
    detail::refuse_tensor_options(o);
    return detail::guard_foreign([&] {
      return detail::fit_impl(model, opt, &scaler, loss_fn, train, static_cast<L*>(nullptr), o);
    });
  } else {
    return {};
  }
}
// ... and a validation set, evaluated after each epoch.
template <Policy P, Device D, class Opt, detail::ScalerArg S, class LossFn, Loader L, Loader V>
History fit(Sequential<P, D>& model, Opt& opt, S& scaler, LossFn loss_fn, L& train,
            V& validation, const FitOptions& o = {}) {
  if constexpr (detail::mutable_scaler<S>() && detail::validation_fits<P, L, V>()) {
    detail::refuse_tensor_options(o);
    return detail::guard_foreign(
        [&] { return detail::fit_impl(model, opt, &scaler, loss_fn, train, &validation, o); });
  } else {
    return {};
  }
}

// Without one: float32 and mixed_bfloat16 only.
template <Policy P, Device D, class Opt, class LossFn, Loader L>
  requires(!std::same_as<std::remove_cvref_t<LossFn>, LossScaler>)
History fit(Sequential<P, D>& model, Opt& opt, LossFn loss_fn, L& train, const FitOptions& o = {}) {
  static_assert(!needs_loss_scaling_v<P>,
                "mantissa::fit: this policy (note below) needs a loss scaler: "
                "fit(model, opt, scaler, loss, data, options) with a mantissa::LossScaler");
  if constexpr (!needs_loss_scaling_v<P>) {
    detail::refuse_tensor_options(o);
    return detail::guard_foreign([&] {
      return detail::fit_impl(model, opt, nullptr, loss_fn, train, static_cast<L*>(nullptr), o);
    });
  } else {
    return {};
  }
}
template <Policy P, Device D, class Opt, class LossFn, Loader L, Loader V>
  requires(!std::same_as<std::remove_cvref_t<LossFn>, LossScaler>)
History fit(Sequential<P, D>& model, Opt& opt, LossFn loss_fn, L& train, V& validation,
            const FitOptions& o = {}) {
  static_assert(!needs_loss_scaling_v<P>,
                "mantissa::fit: this policy (note below) needs a loss scaler: "
                "fit(model, opt, scaler, loss, data, validation, options) with a "
                "mantissa::LossScaler");
  if constexpr (!needs_loss_scaling_v<P> && detail::validation_fits<P, L, V>()) {
    detail::refuse_tensor_options(o);
    return detail::guard_foreign(
        [&] { return detail::fit_impl(model, opt, nullptr, loss_fn, train, &validation, o); });
  } else {
    return {};
  }
}

}  // namespace mantissa
