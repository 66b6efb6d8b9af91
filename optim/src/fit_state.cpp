// optim/src/fit_state.cpp: fit's part of a checkpoint (history.hpp's FitState) as metadata
// fields, every float written exactly (hex) and read back strictly: each field whole, in
// range, or a DataError naming it.
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "mantissa/core/error.hpp"
#include "mantissa/optim/history.hpp"

namespace mantissa::detail {

namespace {

std::string hex(double v) {  // exact round trip; "inf", "nan" as strtod reads them
  char buf[64];
  std::snprintf(buf, sizeof buf, "%a", v);
  return buf;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  for (std::size_t at = 0;;) {
    const auto next = s.find(sep, at);
    out.push_back(s.substr(at, next == std::string_view::npos ? std::string_view::npos : next - at));
    if (next == std::string_view::npos) return out;
    at = next + 1;
  }
}

class Reader {
 public:
  Reader(const io::Metadata& meta, const std::filesystem::path& file) : meta_(meta), file_(file) {}

  [[noreturn]] void fail(const std::string& key, std::string_view value, const std::string& why) const {
    throw DataError(file_.string() + ": metadata '" + key + "' = '" + std::string(value.substr(0, 200)) +
                    "' " + why + " (nothing was loaded)");
  }
  const std::string& field(const std::string& key) const {
    const auto it = meta_.find(key);
    if (it == meta_.end())
      throw DataError(file_.string() + ": metadata '" + key +
                      "' is missing, while the file has fit's other fields (nothing was loaded)");
    return it->second;
  }
  // A whole double as written by hex(): no spaces, nothing after it.
  double number(const std::string& key, std::string_view all, std::string_view s) const {
    if (s.empty() || s.front() == ' ' || s.front() == '+' || s.size() > 40)
      fail(key, all, "holds '" + std::string(s.substr(0, 40)) + "', which is not a number");
    const std::string tmp(s);
    char* end = nullptr;
    errno = 0;
    const double v = std::strtod(tmp.c_str(), &end);
    if (end != tmp.c_str() + tmp.size() || errno == ERANGE)
      fail(key, all, "holds '" + tmp + "', which is not a number");
    return v;
  }
  std::int64_t count(const std::string& key, std::string_view all, std::string_view s) const {
    std::int64_t v = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || ec != std::errc() || end != s.data() + s.size() || v < 0)
      fail(key, all, "holds '" + std::string(s.substr(0, 40)) + "', which is not a count (an integer >= 0)");
    return v;
  }
  std::int64_t count(const std::string& key) const {
    const auto& s = field(key);
    return count(key, s, s);
  }

 private:
  const io::Metadata& meta_;
  const std::filesystem::path& file_;
};

}  // namespace

void encode_fit_state(const FitState& s, io::Metadata& meta) {
  std::string rows;
  for (const auto& e : s.history.epochs) {
    if (!rows.empty()) rows += '\n';
    rows += std::to_string(e.epoch) + ',' + hex(e.loss) + ',' + hex(e.accuracy) + ',' +
            hex(e.val_loss) + ',' + hex(e.val_accuracy) + ',' + hex(e.images_per_second) + ',' +
            hex(e.lr) + ',' + hex(e.loss_scale) + ',' + std::to_string(e.skipped_steps);
  }
  meta["fit/history"] = rows;
  meta["fit/stopped_early"] = s.history.stopped_early ? "1" : "0";
  meta["fit/early_stopping"] = hex(s.best_val) + ',' + std::to_string(s.since_best);
  meta["fit/epoch_sums"] = hex(s.sums[0]) + ',' + hex(s.sums[1]) + ',' + hex(s.sums[2]);
  meta["fit/epoch_skipped"] = std::to_string(s.skipped);
  meta["fit/nonfinite_run"] = std::to_string(s.nonfinite_run);
  meta["fit/batch_size"] = std::to_string(s.batch_size);
  meta["fit/samples"] = std::to_string(s.samples);
  meta["fit/started"] = std::to_string(s.started);
  meta["fit/world"] = std::to_string(s.world);
}

