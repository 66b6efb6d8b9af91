// mantissa/optim/progress.hpp: what fit() shows a person: the progress line and the history plot.
//
// On a terminal: one line redrawn in place, never wider than the terminal,
//   epoch 2/5 [=========>          ] 412/938  loss 0.4321  acc 0.8512  5210 img/s  ETA 0:12
// (plus "scale 65536  skipped 0" when a loss scaler is in use). Where the line would not fit,
// fields go by priority: the bar first, then images/s, skipped steps, the loss scale, accuracy
// and the ETA; a line wraps in no terminal (a wrapped line is redrawn as a new line at every
// update). The ETA is the rest of the epoch, its validation included: measured in the previous
// epoch, estimated in the first from the number of validation batches (expect_validation).
// When the output is not a terminal (a log file, CI): a plain line at every 10% of an epoch, at
// most one a second, and no carriage returns. After each epoch, a summary, on as many lines
// (each within the width) as it needs.
//
// The width is the terminal's (TIOCGWINSZ on the output), else $COLUMNS, else 80.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <string>

namespace mantissa {

// The width of the terminal on fd: TIOCGWINSZ, else $COLUMNS (a positive number), else 80.
int terminal_columns(int fd);

struct ProgressOptions {
  std::FILE* out = stdout;  // a terminal or not (isatty) decides the style
  int columns = 0;          // 0: terminal_columns(out), asked at every line (the window may resize)
  std::function<std::chrono::steady_clock::time_point()> clock;  // empty: steady_clock::now
};

class Progress {
 public:
  using Clock = std::chrono::steady_clock;
  explicit Progress(bool enabled, ProgressOptions o = {});
  // Each epoch ends with this many validation batches (0: none); used for the first epoch's
  // ETA, before one validation has been timed.
  void expect_validation(std::int64_t batches);
  void start_epoch(int epoch, int epochs, std::int64_t batches);
  // After each batch: counts only (loss_scale 0: no scaler in use).
  void advance(std::int64_t done, std::int64_t samples, float loss_scale, std::int64_t skipped);
  // Whether a line is due now (terminal: the last batch or 100 ms since the last; otherwise at
  // every 10% of the epoch, at most once a second): the caller then reads its running loss and
  // accuracy and calls draw.
  bool due() const;
  void draw(double loss, double acc);
  // The epoch's summary. The time since the last batch is the validation's (NaN val_loss: none).
  void end_epoch(double loss, double acc, double val_loss, double val_acc,
                 double images_per_second);
  double images_per_second() const;
  // Seconds until the epoch (validation included) ends; negative when not known yet.
  double eta_seconds() const;
  // When this object was made: the run's start, for the history plot's title.
  std::chrono::system_clock::time_point started() const { return started_; }

 private:
  Clock::time_point now() const { return clock_ ? clock_() : Clock::now(); }
  int width() const;
  void line(const std::string& text, bool in_place);

  bool enabled_, tty_;
  std::FILE* out_;
  int columns_;
  std::function<Clock::time_point()> clock_;
  std::chrono::system_clock::time_point started_;
  int epoch_ = 0, epochs_ = 0;
  std::int64_t batches_ = 0, done_ = 0, first_ = -1, samples_ = 0, skipped_ = 0;
  std::int64_t val_batches_ = 0, next_mark_ = 0;  // next_mark_: the batch of the next plain line
  double val_seconds_ = -1;                       // the last validation's; -1: none timed yet
  float scale_ = 0;
  Clock::time_point start_, last_draw_, train_end_;
};

// ---- the history plot ----

// What the history plot's title says about the run.
struct RunInfo {
  std::string model;   // e.g. "Flatten Dense ReLU Dense, 340 parameters"
  std::string policy;  // e.g. "mixed_float16 on cpu"
  std::chrono::system_clock::time_point started{};  // the epoch of the clock: not shown
};

template <class Model>
RunInfo run_info(Model& model, std::chrono::system_clock::time_point started) {
  // Appended piece by piece: GCC 12 warns (-Wrestrict, wrongly) on "literal" + std::string&&.
  RunInfo r;
  for (std::size_t i = 0; i < model.size(); ++i)
    r.model.append(i ? " " : "").append(model.layer(i).kind());
  r.model.append(", ").append(std::to_string(model.parameter_count())).append(" parameters");
  r.policy.append(Model::policy_type::name).append(" on ").append(Model::device_type::name);
  r.started = started;
  return r;
}

struct History;
namespace detail {
// <dir>/history.csv and <dir>/history.svg: loss and accuracy per epoch, train and validation,
// with ticks, gridlines, a legend above the plots and a title naming the run.
void write_history(const std::filesystem::path& dir, const History& h, const RunInfo& run);
}  // namespace detail

}  // namespace mantissa
