// optim/src/fit_checks.cpp: what fit refuses before its first step (an output folder it cannot
// write), and the error that stops a run whose loss stays non-finite (fit.hpp).
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <system_error>

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

}  // namespace mantissa::detail
