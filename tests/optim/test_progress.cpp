// tests/optim/test_progress.cpp: the progress line of fit(). It fits the terminal (asked through
// a pseudo-terminal of a set width), its ETA counts validation, a pipe gets a line every 10% of
// an epoch and no carriage returns. (history.svg: test_history_plot.cpp.)
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <ctime>
#include <optional>
#include <string>
#include <vector>

#include "mantissa/mantissa.hpp"

namespace mt = mantissa;
using Clock = std::chrono::steady_clock;

namespace {

// A clock the test moves: whole milliseconds, so every comparison is exact.
struct FakeClock {
  Clock::time_point t{};
  void tick(int ms) { t += std::chrono::milliseconds(ms); }
  std::function<Clock::time_point()> fn() {
    return [this] { return t; };
  }
};

std::string read_all(std::FILE* f) {
  std::fflush(f);
  std::rewind(f);
  std::string s;
  char buf[4096];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;) s.append(buf, n);
  return s;
}

// What a person sees: the text between line ends and carriage returns, escapes removed.
std::vector<std::string> visible_lines(const std::string& out) {
  std::vector<std::string> lines;
  std::string cur;
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (out[i] == '\033') {  // CSI: ESC [ params final-byte
      i += 2;
      while (i < out.size() && !(out[i] >= '@' && out[i] <= '~')) ++i;
      continue;
    }
    if (out[i] == '\n' || out[i] == '\r') {
      if (!cur.empty()) lines.push_back(cur);
      cur.clear();
      continue;
    }
    cur += out[i];
  }
  if (!cur.empty()) lines.push_back(cur);
  return lines;
}

// A pseudo-terminal of a given size, in raw mode (no \n -> \r\n), its output read back.
class Pty {
 public:
  explicit Pty(int columns) {
    master_ = ::posix_openpt(O_RDWR | O_NOCTTY);
    if (master_ < 0 || ::grantpt(master_) != 0 || ::unlockpt(master_) != 0) return;
    slave_ = ::open(::ptsname(master_), O_RDWR | O_NOCTTY);
    if (slave_ < 0) return;
    termios t{};
    ::tcgetattr(slave_, &t);
    ::cfmakeraw(&t);
    ::tcsetattr(slave_, TCSANOW, &t);
    winsize ws{};
    ws.ws_row = 24, ws.ws_col = static_cast<unsigned short>(columns);
    ::ioctl(master_, TIOCSWINSZ, &ws);
    ::fcntl(master_, F_SETFL, ::fcntl(master_, F_GETFL) | O_NONBLOCK);
    file_ = ::fdopen(slave_, "w");
  }
  ~Pty() {
    if (file_)
      std::fclose(file_);
    else if (slave_ >= 0)
      ::close(slave_);
    if (master_ >= 0) ::close(master_);
  }
  std::FILE* file() const { return file_; }
  // Everything written so far (read after every few lines: the pty's buffer is small).
  std::string drain() {
    std::fflush(file_);
    char buf[4096];
    for (ssize_t n; (n = ::read(master_, buf, sizeof buf)) > 0;)
      text_.append(buf, static_cast<std::size_t>(n));
    return text_;
  }

 private:
  int master_ = -1, slave_ = -1;
  std::FILE* file_ = nullptr;
  std::string text_;
};

// Sets an environment variable for a scope, restoring it after.
class EnvVar {
 public:
  EnvVar(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value)
      ::setenv(name, value, 1);
    else
      ::unsetenv(name);
  }
  ~EnvVar() {
    if (old_)
      ::setenv(name_, old_->c_str(), 1);
    else
      ::unsetenv(name_);
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

// One epoch as fit() drives it under mixed_float16 (a scaler: the widest line), drawing at
// the given batches, with validation.
void run_epoch(mt::Progress& p, FakeClock& clock, std::int64_t batches,
               const std::vector<std::int64_t>& draws, Pty* pty = nullptr) {
  p.start_epoch(2, 5, batches);
  for (std::int64_t b = 1; b <= batches; ++b) {
    clock.tick(20);
    p.advance(b, b * 64, 65536.0f, 3);
    if (std::find(draws.begin(), draws.end(), b) != draws.end()) p.draw(0.4321, 0.8512);
    if (pty) pty->drain();
  }
  clock.tick(3000);
  p.end_epoch(0.4321, 0.8512, 0.4567, 0.8398, 5210.0);
  if (pty) pty->drain();
}

}  // namespace

// ---- the width ----