std::optional<FitState> decode_fit_state(const io::Metadata& meta, std::int64_t completed_epochs,
                                         const std::filesystem::path& file) {
  bool any = false;
  for (const auto& [k, v] : meta) any = any || k.starts_with("fit/");
  if (!any) return std::nullopt;
  const Reader r(meta, file);
  FitState s;

  const std::string hk = "fit/history";
  const auto& rows = r.field(hk);
  if (!rows.empty()) {
    for (const auto row : split(rows, '\n')) {
      const auto f = split(row, ',');
      if (f.size() != 9)
        r.fail(hk, rows, "has a row of " + std::to_string(f.size()) +
                             " fields; each epoch's row has 9 (epoch, loss, accuracy, val_loss, "
                             "val_accuracy, images/s, lr, loss scale, skipped steps)");
      EpochRecord e{};
      const auto epoch = r.count(hk, rows, f[0]);
      if (epoch != static_cast<std::int64_t>(s.history.epochs.size()) + 1)
        r.fail(hk, rows, "numbers its epochs out of order (row " +
                             std::to_string(s.history.epochs.size() + 1) + " is epoch " +
                             std::to_string(epoch) + ")");
      e.epoch = static_cast<int>(epoch);
      e.loss = r.number(hk, rows, f[1]);
      e.accuracy = r.number(hk, rows, f[2]);
      e.val_loss = r.number(hk, rows, f[3]);
      e.val_accuracy = r.number(hk, rows, f[4]);
      e.images_per_second = r.number(hk, rows, f[5]);
      e.lr = static_cast<float>(r.number(hk, rows, f[6]));
      e.loss_scale = static_cast<float>(r.number(hk, rows, f[7]));
      e.skipped_steps = r.count(hk, rows, f[8]);
      s.history.epochs.push_back(e);
    }
  }
  if (static_cast<std::int64_t>(s.history.epochs.size()) != completed_epochs)
    r.fail(hk, rows, "holds " + std::to_string(s.history.epochs.size()) +
                         " epochs, while the checkpoint's position says " +
                         std::to_string(completed_epochs) + " were completed");

  const std::string sk = "fit/stopped_early";
  const auto& stopped = r.field(sk);
  if (stopped != "0" && stopped != "1") r.fail(sk, stopped, "is neither 0 nor 1");
  s.history.stopped_early = stopped == "1";

  const std::string ek = "fit/early_stopping";
  const auto& es = r.field(ek);
  const auto esf = split(es, ',');
  if (esf.size() != 2) r.fail(ek, es, "is not 'best validation loss,epochs since it improved'");
  s.best_val = r.number(ek, es, esf[0]);
  if (std::isnan(s.best_val)) r.fail(ek, es, "holds a NaN best validation loss");
  s.since_best = r.count(ek, es, esf[1]);
  if (s.since_best > completed_epochs)
    r.fail(ek, es, "counts more epochs without improvement than the run completed (" +
                       std::to_string(completed_epochs) + ")");

  const std::string mk = "fit/epoch_sums";
  const auto& ms = r.field(mk);
  const auto msf = split(ms, ',');
  if (msf.size() != 3) r.fail(mk, ms, "is not 'loss sum,correct rows,rows'");
  for (std::size_t i = 0; i < 3; ++i) {
    const double v = r.number(mk, ms, msf[i]);
    // The loss sum may be NaN (a non-finite loss was averaged in); the counts are counts.
    if (i > 0 && !(v >= 0.0 && std::isfinite(v)))
      r.fail(mk, ms, "holds a negative or non-finite count of rows");
    if (static_cast<double>(static_cast<float>(v)) != v && std::isfinite(v))
      r.fail(mk, ms, "holds a value that is not a float32");
    s.sums[i] = static_cast<float>(v);
  }
  if (s.sums[1] > s.sums[2]) r.fail(mk, ms, "counts more correct rows than rows");

  s.skipped = r.count("fit/epoch_skipped");
  s.nonfinite_run = r.count("fit/nonfinite_run");
  s.batch_size = r.count("fit/batch_size");
  s.samples = r.count("fit/samples");
  s.started = r.count("fit/started");
  s.world = r.count("fit/world");
  if (s.world < 1) r.fail("fit/world", meta.at("fit/world"), "is not a number of ranks (>= 1)");
  for (const auto& [k, v] : meta)
    if (k.starts_with("fit/") && k != hk && k != sk && k != ek && k != mk &&
        k != "fit/epoch_skipped" && k != "fit/nonfinite_run" && k != "fit/batch_size" &&
        k != "fit/samples" && k != "fit/started" && k != "fit/world")
      throw DataError(file.string() + ": metadata '" + k +
                      "' is not a field of fit's state (nothing was loaded)");
  return s;
}

}  // namespace mantissa::detail
