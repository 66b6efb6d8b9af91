// tests/reliability/test_resume_kill.cpp: a resumed fit() is the run it resumes.
//
// fit_trainer (a whole fit(): mixed_float16 with loss scaling, Dropout, Adam on a cosine
// schedule, validation every epoch, early stopping, a checkpoint every 2 steps) runs once
// uninterrupted, as the reference. Then the same run is SIGKILLed at seeded random moments and
// restarted, each incarnation resuming from the checkpoint the previous one left, until it
// ends by itself. Its final checkpoint must equal the reference's bit for bit (weights, Adam's
// moments, the loss scaler, Dropout's generator, and fit's own state: the history of every
// epoch, early stopping's best loss and count), except what measures time (images/s, the
// start); history.csv must hold the same rows. Then a resume with another batch size is
// refused, naming it, and changes nothing.
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "mantissa/mantissa.hpp"

extern char** environ;

namespace fs = std::filesystem;
namespace mt = mantissa;

namespace {

struct Outcome {
  bool killed = false;
  int exit_code = -1;
  std::string output;  // stdout and stderr
  double seconds = 0;
};

// Runs fit_trainer on `dir` (with `extra` arguments); SIGKILLs it after `kill_after_ms` if it
// is still running then (< 0: never).
Outcome run_trainer(const fs::path& dir, int kill_after_ms, std::vector<std::string> extra = {}) {
  int fd[2];
  if (::pipe(fd) != 0) throw std::runtime_error("pipe");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fd[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, fd[1], STDERR_FILENO);
  posix_spawn_file_actions_addclose(&actions, fd[0]);
  std::string trainer = MANTISSA_FIT_TRAINER, arg = dir.string();
  std::vector<char*> argv{trainer.data(), arg.data()};
  for (auto& e : extra) argv.push_back(e.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  const auto start = std::chrono::steady_clock::now();
  const int rc = ::posix_spawn(&pid, trainer.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(fd[1]);
  if (rc != 0) throw std::runtime_error("posix_spawn " + trainer);
  Outcome o;
  const auto deadline = start + std::chrono::milliseconds(kill_after_ms < 0 ? 300000 : kill_after_ms);
  for (bool open = true; open;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          deadline - std::chrono::steady_clock::now()).count();
    if (left <= 0) break;
    pollfd p{fd[0], POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left)) <= 0) continue;
    char buf[4096];
    const ssize_t n = ::read(fd[0], buf, sizeof buf);
    if (n <= 0) open = false;  // the trainer ended (or closed its output)
    else o.output.append(buf, static_cast<std::size_t>(n));
  }
  ::kill(pid, SIGKILL);  // a no-op on an ended process not yet waited for... or the kill
  int status = 0;
  ::waitpid(pid, &status, 0);
  for (char buf[4096]; ;) {
    const ssize_t n = ::read(fd[0], buf, sizeof buf);
    if (n <= 0) break;
    o.output.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd[0]);
  o.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  o.killed = WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
  o.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return o;
}

