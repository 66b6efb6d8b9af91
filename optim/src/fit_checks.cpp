// optim/src/fit_checks.cpp: what fit refuses before its first step (an output folder it cannot
// write), and the error that stops a run whose loss stays non-finite (fit.hpp).
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <system_error>
#include <vector>

#include "mantissa/core/error.hpp"
#include "mantissa/optim/fit.hpp"

namespace mantissa::detail {

void prepare_output(const std::filesystem::path& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const auto st = fs::status(dir, ec);
  if (fs::exists(st) && !fs::is_directory(st))
    throw IoError("fit: the output folder " + dir.string() +
                  " exists and is not a directory; name a folder (created if missing)");
  fs::create_directories(dir, ec);
  if (ec)
    throw IoError("fit: cannot create the output folder " + dir.string() + ": " + ec.message());
  // A file must be writable there: else the first epoch's history or checkpoint would fail
  // only after the epoch's work was done.
  const auto probe = dir / ".mantissa_write_probe";
  {
    std::ofstream f(probe);
    if (!f || !(f << 'x') || !f.flush())
      throw IoError("fit: cannot write in the output folder " + dir.string() +
                    " (permission, or the disk is full)");
  }
  fs::remove(probe, ec);
}

std::int64_t resume_batch(const TrainingPosition& pos, const FitState& saved, const FitState& now,
                          std::uint64_t seed_now, bool allow_change,
                          const std::filesystem::path& file) {
  std::vector<std::string> diffs;
  if (saved.samples != now.samples)
    diffs.push_back("the training set has " + std::to_string(now.samples) + " samples, the checkpoint's had " +
                    std::to_string(saved.samples));
  if (saved.world != now.world)
    diffs.push_back("the run has " + std::to_string(now.world) + " data-parallel ranks, the checkpoint's had " +
                    std::to_string(saved.world));
  if (saved.batch_size != now.batch_size)
    diffs.push_back("the batch size is " + std::to_string(now.batch_size) + ", the checkpoint's was " +
                    std::to_string(saved.batch_size));
  if (pos.data_seed != seed_now)
    diffs.push_back("the shuffling seed is " + std::to_string(seed_now) + ", the checkpoint's was " +
                    std::to_string(pos.data_seed));
  if (diffs.empty()) return pos.batch;
  if (!allow_change) {
    std::string msg = "fit: cannot resume from " + file.string() + " (epoch " +
                      std::to_string(pos.epoch + 1) + ", after batch " + std::to_string(pos.batch) +
                      ") with other data: ";
    for (std::size_t i = 0; i < diffs.size(); ++i) msg += (i ? "; " : "") + diffs[i];
    msg += ". Its position would point at other samples, and the run would not be the one it "
           "resumes. Resume with the checkpoint's data settings, or set "
           "FitOptions::allow_data_change to map the position by samples seen (nothing was loaded)";
    throw StateError(msg);
  }
  // Mapped by samples seen: the global batch that holds the interrupted epoch's next sample
  // (a global batch is batch_size samples on each of world ranks).
  if (saved.batch_size <= 0 || now.batch_size <= 0) return pos.batch;
  const std::int64_t from = saved.batch_size * saved.world, to = now.batch_size * now.world;
  if (pos.batch > std::numeric_limits<std::int64_t>::max() / from)
    return std::numeric_limits<std::int64_t>::max();  // past any epoch: fit clamps it
  return pos.batch * from / to;
}

bool any_rank(dist::DataParallel& dp, bool flag) {
  double f = flag ? 1.0 : 0.0;
  dp.communicator().allreduce_host(&f, 1, dist::Reduce::sum);
  return f > 0.0;
}

void raise_nonfinite_run(int epoch, std::int64_t batch, int steps, bool loss_nonfinite) {
  std::ostringstream msg;
  msg << "fit: epoch " << epoch << ", batch " << batch << ": the last " << steps
      << " steps were all skipped with a non-finite "
      << (loss_nonfinite ? "loss" : "gradient")
      << " (FitOptions::terminate_on_nan). The model diverged: lower the learning rate, "
         "clip the gradients, or check the inputs for inf/NaN; model.check_numerics(true) "
         "names the layer that first produces one";
  throw NumericsError(msg.str());
}

void refuse_tensor_options(const FitOptions& o) {
  std::string set;
  auto name = [&](bool on, const char* what) {
    if (on) set += (set.empty() ? "" : ", ") + std::string(what);
  };
  name(o.batch_size.has_value(), "batch_size");
  name(o.shuffle.has_value(), "shuffle");
  name(o.seed.has_value(), "seed");
  name(o.validation_split != 0.0, "validation_split");
  if (set.empty()) return;
  throw ValueError("fit: " + set + " given with a loader: these options are for fit on tensors "
                   "(x, y); a loader batches and shuffles itself (set them in its options), and "
                   "a validation set is passed to fit before the options (data::split holds one "
                   "out)");
}

}  // namespace mantissa::detail
