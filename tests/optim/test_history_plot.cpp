// tests/optim/test_history_plot.cpp: history.svg, as a person sees it: well-formed XML, a title
// naming the run (folder, model, policy, start), epoch ticks as integers and value ticks at 1-2-5
// steps with gridlines, a legend no curve crosses, and a PNG rendering (rsvg-convert, from the
// Debian package librsvg2-bin, where installed: the test says it skipped otherwise).
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <vector>

#include "mantissa/mantissa.hpp"

namespace mt = mantissa;
namespace fs = std::filesystem;

namespace {

// A small well-formedness check (the test needs no XML library): one root, tags nest and close,
// attribute values are quoted, every '&' starts an entity. Returns what is wrong, or "".
std::string xml_problem(const std::string& s) {
  static const std::regex name_re("^[A-Za-z_:][-A-Za-z0-9_:.]*$");
  static const std::regex attr_re(R"(^\s+[A-Za-z_:][-A-Za-z0-9_:.]*\s*=\s*('[^'<]*'|"[^"<]*"))");
  static const std::regex entity_re("^&(amp|lt|gt|apos|quot|#[0-9]+|#x[0-9a-fA-F]+);");
  const auto entity_at = [](const std::string& t, std::size_t i) {
    return std::regex_search(t.substr(i, 12), entity_re);
  };
  std::vector<std::string> open;
  bool root = false;
  for (std::size_t i = 0; i < s.size();) {
    if (s.compare(i, 2, "<?") == 0 || s.compare(i, 4, "<!--") == 0) {
      const bool pi = s[i + 1] == '?';
      const auto e = s.find(pi ? "?>" : "-->", i);
      if (e == std::string::npos) return "unclosed " + s.substr(i, 4);
      i = e + (pi ? 2 : 3);
    } else if (s[i] == '<') {
      const auto e = s.find('>', i);
      if (e == std::string::npos) return "unclosed tag at " + std::to_string(i);
      std::string tag = s.substr(i + 1, e - i - 1);
      i = e + 1;
      if (tag.starts_with('/')) {
        const auto name = tag.substr(1);
        if (open.empty() || open.back() != name)
          return "</" + name + "> closes " + (open.empty() ? "nothing" : "<" + open.back() + ">");
        open.pop_back();
        continue;
      }
      const bool empty = tag.ends_with('/');
      if (empty) tag.pop_back();
      const auto end_name = std::min(tag.find_first_of(" \t\n"), tag.size());
      const auto name = tag.substr(0, end_name);
      if (!std::regex_match(name, name_re)) return "bad element name '" + name + "'";
      for (std::string rest = tag.substr(end_name);
           rest.find_first_not_of(" \t\n") != std::string::npos;) {
        std::smatch m;
        if (!std::regex_search(rest, m, attr_re)) return "bad attributes in <" + tag + ">";
        const std::string value = m[1];
        for (std::size_t k = 0; k < value.size(); ++k)
          if (value[k] == '&' && !entity_at(value, k)) return "a bare & in <" + tag + ">";
        rest = m.suffix();
      }
      if (open.empty() && root) return "a second root element <" + name + ">";
      root = true;
      if (!empty) open.push_back(name);
    } else {
      if (s[i] == '&' && !entity_at(s, i)) return "a bare & at " + std::to_string(i);
      if (open.empty() && !std::isspace(static_cast<unsigned char>(s[i])))
        return "text outside the root";
      ++i;
    }
  }
  if (!open.empty()) return "<" + open.back() + "> is never closed";
  return root ? "" : "no element";
}

std::string slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

double attr(const std::string& element, const std::string& name) {
  std::smatch m;
  if (!std::regex_search(element, m, std::regex("\\s" + name + "='([^']*)'"))) return NAN;
  return std::stod(m[1]);
}

std::vector<std::string> all(const std::string& text, const std::string& re, int group = 0) {
  std::vector<std::string> r;
  const std::regex rx(re);
  for (auto it = std::sregex_iterator(text.begin(), text.end(), rx); it != std::sregex_iterator();
       ++it)
    r.push_back((*it)[group]);
  return r;
}

std::string between(const std::string& s, const std::string& from, const std::string& to) {
  const auto a = s.find(from);
  if (a == std::string::npos) return "";
  const auto b = s.find(to, a);
  return s.substr(a, b == std::string::npos ? std::string::npos : b - a);
}

// 12 epochs of a run that learns, its validation missing at epoch 4.
mt::History sample_history() {
  mt::History h;
  for (int e = 1; e <= 12; ++e) {
    const bool gap = e == 4;
    h.epochs.push_back({e, 2.3 / e + 0.1, 0.95 - 0.6 / e, gap ? NAN : 2.4 / e + 0.15,
                        gap ? NAN : 0.93 - 0.6 / e, 1000, 1e-3f, 65536, 0});
  }
  return h;
}

fs::path scratch(const std::string& name) {
  auto d = fs::temp_directory_path() / ("mantissa_progress_" + std::to_string(::getpid())) / name;
  fs::remove_all(d);
  return d;
}

bool have(const char* tool) {
  return std::system(("command -v " + std::string(tool) + " >/dev/null 2>&1").c_str()) == 0;
}

// 2026-12-02 10:30 UTC.
std::chrono::system_clock::time_point a_date() {
  return std::chrono::system_clock::time_point(std::chrono::seconds(1796207400));
}

}  // namespace