std::vector<char> bytes_of(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

// A row of comma-separated fields without field `drop` (what measures time).
std::string without_field(const std::string& row, std::size_t drop) {
  std::istringstream in(row);
  std::string f, out;
  for (std::size_t i = 0; std::getline(in, f, ','); ++i)
    if (i != drop) out += f + ',';
  return out;
}
std::vector<std::string> rows_without(const std::string& text, std::size_t drop) {
  std::istringstream in(text);
  std::vector<std::string> rows;
  for (std::string row; std::getline(in, row);) rows.push_back(without_field(row, drop));
  return rows;
}

// Everything in two final checkpoints that must agree: every tensor byte for byte, every
// metadata field but the start time and the checksums (which cover images/s), and the
// history rows without images/s (field 5).
void expect_same_run(const fs::path& a, const fs::path& b) {
  const mt::io::SafetensorsFile fa(a), fb(b);
  ASSERT_EQ(fa.names(), fb.names());
  for (const auto& name : fa.names()) {
    const auto* ea = fa.find(name);
    const auto* eb = fb.find(name);
    ASSERT_EQ(ea->end - ea->begin, eb->end - eb->begin) << name;
    EXPECT_EQ(0, std::memcmp(fa.bytes(*ea), fb.bytes(*eb), ea->end - ea->begin))
        << "tensor " << name << " differs from the uninterrupted run's";
  }
  const auto& ma = fa.metadata();
  const auto& mb = fb.metadata();
  ASSERT_EQ(ma.size(), mb.size());
  for (const auto& [k, v] : ma) {
    ASSERT_TRUE(mb.count(k)) << k;
    if (k.starts_with("checksum/") || k == "fit/started") continue;
    if (k == "fit/history") EXPECT_EQ(rows_without(v, 5), rows_without(mb.at(k), 5));
    else EXPECT_EQ(v, mb.at(k)) << "metadata " << k;
  }
}

std::string read_text(const fs::path& p) {
  std::ifstream in(p);
  return {std::istreambuf_iterator<char>(in), {}};
}

}  // namespace

TEST(ResumeKill, AKilledAndResumedFitIsTheRunItResumesBitForBit) {
  const fs::path root = fs::temp_directory_path() / ("mantissa_resume_" + std::to_string(::getpid()));
  fs::remove_all(root);
  const fs::path ref = root / "reference", run = root / "killed";

  const auto reference = run_trainer(ref, -1);
  ASSERT_EQ(reference.exit_code, 0) << reference.output;
  ASSERT_NE(reference.output.find("stopped early"), std::string::npos)
      << "the reference run must end by early stopping (else the test does not test its state): "
      << reference.output;
  std::cout << "reference: " << reference.output << "  in " << reference.seconds << " s\n";

  const mt::Generator draws(20261202);
  int kills = 0, mid_epoch = 0;
  Outcome last;
  for (int i = 0; i < 60; ++i) {
    // Killed after 3-20% of the whole run's time (a start costs part of it): each
    // incarnation gets a few steps further, or none.
    const double u = (draws.block(static_cast<std::uint64_t>(i))[0] % 1000) / 1000.0;
    const int ms = kills < 12 ? static_cast<int>(reference.seconds * 1000 * (0.03 + 0.17 * u)) : -1;
    last = run_trainer(run, ms);
    if (!last.killed) break;
    ++kills;
    if (fs::exists(run / "checkpoint.safetensors")) {
      const mt::io::SafetensorsFile f(run / "checkpoint.safetensors");  // never torn
      mid_epoch += f.metadata().at("batch") != "0";
    }
  }
  ASSERT_EQ(last.exit_code, 0) << last.output;
  std::cout << kills << " kills (" << mid_epoch << " left a mid-epoch checkpoint); the last run: "
            << last.output;
  EXPECT_GE(kills, 3) << "the run ended before it could be interrupted";
  EXPECT_GE(mid_epoch, 1) << "no kill was resumed from the middle of an epoch";
  EXPECT_EQ(last.output, reference.output) << "the resumed run ended elsewhere";

  expect_same_run(ref / "checkpoint.safetensors", run / "checkpoint.safetensors");
  // history.csv: the same epochs and values (images/s, column 5, measures time).
  const auto rows = rows_without(read_text(ref / "history.csv"), 5);
  EXPECT_GT(rows.size(), 3u);
  EXPECT_EQ(rows, rows_without(read_text(run / "history.csv"), 5));

  // Resuming with another batch size: refused before anything changes.
  const auto before = bytes_of(run / "checkpoint.safetensors");
  const auto refused = run_trainer(run, -1, {"16"});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.output.find("the batch size is 16, the checkpoint's was 32"), std::string::npos)
      << refused.output;
  EXPECT_NE(refused.output.find("allow_data_change"), std::string::npos) << refused.output;
  EXPECT_TRUE(bytes_of(run / "checkpoint.safetensors") == before);
  fs::remove_all(root);
}
