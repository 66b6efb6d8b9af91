// optim/src/callbacks.cpp: the built-in callbacks. Their state lives in fit's own state
// (detail::FitState), which fit's checkpoint carries: a resumed run continues them exactly.
#include "mantissa/optim/callbacks.hpp"

#include <cmath>
#include <cstdio>

namespace mantissa {

namespace detail {
[[noreturn]] void raise_nonfinite_run(int epoch, std::int64_t batch, int steps, bool loss_nonfinite);
}

EarlyStopping::EarlyStopping(Options o) : o_(o) {
  if (o.patience < 1)
    throw ValueError("EarlyStopping: patience must be >= 1 epoch, got " + std::to_string(o.patience));
  if (!(o.min_delta >= 0.0) || !std::isfinite(o.min_delta))
    throw ValueError("EarlyStopping: min_delta must be finite and >= 0, got " + std::to_string(o.min_delta));
}

void EarlyStopping::on_epoch_end(FitContext& c) {
  if (c.history().epochs.empty()) return;
  const auto& r = c.history().epochs.back();
  if (std::isnan(r.val_loss)) return;  // fit refuses early stopping without validation data
  auto& st = fit_state(c);
  if (r.val_loss < st.best_val - o_.min_delta) {
    st.best_val = r.val_loss;
    st.since_best = 0;
  } else if (++st.since_best >= o_.patience) {
    char why[160];
    std::snprintf(why, sizeof why, "early stopping: val_loss has not improved on %.4f for %d epochs",
                  st.best_val, o_.patience);
    c.stop(why);
  }
}

TerminateOnNaN::TerminateOnNaN(Options o) : o_(o) {
  if (o.patience < 1)
    throw ValueError("TerminateOnNaN: patience must be >= 1 step, got " + std::to_string(o.patience));
}

// fit counts the non-finite steps in a row (FitState::nonfinite_run, once a step): a count
// kept here would grow once per TerminateOnNaN, and the options' own one is on by default.
void TerminateOnNaN::on_batch_end(FitContext& c) {
  const auto run = fit_state(c).nonfinite_run;
  if (c.nonfinite() && run >= o_.patience)
    detail::raise_nonfinite_run(c.epoch(), c.batch(), static_cast<int>(run), !std::isfinite(c.loss()));
}

ModelCheckpoint::ModelCheckpoint(Options o) : o_(o) {
  if (o.every_steps < 1)
    throw ValueError("ModelCheckpoint: every_steps must be >= 1, got " + std::to_string(o.every_steps));
}

void ModelCheckpoint::on_train_begin(FitContext& c) {
  if (!c.has_checkpoint())
    throw StateError("ModelCheckpoint: fit has no output folder to write the checkpoint in; "
                     "set FitOptions::out");
}

void ModelCheckpoint::on_batch_end(FitContext& c) {
  // Inside the epoch only: fit writes one at every epoch's end anyway.
  if (c.step().applied && c.step().step % o_.every_steps == 0 && c.batch() < c.batches())
    c.save_checkpoint();
}

}  // namespace mantissa