TEST(Progress, TerminalColumnsComeFromTheTerminalThenColumnsThen80) {
  {
    Pty pty(57);
    if (!pty.file())
      GTEST_SKIP() << "no pseudo-terminal here (posix_openpt failed): the ioctl path is untested";
    EnvVar columns("COLUMNS", "99");  // the terminal's own size wins over $COLUMNS
    EXPECT_EQ(mt::terminal_columns(::fileno(pty.file())), 57);
  }
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  {
    EnvVar columns("COLUMNS", "64");
    EXPECT_EQ(mt::terminal_columns(::fileno(f)), 64);
  }
  {
    EnvVar columns("COLUMNS", nullptr);
    EXPECT_EQ(mt::terminal_columns(::fileno(f)), 80);
  }
  {
    EnvVar columns("COLUMNS", "wide");
    EXPECT_EQ(mt::terminal_columns(::fileno(f)), 80);
  }
  std::fclose(f);
}

TEST(Progress, NoLineIsWiderThanTheTerminal) {
  for (int width : {30, 40, 60, 80, 100, 160}) {
    SCOPED_TRACE("columns " + std::to_string(width));
    Pty pty(width);
    if (!pty.file()) GTEST_SKIP() << "no pseudo-terminal here (posix_openpt failed)";
    FakeClock clock;
    mt::Progress p(true, {.out = pty.file(), .clock = clock.fn()});
    run_epoch(p, clock, 938, {1, 412, 937, 938}, &pty);
    const auto text = pty.drain();
    const auto lines = visible_lines(text);
    ASSERT_GE(lines.size(), 5u);
    for (const auto& l : lines) EXPECT_LE(l.size(), static_cast<std::size_t>(width - 1)) << l;
    // Redrawn in place on a terminal: one newline per summary line, none in the updates.
    EXPECT_NE(text.find('\r'), std::string::npos);
    const auto& update = lines[1];  // batch 412
    EXPECT_NE(update.find("412/938"), std::string::npos) << update;
    if (width >= 40) {
      EXPECT_NE(update.find("loss 0.4321"), std::string::npos) << update;
    }
    // What goes first: the bar, then images/s; the ETA stays from 80 columns.
    EXPECT_EQ(update.find('[') != std::string::npos, width >= 160) << update;
    if (width >= 80) {
      EXPECT_NE(update.find("ETA "), std::string::npos) << update;
    }
    if (width == 80) {
      EXPECT_EQ(update.find("img/s"), std::string::npos) << update;
    }
    if (width >= 100) {
      EXPECT_NE(update.find("img/s"), std::string::npos) << update;
    }
    // The summary keeps every field, on as many lines as it needs.
    std::string summary;
    for (std::size_t i = lines.size(); i-- > 0 && lines[i].find("412/938") == std::string::npos &&
                                       lines[i].find("938/938") == std::string::npos;)
      summary = lines[i] + " " + summary;
    for (const char* field :
         {"epoch 2/5", "loss 0.4321", "acc 0.8512", "val_loss 0.4567", "val_acc 0.8398",
          "5210 img/s", "time 0:22", "scale 65536", "skipped 3"})
      if (width >= 40) {
        EXPECT_NE(summary.find(field), std::string::npos) << field << " in " << summary;
      }
  }
}

TEST(Progress, ABarOnAWideTerminalShowsHowFarTheEpochIs) {
  Pty pty(200);
  if (!pty.file()) GTEST_SKIP() << "no pseudo-terminal here (posix_openpt failed)";
  FakeClock clock;
  mt::Progress p(true, {.out = pty.file(), .clock = clock.fn()});
  run_epoch(p, clock, 100, {50}, &pty);
  const auto update = visible_lines(pty.drain()).at(0);
  const auto open = update.find('['), close = update.find(']');
  ASSERT_NE(open, std::string::npos) << update;
  const auto bar = update.substr(open + 1, close - open - 1);
  EXPECT_EQ(bar.size(), 30u);
  EXPECT_EQ(bar.find('>'), 15u) << bar;  // half of 30 cells done
}

TEST(Progress, PlainLinesFitColumnsToo) {
  EnvVar columns("COLUMNS", "60");
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  FakeClock clock;
  mt::Progress p(true, {.out = f, .clock = clock.fn()});
  run_epoch(p, clock, 100, {50});
  const auto lines = visible_lines(read_all(f));
  ASSERT_GE(lines.size(), 3u);
  for (const auto& l : lines) EXPECT_LE(l.size(), 59u) << l;
  std::fclose(f);
}

// ---- the ETA ----