TEST(HistorySvg, TheWellFormednessCheckRejectsWhatItShould) {
  EXPECT_EQ(xml_problem("<a x='1'><b/>text &amp; more</a>"), "");
  EXPECT_NE(xml_problem("<a><b></a></b>"), "");
  EXPECT_NE(xml_problem("<a>fish & chips</a>"), "");
  EXPECT_NE(xml_problem("<a x=1></a>"), "");
  EXPECT_NE(xml_problem("<a></a><b></b>"), "");
  EXPECT_NE(xml_problem("<a>"), "");
}

TEST(HistorySvg, IsWellFormedWithATitleNamingTheRun) {
  const auto dir = scratch("fmnist & <cnn>");
  mt::detail::write_history(
      dir, sample_history(),
      {"Conv2D ReLU MaxPool2D Flatten Dense, 101770 parameters", "mixed_float16 on cpu", a_date()});
  const auto svg = slurp(dir / "history.svg");
  EXPECT_EQ(xml_problem(svg), "");
  if (have("xmllint")) {
    EXPECT_EQ(std::system(("xmllint --noout '" + (dir / "history.svg").string() + "'").c_str()), 0);
  }
  const auto title = all(svg, "<text id='title'[^>]*>([^<]*)</text>", 1);
  ASSERT_EQ(title.size(), 1u);
  EXPECT_EQ(title[0],
            "fmnist &amp; &lt;cnn&gt;: mixed_float16 on cpu, started 2026-12-02 10:30 UTC");
  const auto sub = all(svg, "<text id='subtitle'[^>]*>([^<]*)</text>", 1);
  ASSERT_EQ(sub.size(), 1u);
  EXPECT_EQ(sub[0], "Conv2D ReLU MaxPool2D Flatten Dense, 101770 parameters, 12 epochs");
  EXPECT_FALSE(fs::exists(dir / "history.svg.tmp"));
  fs::remove_all(dir.parent_path());
}

