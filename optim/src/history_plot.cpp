// optim/src/history_plot.cpp: the history files fit() writes after every epoch: history.csv and
// history.svg (two panels, loss and accuracy per epoch; ticks at 1-2-5 steps, gridlines, a
// legend above the panels where no curve can cross it, and a title naming the run).
#include <cmath>
#include <cstdio>
#include <ctime>
#include <sstream>
#include <string>
#include <system_error>
#include <vector>

#include "mantissa/core/error.hpp"
#include "mantissa/io/replace_file.hpp"
#include "mantissa/optim/fit.hpp"

namespace mantissa::detail {
namespace {

constexpr double kWidth = 960, kHeight = 420;  // the picture
constexpr double kTop = 100, kPlotW = 370, kPlotH = 270;
constexpr double kLeft[2] = {70, 550};  // each panel's plot area's left edge

// A coordinate or a length in the SVG: a tenth of a pixel is enough.
std::string px(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

// Text in an SVG: the five characters XML reserves, escaped.
std::string xml(const std::string& s) {
  std::string r;
  for (char c : s) {
    switch (c) {
      case '&':
        r += "&amp;";
        break;
      case '<':
        r += "&lt;";
        break;
      case '>':
        r += "&gt;";
        break;
      case '\'':
        r += "&apos;";
        break;
      case '"':
        r += "&quot;";
        break;
      default:
        r += c;
    }
  }
  return r;
}

// An axis over [lo, hi] with about `target` ticks at a 1-2-5 step (integers only when
// `integer`), labelled with as many decimals as the step needs.
struct Axis {
  double lo, hi, step;
  int decimals;
  std::vector<double> ticks;
  std::string label(double v) const {
    char buf[48];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, std::fabs(v) < step * 1e-6 ? 0.0 : v);
    return buf;
  }
};

Axis make_axis(double lo, double hi, int target, bool integer) {
  if (!std::isfinite(lo) || !std::isfinite(hi)) lo = 0, hi = 1;
  if (hi - lo <= 1e-12 * std::max(1.0, std::fabs(hi))) {  // one value: a range around it
    const double d = integer ? 0.5 : std::max(std::fabs(lo) * 0.1, 1e-3);
    lo -= d, hi += d;
  }
  const double raw = (hi - lo) / target;
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  const double r = raw / mag;
  double step = (r <= 1 ? 1 : r <= 2 ? 2 : r <= 5 ? 5 : 10) * mag;
  if (integer) step = std::max(1.0, std::round(step));
  Axis a{lo, hi, step, std::max(0, static_cast<int>(-std::floor(std::log10(step) + 1e-9))), {}};
  // Values: the range is widened to whole steps; epochs: the curve spans the whole width.
  if (!integer)
    a.lo = std::floor(lo / step + 1e-9) * step, a.hi = std::ceil(hi / step - 1e-9) * step;
  for (double k = std::ceil(a.lo / step - 1e-9); k * step <= a.hi + step * 1e-9; ++k)
    a.ticks.push_back(k * step);
  return a;
}

struct Series {
  const char* name;
  const char* colour;
  std::vector<double> y;  // NaN: no value at that epoch (a gap in the curve)
};

void panel(std::ostream& svg, int index, const char* title, const std::vector<double>& epochs,
           const std::vector<Series>& series) {
  const double x0 = kLeft[index], y0 = kTop, w = kPlotW, h = kPlotH;
  double lo = INFINITY, hi = -INFINITY;
  for (const auto& s : series)
    for (double v : s.y)
      if (std::isfinite(v)) lo = std::min(lo, v), hi = std::max(hi, v);
  const Axis ya = make_axis(lo, hi, 5, false);
  const Axis xa =
      make_axis(epochs.empty() ? 1 : epochs.front(), epochs.empty() ? 1 : epochs.back(), 8, true);
  const auto X = [&](double e) { return x0 + w * (e - xa.lo) / (xa.hi - xa.lo); };
  const auto Y = [&](double v) { return y0 + h * (ya.hi - v) / (ya.hi - ya.lo); };
  svg << "<g id='panel-" << title << "'>\n"
      << "<text class='panel-title' x='" << px(x0) << "' y='" << px(y0 - 8)
      << "' font-size='14' font-weight='bold'>" << title << "</text>\n";
  for (double t : ya.ticks)
    svg << "<line class='grid' x1='" << px(x0) << "' x2='" << px(x0 + w) << "' y1='" << px(Y(t))
        << "' y2='" << px(Y(t)) << "' stroke='#e4e4e4'/>\n"
        << "<text class='tick-y' x='" << px(x0 - 6) << "' y='" << px(Y(t) + 4)
        << "' text-anchor='end'>" << ya.label(t) << "</text>\n";
  for (double t : xa.ticks)
    svg << "<line class='grid' x1='" << px(X(t)) << "' x2='" << px(X(t)) << "' y1='" << px(y0)
        << "' y2='" << px(y0 + h) << "' stroke='#e4e4e4'/>\n"
        << "<text class='tick-x' x='" << px(X(t)) << "' y='" << px(y0 + h + 16)
        << "' text-anchor='middle'>" << xa.label(t) << "</text>\n";
  svg << "<rect class='plot' x='" << px(x0) << "' y='" << px(y0) << "' width='" << px(w)
      << "' height='" << px(h) << "' fill='none' stroke='#888'/>\n"
      << "<text x='" << px(x0 + w / 2) << "' y='" << px(y0 + h + 34)
      << "' text-anchor='middle'>epoch</text>\n";
  for (const auto& s : series) {
    // One polyline per run of finite values; a marker on every point (a lone one shows too).
    std::string points;
    const auto flush = [&] {
      if (!points.empty())
        svg << "<polyline class='curve' fill='none' stroke-width='2' stroke='" << s.colour
            << "' points='" << points << "'/>\n";
      points.clear();
    };
    for (std::size_t i = 0; i < s.y.size() && i < epochs.size(); ++i) {
      if (!std::isfinite(s.y[i])) {
        flush();
        continue;
      }
      const auto x = px(X(epochs[i])), y = px(Y(s.y[i]));
      points += (points.empty() ? "" : " ") + x + "," + y;
      svg << "<circle cx='" << x << "' cy='" << y << "' r='3' fill='" << s.colour << "'/>\n";
    }
    flush();
  }
  svg << "</g>\n";
}

std::string utc_minute(std::chrono::system_clock::time_point t) {
  const std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M UTC", &tm);
  return buf;
}

}  // namespace

void write_history(const std::filesystem::path& dir, const History& h) {
  write_history(dir, h, RunInfo{});
}

void write_history(const std::filesystem::path& dir, const History& h, const RunInfo& run) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw IoError("fit: cannot create " + dir.string() + ": " + ec.message());
  // Each file is written whole and renamed over the last one (io::replace_file): a full disk
  // is an IoError naming the file and the reason, and the previous epoch's file stays.
  {
    std::ostringstream csv;
    csv << "epoch,loss,accuracy,val_loss,val_accuracy,images_per_second,lr,loss_scale,skipped_"
           "steps\n";
    for (const auto& e : h.epochs)
      csv << e.epoch << ',' << e.loss << ',' << e.accuracy << ',' << e.val_loss << ','
          << e.val_accuracy << ',' << e.images_per_second << ',' << e.lr << ',' << e.loss_scale
          << ',' << e.skipped_steps << '\n';
    const std::string text = csv.str();
    const std::string_view parts[] = {text};
    io::replace_file(dir / "history.csv", parts, "fit (history.csv)");
  }
  std::vector<double> epochs, loss, val_loss, acc, val_acc;
  bool validated = false;
  for (const auto& e : h.epochs) {
    epochs.push_back(e.epoch), loss.push_back(e.loss), val_loss.push_back(e.val_loss),
        acc.push_back(e.accuracy), val_acc.push_back(e.val_accuracy);
    validated = validated || std::isfinite(e.val_loss) || std::isfinite(e.val_accuracy);
  }
  const char* blue = "#1f77b4";
  const char* orange = "#ff7f0e";
  std::vector<Series> ls{{"train", blue, loss}}, as{{"train", blue, acc}};
  if (validated)
    ls.push_back({"validation", orange, val_loss}), as.push_back({"validation", orange, val_acc});