TEST(Progress, EtaCountsValidationEstimatedThenMeasured) {
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  FakeClock clock;
  mt::Progress p(true, {.out = f, .columns = 200, .clock = clock.fn()});
  p.expect_validation(20);
  auto half_epoch = [&](int epoch) {
    p.start_epoch(epoch, 3, 100);
    for (int b = 1; b <= 50; ++b) clock.tick(1000), p.advance(b, b * 32, 0, 0);
  };
  auto finish = [&](int validation_ms, bool validated) {
    for (int b = 51; b <= 100; ++b) clock.tick(1000), p.advance(b, b * 32, 0, 0);
    clock.tick(validation_ms);
    p.end_epoch(0.5, 0.8, validated ? 0.6 : NAN, validated ? 0.7 : NAN, 32);
  };
  // Epoch 1: 50 batches of 1 s left, and 20 validation batches at a third of a step each.
  half_epoch(1);
  EXPECT_NEAR(p.eta_seconds(), 50 + 20.0 / 3, 1e-9);
  p.draw(0.5, 0.8);
  EXPECT_NE(read_all(f).find("ETA 0:57"), std::string::npos) << read_all(f);
  finish(30'000, true);  // validation took 30 s
  // Epoch 2: the validation as long as the last one.
  half_epoch(2);
  EXPECT_NEAR(p.eta_seconds(), 50 + 30, 1e-9);
  p.draw(0.5, 0.8);
  EXPECT_NE(read_all(f).find("ETA 1:20"), std::string::npos) << read_all(f);
  finish(0, false);
  // Epoch 3: the last epoch had none.
  half_epoch(3);
  EXPECT_NEAR(p.eta_seconds(), 50, 1e-9);
  std::fclose(f);
}

TEST(Progress, EtaOfAResumedEpochCountsOnlyTheBatchesRunHere) {
  FakeClock clock;
  std::FILE* f = std::tmpfile();
  mt::Progress p(false, {.out = f, .clock = clock.fn()});
  p.start_epoch(1, 1, 100);
  for (int b = 61; b <= 70; ++b) clock.tick(1000), p.advance(b, (b - 60) * 32, 0, 0);
  EXPECT_NEAR(p.eta_seconds(), 30, 1e-9);  // 10 batches in 10 s, 30 to go
  std::fclose(f);
}

// ---- a pipe ----

TEST(Progress, APipeGetsALineEveryTenthOfAnEpochWithoutCarriageReturns) {
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  FakeClock clock;
  mt::Progress p(true, {.out = f, .columns = 200, .clock = clock.fn()});
  p.start_epoch(1, 1, 100);
  std::vector<std::int64_t> at;
  for (int b = 1; b <= 100; ++b) {
    clock.tick(1000);  // a slow epoch: every tenth is a second or more after the last line
    p.advance(b, b * 32, 0, 0);
    if (p.due()) at.push_back(b), p.draw(0.5, 0.8);
  }
  p.end_epoch(0.5, 0.8, NAN, NAN, 32);
  EXPECT_EQ(at, (std::vector<std::int64_t>{10, 20, 30, 40, 50, 60, 70, 80, 90}));
  const auto text = read_all(f);
  EXPECT_EQ(text.find('\r'), std::string::npos);
  EXPECT_EQ(text.find('\033'), std::string::npos);
  const auto lines = visible_lines(text);
  ASSERT_EQ(lines.size(), 10u);
  EXPECT_NE(lines[0].find("10/100 (10%)"), std::string::npos) << lines[0];
  EXPECT_NE(lines[8].find("90/100 (90%)"), std::string::npos) << lines[8];
  EXPECT_EQ(lines[9].rfind("epoch 1/1  loss 0.5000", 0), 0u) << lines[9];
  std::fclose(f);
}

TEST(Progress, APipeGetsAtMostALineASecond) {
  std::FILE* f = std::tmpfile();
  FakeClock clock;
  mt::Progress p(true, {.out = f, .clock = clock.fn()});
  p.start_epoch(1, 1, 100);
  std::vector<std::int64_t> at;
  for (int b = 1; b <= 100; ++b) {
    clock.tick(50);  // 5 s in all: a tenth every half second
    p.advance(b, b * 32, 0, 0);
    if (p.due()) at.push_back(b), p.draw(0.5, 0.8);
  }
  EXPECT_EQ(at, (std::vector<std::int64_t>{20, 40, 60, 80}));
  std::fclose(f);
}

TEST(Progress, DisabledPrintsNothing) {
  std::FILE* f = std::tmpfile();
  FakeClock clock;
  mt::Progress p(false, {.out = f, .clock = clock.fn()});
  run_epoch(p, clock, 10, {});
  EXPECT_FALSE(p.due());
  EXPECT_EQ(read_all(f), "");
  std::fclose(f);
}