TEST(HistorySvg, TicksAtOneTwoFiveStepsWithGridlines) {
  const auto dir = scratch("ticks");
  const auto h = sample_history();
  mt::detail::write_history(dir, h, {});
  const auto svg = slurp(dir / "history.svg");
  for (const char* name : {"loss", "accuracy"}) {
    SCOPED_TRACE(name);
    const auto panel = between(svg, std::string("<g id='panel-") + name, "</g>");
    ASSERT_FALSE(panel.empty());
    // Epochs: integers, evenly spaced, within the run.
    const auto xs = all(panel, "class='tick-x'[^>]*>([^<]*)<", 1);
    ASSERT_GE(xs.size(), 4u);
    for (const auto& x : xs) EXPECT_TRUE(std::regex_match(x, std::regex("[0-9]+"))) << x;
    EXPECT_EQ(xs.front(), "2");
    EXPECT_EQ(xs.back(), "12");
    // Values: a 1-2-5 step, labels as precise as the step, the data inside the ticks.
    const auto ys = all(panel, "class='tick-y'[^>]*>([^<]*)<", 1);
    ASSERT_GE(ys.size(), 4u);
    ASSERT_LE(ys.size(), 11u);
    const double step = std::stod(ys[1]) - std::stod(ys[0]);
    const double mag = std::pow(10.0, std::floor(std::log10(step) + 1e-9));
    const double mant = std::round(step / mag * 1e6) / 1e6;
    EXPECT_TRUE(mant == 1 || mant == 2 || mant == 5) << "step " << step;
    const int decimals = std::max(0, static_cast<int>(-std::floor(std::log10(step) + 1e-9)));
    for (std::size_t i = 0; i < ys.size(); ++i) {
      const auto dot = ys[i].find('.');
      EXPECT_EQ(dot == std::string::npos ? 0 : static_cast<int>(ys[i].size() - dot - 1), decimals)
          << ys[i];
      if (i) {
        EXPECT_NEAR(std::stod(ys[i]) - std::stod(ys[i - 1]), step, step * 1e-6);
      }
    }
    double lo = INFINITY, hi = -INFINITY;
    for (const auto& e : h.epochs)
      for (double v : std::string(name) == "loss" ? std::vector{e.loss, e.val_loss}
                                                  : std::vector{e.accuracy, e.val_accuracy})
        if (std::isfinite(v)) lo = std::min(lo, v), hi = std::max(hi, v);
    EXPECT_LE(std::stod(ys.front()), lo);
    EXPECT_GE(std::stod(ys.back()), hi);
    // A gridline at every tick.
    EXPECT_EQ(all(panel, "class='grid'").size(), xs.size() + ys.size());
  }
  fs::remove_all(dir.parent_path());
}

TEST(HistorySvg, NoCurveCrossesTheLegend) {
  const auto dir = scratch("legend");
  mt::detail::write_history(dir, sample_history(), {});
  const auto svg = slurp(dir / "history.svg");
  const auto legend = between(svg, "<g id='legend'>", "</g>");
  ASSERT_FALSE(legend.empty());
  EXPECT_NE(legend.find(">train<"), std::string::npos);
  EXPECT_NE(legend.find(">validation<"), std::string::npos);
  double legend_bottom = -INFINITY;
  for (const auto& v : all(legend, "\\s(y|y1|y2|cy)='([^']*)'", 2))
    legend_bottom = std::max(legend_bottom, std::stod(v));
  for (const char* name : {"loss", "accuracy"}) {
    SCOPED_TRACE(name);
    const auto panel = between(svg, std::string("<g id='panel-") + name, "</g>");
    const auto rect = between(panel, "<rect class='plot'", "/>");
    const double x = attr(rect, "x"), y = attr(rect, "y"), w = attr(rect, "width"),
                 h = attr(rect, "height");
    EXPECT_LT(legend_bottom, y);  // the legend (text baselines included) is above both plots
    // The validation's gap at epoch 4 splits its curve: 3 polylines, every point in the plot.
    const auto lines = all(panel, "<polyline[^>]*points='([^']*)'", 1);
    EXPECT_EQ(lines.size(), 3u);
    std::size_t points = 0;
    for (const auto& pts : lines)
      for (const auto& p : all(pts, "([-0-9.]+),([-0-9.]+)")) {
        const auto comma = p.find(',');
        const double px = std::stod(p.substr(0, comma)), py = std::stod(p.substr(comma + 1));
        EXPECT_TRUE(px >= x - 0.05 && px <= x + w + 0.05 && py >= y - 0.05 && py <= y + h + 0.05)
            << p;
        ++points;
      }
    EXPECT_EQ(points, 12u + 11u);
  }
  fs::remove_all(dir.parent_path());
}

TEST(HistorySvg, WithoutValidationTheLegendHasTrainOnly) {
  const auto dir = scratch("train_only");
  auto h = sample_history();
  for (auto& e : h.epochs) e.val_loss = e.val_accuracy = NAN;
  mt::detail::write_history(dir, h, {});
  const auto svg = slurp(dir / "history.svg");
  EXPECT_EQ(xml_problem(svg), "");
  EXPECT_EQ(svg.find("validation"), std::string::npos);
  EXPECT_EQ(all(svg, "<polyline").size(), 2u);
  fs::remove_all(dir.parent_path());
}

