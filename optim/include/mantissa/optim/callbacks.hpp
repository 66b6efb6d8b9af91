// mantissa/optim/callbacks.hpp: what fit calls back at the edges of a run, an epoch and a
// batch (Keras's Callback), and the three built-in ones fit's options are shorthands for.
//
//   struct PrintEvery100 : mt::Callback {
//     void on_batch_end(mt::FitContext& c) override {
//       if (c.batch() % 100 == 0) std::cout << c.batch() << ": loss " << c.loss() << "\n";
//     }
//   } printer;
//   mt::EarlyStopping stop({.patience = 3});
//   mt::fit(model, opt, loss, train, test, {.epochs = 20, .callbacks = {&printer, &stop}});
//
// Order: on_train_begin; per epoch on_epoch_begin, per batch on_batch_begin / on_batch_end
// (after the step and the progress line), then on_epoch_end (after validation, with the
// epoch's record in history().epochs.back()); on_train_end once, also after stop() or early
// stopping, but not when fit throws. Callbacks run in the order given, on every rank of a
// data-parallel run (is_writer() says which rank writes files).
//
// A callback that stops the run calls c.stop(why): fit finishes the current batch (or epoch,
// from on_epoch_*), writes the epoch's record and the checkpoint as usual, marks the history
// stopped_early and returns. The state of the built-in callbacks is in fit's checkpoint, so a
// resumed run continues them exactly (tests/optim/test_resume.cpp); a user callback with
// state of its own restores it itself (on_train_begin sees history() of the resumed run).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <typeinfo>

#include "mantissa/core/error.hpp"
#include "mantissa/optim/history.hpp"
#include "mantissa/optim/step.hpp"

namespace mantissa {

// The run as a callback sees it. Epochs and batches count from 1 here (as the progress line
// does); batch() is 0 outside a batch.
class FitContext {
 public:
  virtual ~FitContext() = default;

  int epoch() const noexcept { return epoch_; }
  int epochs() const noexcept { return epochs_; }
  std::int64_t batch() const noexcept { return batch_; }
  std::int64_t batches() const noexcept { return batches_; }
  // The completed epochs' records (the resumed run's earlier ones included).
  const History& history() const noexcept { return *history_; }
  // The last step (on_batch_end): applied or skipped, the step count, the learning rate.
  const StepOutcome& step() const noexcept { return step_; }
  // Whether the last step was skipped for a non-finite loss or gradient (not a float16
  // overflow that the loss scaler handled): what TerminateOnNaN counts.
  bool nonfinite() const noexcept { return nonfinite_; }
  // The last batch's mean loss: one read from the device, so only when asked for.
  virtual float loss() const = 0;

  // Ends the run after this batch (or this epoch, from on_epoch_*); fit prints `why`.
  void stop(std::string why) {
    stopping_ = true;
    why_ = std::move(why);
  }
  bool stopping() const noexcept { return stopping_; }
  const std::string& stop_reason() const noexcept { return why_; }

  // Whether this process writes fit's files (the root of a data-parallel run, or the only one).
  bool is_writer() const noexcept { return writer_; }
  // Whether fit writes a checkpoint (FitOptions::out is set).
  virtual bool has_checkpoint() const noexcept = 0;
  // Writes fit's checkpoint now, at this batch (a collective under data parallelism: call it
  // on every rank); StateError when fit has no output folder.
  virtual void save_checkpoint() = 0;

  // The model fit is training, as its own type; asking for another type is a StateError
  // naming both (the callback was written for another model).
  template <class Model>
  Model& model() const {
    if (*model_type_ != typeid(Model))
      throw StateError(std::string("FitContext::model<") + typeid(Model).name() +
                       ">(): fit is training a " + model_type_->name() +
                       "; ask for the model's own type (decltype(model))");
    return *static_cast<Model*>(model_);
  }

 protected:
  FitContext(void* model, const std::type_info& type, History& h, int epochs, bool writer)
      : model_(model), model_type_(&type), history_(&h), epochs_(epochs), writer_(writer) {}

