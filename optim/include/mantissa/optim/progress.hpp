// mantissa/optim/progress.hpp: the progress display of fit().
//
// On a terminal: one line redrawn in place,
//   epoch 2/5 [=========>          ] 412/938  loss 0.4321  acc 0.8512  5,210 img/s  ETA 0:12
// (plus "scale 65536 skipped 0" when a loss scaler is in use). When stdout is not a
// terminal (a log file, CI), only the end-of-epoch line is printed.
#pragma once

#include <chrono>
#include <cstdint>

namespace mantissa {

class Progress {
 public:
  explicit Progress(bool enabled);
  void start_epoch(int epoch, int epochs, std::int64_t batches);
  // After each batch: counts only (loss_scale 0: no scaler in use).
  void advance(std::int64_t done, std::int64_t samples, float loss_scale, std::int64_t skipped);
  // Whether a redraw is due now (a terminal, the last batch or 100 ms since the last): the
  // caller then reads its running loss and accuracy and calls draw.
  bool due() const;
  void draw(double loss, double acc);
  void end_epoch(double loss, double acc, double val_loss, double val_acc, double images_per_second);
  double images_per_second() const;

 private:
  bool enabled_, tty_;
  int epoch_ = 0, epochs_ = 0;
  std::int64_t batches_ = 0, done_ = 0, samples_ = 0, skipped_ = 0;
  float scale_ = 0;
  std::chrono::steady_clock::time_point start_, last_draw_;
};

}  // namespace mantissa