TEST(HistorySvg, OneEpochGetsOneTickAndAVisiblePoint) {
  const auto dir = scratch("one");
  mt::History h;
  h.epochs.push_back({1, 0.7, 0.6, 0.8, 0.55, 100, 1e-3f, 0, 0});
  mt::detail::write_history(dir, h, {});
  const auto svg = slurp(dir / "history.svg");
  EXPECT_EQ(xml_problem(svg), "");
  const auto panel = between(svg, "<g id='panel-loss", "</g>");
  EXPECT_EQ(all(panel, "class='tick-x'[^>]*>([^<]*)<", 1), std::vector<std::string>{"1"});
  EXPECT_EQ(all(panel, "<circle").size(), 2u);
  EXPECT_EQ(svg.find("nan"), std::string::npos);
  fs::remove_all(dir.parent_path());
}

TEST(HistorySvg, RendersToPng) {
  if (!have("rsvg-convert"))
    GTEST_SKIP() << "rsvg-convert is not installed (Debian package librsvg2-bin): history.svg was "
                    "not rendered";
  const auto dir = scratch("render");
  mt::detail::write_history(
      dir, sample_history(),
      {"Conv2D ReLU MaxPool2D Flatten Dense, 101770 parameters", "mixed_float16 on cpu", a_date()});
  const auto png = dir / "history.png";
  ASSERT_EQ(std::system(("rsvg-convert -o '" + png.string() + "' '" +
                         (dir / "history.svg").string() + "' 2>&1")
                            .c_str()),
            0);
  const auto bytes = slurp(png);
  ASSERT_GT(bytes.size(), 1000u);
  EXPECT_EQ(bytes.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  // IHDR: width and height, big-endian, at bytes 16 and 20.
  const auto be32 = [&](std::size_t at) {
    return (std::uint32_t(std::uint8_t(bytes[at])) << 24) |
           (std::uint32_t(std::uint8_t(bytes[at + 1])) << 16) |
           (std::uint32_t(std::uint8_t(bytes[at + 2])) << 8) |
           std::uint32_t(std::uint8_t(bytes[at + 3]));
  };
  EXPECT_EQ(be32(16), 960u);
  EXPECT_EQ(be32(20), 420u);
  fs::remove_all(dir.parent_path());
}

// ---- through fit() ----

TEST(HistorySvg, FitTitlesThePlotWithTheModelPolicyAndDate) {
  mt::data::ImageDataset d{mt::Tensor<std::uint8_t>(mt::Shape{64, 4, 4, 1}),
                           mt::Tensor<std::int32_t>(mt::Shape{64})};
  for (std::int64_t i = 0; i < 64; ++i)
    d.images[i * 16 + i % 16] = 255, d.labels[i] = static_cast<std::int32_t>(i % 2);
  mt::data::ImageLoader<float> train(d, {.batch = 16, .seed = 1});
  mt::data::ImageLoader<float> val(d, {.batch = 32, .shuffle = false});
  mt::Sequential<mt::policy::float32> m(mt::Shape{4, 4, 1}, mt::Seed{1}, mt::Flatten(),
                                        mt::Dense(2));
  mt::Adam opt(m, {.lr = 1e-2f});
  const auto out = scratch("fit");
  const auto before = std::chrono::system_clock::now();
  (void)mt::fit(m, opt, mt::SoftmaxCrossEntropy{}, train, val,
                {.epochs = 2, .out = out, .progress = false});
  const auto svg = slurp(out / "history.svg");
  EXPECT_EQ(xml_problem(svg), "");
  const auto title = all(svg, "<text id='title'[^>]*>([^<]*)</text>", 1);
  ASSERT_EQ(title.size(), 1u);
  EXPECT_EQ(title[0].rfind("fit: float32 on cpu, started ", 0), 0u) << title[0];
  const std::time_t t = std::chrono::system_clock::to_time_t(before);
  std::tm tm{};
  gmtime_r(&t, &tm);
  const auto year = std::to_string(1900 + tm.tm_year) + "-";
  EXPECT_NE(title[0].find(year), std::string::npos) << title[0];
  EXPECT_NE(svg.find(">Flatten Dense, 34 parameters, 2 epochs<"), std::string::npos);
  fs::remove_all(out.parent_path());
}
