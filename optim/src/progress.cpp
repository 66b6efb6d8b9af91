// optim/src/progress.cpp: the progress line and the epoch summary (history_plot.cpp writes the
// history files).
#include "mantissa/optim/progress.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <vector>

namespace mantissa {

int terminal_columns(int fd) {
  winsize ws{};
  if (::ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
  if (const char* c = std::getenv("COLUMNS")) {
    char* end = nullptr;
    const long v = std::strtol(c, &end, 10);
    if (end != c && *end == '\0' && v > 0 && v < 10000) return static_cast<int>(v);
  }
  return 80;
}

namespace {

// One field of a line: its text, what goes before it and how long it stays when space runs out
// (the lowest priority goes first; among equals, the rightmost).
struct Field {
  std::string text;
  int priority;
  const char* sep = "  ";
};
constexpr int kKeep = 100;  // never dropped (truncated only when nothing else is left)

std::string join(const std::vector<Field>& fields) {
  std::string s;
  for (std::size_t i = 0; i < fields.size(); ++i) s += (i ? fields[i].sep : "") + fields[i].text;
  return s;
}

// The fields that fit in `limit` characters, the least important dropped first.
std::string fit(std::vector<Field> fields, std::size_t limit) {
  while (join(fields).size() > limit) {
    auto drop = fields.end();
    for (auto it = fields.begin(); it != fields.end(); ++it)
      if (it->priority < kKeep && (drop == fields.end() || it->priority <= drop->priority))
        drop = it;
    if (drop == fields.end()) break;
    fields.erase(drop);
  }
  std::string s = join(fields);
  if (s.size() > limit) s.resize(limit);
  return s;
}

// m:ss, or h:mm:ss from an hour; "-:--" when not known.
std::string duration(double seconds) {
  if (!(seconds >= 0) || seconds > 1e8) return "-:--";
  const long s = std::lround(seconds);
  char buf[32];
  if (s >= 3600)
    std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
  else
    std::snprintf(buf, sizeof buf, "%ld:%02ld", s / 60, s % 60);
  return buf;
}

std::string format(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

}  // namespace

Progress::Progress(bool enabled, ProgressOptions o)
    : enabled_(enabled),
      tty_(::isatty(::fileno(o.out)) != 0),
      out_(o.out),
      columns_(o.columns),
      clock_(std::move(o.clock)),
      started_(std::chrono::system_clock::now()) {}

int Progress::width() const {
  // At least 20: below that no line is readable, and a bogus width must not make it empty.
  return std::max(20, columns_ > 0 ? columns_ : terminal_columns(::fileno(out_)));
}

void Progress::expect_validation(std::int64_t batches) {
  val_batches_ = std::max<std::int64_t>(0, batches);
}

void Progress::start_epoch(int epoch, int epochs, std::int64_t batches) {
  epoch_ = epoch, epochs_ = epochs, batches_ = batches, done_ = 0, first_ = -1, samples_ = 0,
  skipped_ = 0;
  next_mark_ = (batches + 9) / 10;  // the first tenth
  start_ = last_draw_ = train_end_ = now();
}

double Progress::images_per_second() const {
  const std::chrono::duration<double> dt = now() - start_;
  return dt.count() > 0 ? static_cast<double>(samples_) / dt.count() : 0.0;
}

void Progress::advance(std::int64_t done, std::int64_t samples, float loss_scale,
                       std::int64_t skipped) {
  // A resumed epoch starts past its first batch: the rate counts the batches run here.
  if (first_ < 0) first_ = done - 1;
  done_ = done, samples_ = samples, scale_ = loss_scale, skipped_ = skipped;
  if (done_ >= batches_) train_end_ = now();
}

double Progress::eta_seconds() const {
  const std::int64_t ran = done_ - std::max<std::int64_t>(first_, 0);
  if (ran <= 0) return -1;
  const std::chrono::duration<double> dt = now() - start_;
  const double per_batch = dt.count() / static_cast<double>(ran);
  // Validation: as long as the last one took; before any, a forward pass per batch, about a
  // third of a training step (backward costs about twice the forward pass).
  const double validation =
      val_seconds_ >= 0 ? val_seconds_ : static_cast<double>(val_batches_) * per_batch / 3;
  return per_batch * static_cast<double>(batches_ - done_) + validation;
}

bool Progress::due() const {
  if (!enabled_) return false;
  const auto since = now() - last_draw_;
  if (tty_) return done_ >= batches_ || since >= std::chrono::milliseconds(100);
  // Plain lines: at every 10% of the epoch but the end (end_epoch's summary follows), at most
  // one a second, so a fast epoch in a log file is not a screen of lines.
  return done_ < batches_ && done_ >= next_mark_ && since >= std::chrono::seconds(1);
}

void Progress::line(const std::string& text, bool in_place) {
  // In place: to the line's start, the text, then erase what a longer previous line left.
  if (in_place)
    std::fprintf(out_, "\r%s\033[K", text.c_str());
  else
    std::fprintf(out_, "%s\n", text.c_str());
  std::fflush(out_);
}

void Progress::draw(double loss, double acc) {
  if (!enabled_) return;
  last_draw_ = now();
  // The last column stays free: a terminal that wraps on it would start a new line.
  const auto limit = static_cast<std::size_t>(width() - 1);
  const auto count = std::to_string(done_) + "/" + std::to_string(batches_);
  std::vector<Field> f;
  f.push_back({"epoch " + std::to_string(epoch_) + "/" + std::to_string(epochs_), kKeep});
  if (tty_) {
    f.push_back({count, kKeep, " "});
  } else {
    const auto pct = batches_ ? 100 * done_ / batches_ : 100;
    f.push_back({count + " (" + std::to_string(pct) + "%)", kKeep, " "});
    // The next plain line: at the first batch of the next tenth, ceil(k * batches / 10).
    const std::int64_t k = batches_ ? done_ * 10 / batches_ + 1 : 10;
    next_mark_ = (k * batches_ + 9) / 10;
  }
  f.push_back({format("loss %.4f", loss), 8});
  f.push_back({format("acc %.4f", acc), 5});
  f.push_back({format("%.0f img/s", images_per_second()), 2});
  f.push_back({"ETA " + duration(eta_seconds()), 6});
  if (scale_ > 0) {
    f.push_back({format("scale %g", scale_), 4});
    f.push_back({"skipped " + std::to_string(skipped_), 3});
  }
  if (tty_) {
    // The bar takes what is left, 10 to 30 cells; below 10 it goes first.
    const std::string rest = fit(f, limit);
    const std::size_t room = limit > rest.size() + 3 ? limit - rest.size() - 3 : 0;
    if (rest == join(f) && room >= 10) {
      const auto cells = static_cast<std::int64_t>(std::min<std::size_t>(room, 30));
      const auto filled = batches_ ? cells * done_ / batches_ : cells;
      std::string bar(static_cast<std::size_t>(filled), '=');
      if (filled < cells) bar += '>';
      bar.resize(static_cast<std::size_t>(cells), ' ');
      f.insert(f.begin() + 1, {"[" + bar + "]", 1, " "});
    }
  }
  line(fit(f, limit), tty_);
}

void Progress::end_epoch(double loss, double acc, double val_loss, double val_acc,
                         double images_per_second) {
  const auto t = now();
  const bool validated = !std::isnan(val_loss);
  val_seconds_ = validated ? std::chrono::duration<double>(t - train_end_).count() : 0.0;
  if (!enabled_) return;
  if (tty_) std::fprintf(out_, "\r\033[K");
  std::vector<std::string> f{"epoch " + std::to_string(epoch_) + "/" + std::to_string(epochs_),
                             format("loss %.4f", loss), format("acc %.4f", acc)};
  if (validated)
    f.push_back(format("val_loss %.4f", val_loss)), f.push_back(format("val_acc %.4f", val_acc));
  f.push_back(format("%.0f img/s", images_per_second));
  f.push_back("time " + duration(std::chrono::duration<double>(t - start_).count()));
  if (scale_ > 0)
    f.push_back(format("scale %g", scale_)), f.push_back("skipped " + std::to_string(skipped_));
  // Nothing in the summary is dropped: the fields that do not fit go on indented lines.
  const auto limit = static_cast<std::size_t>(width() - 1);
  std::string cur;
  bool fresh = true;  // no field on this line yet
  for (const auto& field : f) {
    if (!fresh && cur.size() + 2 + field.size() > limit) line(cur, false), cur = "  ", fresh = true;
    cur += (fresh ? "" : "  ") + field;
    fresh = false;
    if (cur.size() > limit) cur.resize(limit);
  }
  line(cur, false);
}

}  // namespace mantissa
