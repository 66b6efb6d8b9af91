// mantissa/optim/fit_options.hpp: fit's options, one plain struct for every form of fit:
//
//   fit(model, opt, loss, train, {.epochs = 5, .out = "runs"});         // a loader
//   fit(model, opt, loss, train, test, {.epochs = 5});                  // and a validation set
//   fit(model, opt, loss, x, y, {.epochs = 5, .batch_size = 32, .validation_split = 0.2});
//
// The validation set is fit's own argument (before the options), not an option: its type is
// then checked against the model's at compile time, and the options need no template argument.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <vector>

namespace mantissa {

class Callback;  // callbacks.hpp

namespace dist {
class DataParallel;
}

struct FitOptions {
  int epochs = 1;
  std::filesystem::path out{};        // history and checkpoints; empty: write nothing
  std::int64_t checkpoint_every = 0;  // steps; 0: only at epoch ends
  int early_stopping_patience = 0;    // epochs without a better val_loss; 0: off
  // Continue from <out>/checkpoint.safetensors: the weights, optimizer, loss scaler and
  // generators, and fit's own state (history, early stopping, the interrupted epoch's running
  // sums), at the batch after the last one saved; the result is the run it resumes, bit for
  // bit. A training set of another size, batch size or shuffling seed than the checkpoint's is
  // refused (the position would point elsewhere) unless allow_data_change, which maps the
  // position by samples seen: the interrupted epoch restarts at the batch holding its next
  // sample under the new batch size.
  bool resume = false;
  bool allow_data_change = false;
  bool progress = true;
  // Keras's TerminateOnNaN, with patience: fit throws NumericsError (naming the epoch and
  // batch) after this many steps in a row were skipped with a non-finite loss, or, without a
  // loss scaler, with non-finite gradients. A float16 overflow with a finite loss does not
  // count (the scaler backs off and has its own floor). 0: never stop.
  int terminate_on_nan = 10;
  // Data-parallel training (dist/README.md): every rank calls fit with the same options and a
  // training loader sharded for it (LoaderOptions::shard = dp.shard()). Rank 0's initial
  // weights are broadcast; the scaled gradients are averaged over the ranks before unscaling
  // (every rank takes the same skip and scale decision); BatchNorm statistics are averaged
  // before each validation and checkpoint; the epoch's metrics and validation are reduced over
  // the ranks; only the root writes the checkpoint and history (every rank reads the
  // checkpoint on resume: put `out` on storage every rank sees). images/s is this rank's
  // times the world size.
  dist::DataParallel* data_parallel = nullptr;
  // Called at the edges of the run, of each epoch and of each batch (callbacks.hpp), after
  // the built-in ones the options above make (TerminateOnNaN from terminate_on_nan,
  // EarlyStopping from early_stopping_patience, ModelCheckpoint from checkpoint_every), in
  // this order. Not owned: they must outlive fit.
  std::vector<Callback*> callbacks{};

  // ---- fit on tensors (x, y) only, as Keras's; a loader batches and shuffles itself, and
  // fit on a loader refuses these with a ValueError.
  std::optional<std::int64_t> batch_size{};  // default 32
  std::optional<bool> shuffle{};             // the training rows, every epoch; default true
  std::optional<std::uint64_t> seed{};       // of the shuffling order; default 0
  // The last fraction of the rows (before shuffling; Keras's rule: the first
  // ceil(N * (1 - split)) rows train), held out and evaluated after each epoch.
  double validation_split = 0.0;
};

}  // namespace mantissa