  void* model_;
  const std::type_info* model_type_;
  History* history_;
  int epoch_ = 0, epochs_ = 0;
  std::int64_t batch_ = 0, batches_ = 0;
  StepOutcome step_{};
  bool nonfinite_ = false;
  bool stopping_ = false;
  bool writer_ = true;
  std::string why_;
  // fit's own state (the built-in callbacks keep theirs there: it is checkpointed).
  detail::FitState* state_ = nullptr;
  friend detail::FitState& fit_state(FitContext&);
};

class Callback {
 public:
  virtual ~Callback() = default;
  virtual void on_train_begin(FitContext&) {}
  virtual void on_epoch_begin(FitContext&) {}
  virtual void on_batch_begin(FitContext&) {}
  virtual void on_batch_end(FitContext&) {}
  virtual void on_epoch_end(FitContext&) {}
  virtual void on_train_end(FitContext&) {}
};

inline detail::FitState& fit_state(FitContext& c) {
  if (!c.state_) throw StateError("FitContext: no fit state (not called from fit)");
  return *c.state_;
}

// Stops when the validation loss has not improved by more than min_delta for `patience`
// epochs in a row (Keras's EarlyStopping on val_loss). Needs validation data (fit refuses
// it without). FitOptions::early_stopping_patience = n is EarlyStopping({.patience = n}).
// One per run (its count is fit's, checkpointed): fit refuses a second with a ValueError.
class EarlyStopping final : public Callback {
 public:
  struct Options {
    int patience = 3;
    double min_delta = 0.0;
  };
  explicit EarlyStopping(Options o);
  const Options& options() const noexcept { return o_; }
  void on_epoch_end(FitContext& c) override;

 private:
  Options o_;
};

// Ends fit with a NumericsError naming the epoch and batch after `patience` steps in a row
// were skipped with a non-finite loss or gradients (Keras's TerminateOnNaN, with patience).
// FitOptions::terminate_on_nan = n is TerminateOnNaN({.patience = n}) (10 by default).
class TerminateOnNaN final : public Callback {
 public:
  struct Options {
    int patience = 10;
  };
  explicit TerminateOnNaN(Options o);
  void on_batch_end(FitContext& c) override;

 private:
  Options o_;
};

// Writes fit's checkpoint every `every_steps` applied steps inside an epoch (fit writes one
// at every epoch's end whenever it has an output folder). FitOptions::checkpoint_every = n is
// ModelCheckpoint({.every_steps = n}).
class ModelCheckpoint final : public Callback {
 public:
  struct Options {
    std::int64_t every_steps = 0;
  };
  explicit ModelCheckpoint(Options o);
  void on_train_begin(FitContext& c) override;  // StateError without an output folder
  void on_batch_end(FitContext& c) override;

 private:
  Options o_;
};

namespace detail {

// The FitContext fit gives its callbacks: fit sets where the run is; the loss read and the
// checkpoint write are fit's own functions.
class FitRun final : public FitContext {
 public:
  template <class Model>
  FitRun(Model& model, History& h, int epochs, bool writer, FitState& st, bool has_checkpoint)
      : FitContext(&model, typeid(Model), h, epochs, writer), has_checkpoint_(has_checkpoint) {
    state_ = &st;
  }
  void at_epoch(int epoch, std::int64_t batches) {
    epoch_ = epoch, batch_ = 0, batches_ = batches;
  }
  void at_batch(std::int64_t batch) { batch_ = batch; }
  void after_step(const StepOutcome& s, bool nonfinite) { step_ = s, nonfinite_ = nonfinite; }
  void after_epoch() { batch_ = 0; }
  // Under data parallelism: a stop asked for on any rank (reduced by fit) stops every rank.
  void agree_stopping(bool any_rank) {
    if (any_rank && !stopping_) stop("stopped by a callback on another rank");
  }
  std::function<float()> read_loss;
  std::function<void()> write_checkpoint;

  float loss() const override { return read_loss ? read_loss() : 0.0f; }
  bool has_checkpoint() const noexcept override { return has_checkpoint_; }
  void save_checkpoint() override {
    if (!has_checkpoint_ || !write_checkpoint)
      throw StateError("FitContext::save_checkpoint: fit has no output folder (FitOptions::out)");
    write_checkpoint();
  }

 private:
  bool has_checkpoint_;
};

}  // namespace detail
}  // namespace mantissa
