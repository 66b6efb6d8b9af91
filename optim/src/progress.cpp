// optim/src/progress.cpp: the progress bar and the history files (CSV and SVG).
#include "mantissa/optim/progress.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <string>
#include <system_error>

#include "mantissa/core/error.hpp"
#include "mantissa/optim/fit.hpp"

namespace mantissa {

Progress::Progress(bool enabled) : enabled_(enabled), tty_(::isatty(STDOUT_FILENO) != 0) {}

void Progress::start_epoch(int epoch, int epochs, std::int64_t batches) {
  epoch_ = epoch, epochs_ = epochs, batches_ = batches, done_ = 0, samples_ = 0, skipped_ = 0;
  start_ = last_draw_ = std::chrono::steady_clock::now();
}

double Progress::images_per_second() const {
  const std::chrono::duration<double> dt = std::chrono::steady_clock::now() - start_;
  return dt.count() > 0 ? static_cast<double>(samples_) / dt.count() : 0.0;
}

void Progress::advance(std::int64_t done, std::int64_t samples, float loss_scale,
                       std::int64_t skipped) {
  done_ = done, samples_ = samples, scale_ = loss_scale, skipped_ = skipped;
}

bool Progress::due() const {
  if (!enabled_ || !tty_) return false;
  return done_ >= batches_ || std::chrono::steady_clock::now() - last_draw_ >= std::chrono::milliseconds(100);
}

void Progress::draw(double loss, double acc) {
  const auto now = std::chrono::steady_clock::now();
  last_draw_ = now;
  const std::int64_t done = done_;
  const std::chrono::duration<double> dt = now - start_;
  const double eta = done > 0 ? dt.count() / double(done) * double(batches_ - done) : 0.0;
  constexpr int width = 20;
  const int filled = batches_ ? static_cast<int>(width * done / batches_) : width;
  std::string bar(static_cast<std::size_t>(filled), '=');
  if (filled < width) bar += '>';
  bar.resize(width, ' ');
  std::printf("\repoch %d/%d [%s] %lld/%lld  loss %.4f  acc %.4f  %.0f img/s  ETA %d:%02d", epoch_,
              epochs_, bar.c_str(), static_cast<long long>(done), static_cast<long long>(batches_),
              loss, acc, images_per_second(), static_cast<int>(eta) / 60, static_cast<int>(eta) % 60);
  if (scale_ > 0) std::printf("  scale %g  skipped %lld", scale_, static_cast<long long>(skipped_));
  std::fflush(stdout);
}

void Progress::end_epoch(double loss, double acc, double val_loss, double val_acc,
                         double images_per_second) {
  if (!enabled_) return;
  if (tty_) std::printf("\r\033[K");
  std::printf("epoch %d/%d  loss %.4f  acc %.4f", epoch_, epochs_, loss, acc);
  if (!std::isnan(val_loss)) std::printf("  val_loss %.4f  val_acc %.4f", val_loss, val_acc);
  std::printf("  %.0f img/s", images_per_second);
  if (scale_ > 0) std::printf("  scale %g  skipped %lld", scale_, static_cast<long long>(skipped_));
  std::printf("\n");
  std::fflush(stdout);
}

namespace detail {

namespace {
// One panel of the SVG: a series per (name, values, colour) over epochs 1..n.
void panel(std::ofstream& svg, double x0, double y0, double w, double h, const char* title,
           const std::vector<std::pair<std::string, std::vector<double>>>& series) {
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  std::size_t n = 0;
  for (const auto& [name, v] : series)
    for (double d : v)
      if (std::isfinite(d)) lo = std::min(lo, d), hi = std::max(hi, d), n = std::max(n, v.size());
  if (!std::isfinite(lo)) lo = 0, hi = 1;
  if (hi - lo < 1e-9) hi = lo + 1;
  const double pad = 0.05 * (hi - lo);
  lo -= pad, hi += pad;
  svg << "<g font-family='sans-serif' font-size='12'>\n"
      << "<rect x='" << x0 << "' y='" << y0 << "' width='" << w << "' height='" << h
      << "' fill='none' stroke='#888'/>\n"
      << "<text x='" << x0 << "' y='" << y0 - 8 << "' font-size='14'>" << title << "</text>\n"
      << "<text x='" << x0 - 6 << "' y='" << y0 + 10 << "' text-anchor='end'>" << hi << "</text>\n"
      << "<text x='" << x0 - 6 << "' y='" << y0 + h << "' text-anchor='end'>" << lo << "</text>\n"
      << "<text x='" << x0 + w / 2 << "' y='" << y0 + h + 18 << "' text-anchor='middle'>epoch</text>\n";
  const char* colours[] = {"#1f77b4", "#ff7f0e"};
  int k = 0;
  for (const auto& [name, v] : series) {
    std::string points;
    for (std::size_t i = 0; i < v.size(); ++i) {
      if (!std::isfinite(v[i])) continue;
      const double x = x0 + (n > 1 ? w * double(i) / double(n - 1) : w / 2);
      const double y = y0 + h * (hi - v[i]) / (hi - lo);
      points += std::to_string(x) + "," + std::to_string(y) + " ";
      svg << "<circle cx='" << x << "' cy='" << y << "' r='3' fill='" << colours[k] << "'/>\n";
    }
    if (!points.empty())
      svg << "<polyline fill='none' stroke-width='2' stroke='" << colours[k] << "' points='"
          << points << "'/>\n"
          << "<text x='" << x0 + w - 90 << "' y='" << y0 + 18 + 16 * k << "' fill='" << colours[k]
          << "'>" << name << "</text>\n";
    ++k;
  }
  svg << "</g>\n";
}
}  // namespace

void write_history(const std::filesystem::path& dir, const History& h) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw IoError("fit: cannot create " + dir.string() + ": " + ec.message());
  {
    std::ofstream csv(dir / "history.csv");
    if (!csv) throw IoError((dir / "history.csv").string() + ": cannot write");
    csv << "epoch,loss,accuracy,val_loss,val_accuracy,images_per_second,lr,loss_scale,skipped_steps\n";
    for (const auto& e : h.epochs)
      csv << e.epoch << ',' << e.loss << ',' << e.accuracy << ',' << e.val_loss << ','
          << e.val_accuracy << ',' << e.images_per_second << ',' << e.lr << ',' << e.loss_scale
          << ',' << e.skipped_steps << '\n';
  }
  std::vector<double> loss, val_loss, acc, val_acc;
  for (const auto& e : h.epochs)
    loss.push_back(e.loss), val_loss.push_back(e.val_loss), acc.push_back(e.accuracy),
        val_acc.push_back(e.val_accuracy);
  std::ofstream svg(dir / "history.svg");
  if (!svg) throw IoError((dir / "history.svg").string() + ": cannot write");
  svg << "<svg xmlns='http://www.w3.org/2000/svg' width='900' height='360' "
         "viewBox='0 0 900 360'>\n<rect width='900' height='360' fill='white'/>\n";
  panel(svg, 70, 40, 340, 260, "loss", {{"train", loss}, {"validation", val_loss}});
  panel(svg, 530, 40, 340, 260, "accuracy", {{"train", acc}, {"validation", val_acc}});
  svg << "</svg>\n";
}

}  // namespace detail
}  // namespace mantissa