  // The title: the run's folder, policy and start; below it the model.
  const auto norm = dir.lexically_normal();
  std::string name =
      (norm.has_filename() ? norm.filename() : norm.parent_path().filename()).string();
  if (name.empty() || name == ".") name = "training history";
  std::string title = name;
  if (!run.policy.empty()) title += ": " + run.policy;
  if (run.started != std::chrono::system_clock::time_point{})
    title += ", started " + utc_minute(run.started);
  std::string sub = run.model;
  sub += (sub.empty() ? "" : ", ") + std::to_string(h.epochs.size()) +
         (h.epochs.size() == 1 ? " epoch" : " epochs") +
         (h.stopped_early ? " (stopped early)" : "");
  if (sub.size() > 140) sub = sub.substr(0, 137) + "...";  // about the picture's width at 12 px

  std::ostringstream svg;
  svg << "<?xml version='1.0' encoding='UTF-8'?>\n"
      << "<svg xmlns='http://www.w3.org/2000/svg' width='" << kWidth << "' height='" << kHeight
      << "' viewBox='0 0 " << kWidth << ' ' << kHeight
      << "' font-family='sans-serif' font-size='12'>\n"
      << "<rect width='100%' height='100%' fill='white'/>\n"
      << "<text id='title' x='" << px(kWidth / 2)
      << "' y='26' text-anchor='middle' font-size='16' "
         "font-weight='bold'>"
      << xml(title) << "</text>\n"
      << "<text id='subtitle' x='" << px(kWidth / 2) << "' y='46' text-anchor='middle' fill='#555'>"
      << xml(sub) << "</text>\n";
  // The legend: one row between the title and the panels, outside both plot areas.
  double legend_w = 0;
  for (const auto& s : ls)
    legend_w += 30 + 7.0 * static_cast<double>(std::string(s.name).size()) + 24;
  double lx = (kWidth - legend_w) / 2;
  svg << "<g id='legend'>\n";
  for (const auto& s : ls) {
    svg << "<line x1='" << px(lx) << "' x2='" << px(lx + 24) << "' y1='66' y2='66' stroke='"
        << s.colour << "' stroke-width='2'/>\n"
        << "<circle cx='" << px(lx + 12) << "' cy='66' r='3' fill='" << s.colour << "'/>\n"
        << "<text x='" << px(lx + 30) << "' y='70'>" << s.name << "</text>\n";
    lx += 30 + 7.0 * static_cast<double>(std::string(s.name).size()) + 24;
  }
  svg << "</g>\n";
  panel(svg, 0, "loss", epochs, ls);
  panel(svg, 1, "accuracy", epochs, as);
  svg << "</svg>\n";

  // Written whole, then renamed: a viewer that reloads the file never sees half a picture.
  const std::string text = svg.str();
  const std::string_view parts[] = {text};
  io::replace_file(dir / "history.svg", parts, "fit (history.svg)");
}

}  // namespace mantissa::detail
