// mantissa/optim/history.hpp: what fit returns (one record per epoch), and the part of a run's
// state that only fit has: what a checkpoint must carry so that a resumed run is the run it
// resumes (history so far, early-stopping state, the interrupted epoch's running sums, the
// data it was trained on).
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <optional>
#include <vector>

#include "mantissa/io/safetensors.hpp"

namespace mantissa {

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

namespace detail {

// fit's own state, saved in a checkpoint's metadata under "fit/..." (every value exact: hex
// floats) and restored on resume. A checkpoint written by save_checkpoint has none; fit then
// resumes with an empty history and fresh early-stopping state.
struct FitState {
  History history;  // the completed epochs, in order (epoch i + 1 at index i)
  // Early stopping: the best validation loss so far and the epochs since it improved.
  double best_val = std::numeric_limits<double>::infinity();
  std::int64_t since_best = 0;
  // The interrupted epoch (when the checkpoint was written mid-epoch): the running sums of
  // loss * n, correct rows and n, and the steps skipped so far, so that its record covers
  // the whole epoch.
  std::array<float, 3> sums{};
  std::int64_t skipped = 0;
  std::int64_t nonfinite_run = 0;  // consecutive non-finite steps (FitOptions::terminate_on_nan)
  // The training data the position refers to: batch size (0: the loader has none) and size.
  std::int64_t batch_size = 0, samples = 0;
  std::int64_t world = 1;  // data-parallel ranks (each with batch_size samples a step)
  std::int64_t started = 0;  // when the run began (seconds since 1970, UTC): history.svg's title
};

// The "fit/..." metadata fields of `s`, added to `meta`.
void encode_fit_state(const FitState& s, io::Metadata& meta);
// The fit state of a checkpoint, parsed and checked (DataError naming the field and the file;
// nothing is changed by a failed parse), or nothing when the file has no "fit/" field.
// `completed_epochs` is the checkpoint's position: the history must hold exactly that many.
std::optional<FitState> decode_fit_state(const io::Metadata& meta, std::int64_t completed_epochs,
                                         const std::filesystem::path& file);

}  // namespace detail
}  // namespace mantissa
