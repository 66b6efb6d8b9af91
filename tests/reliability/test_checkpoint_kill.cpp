// tests/reliability/test_checkpoint_kill.cpp: crash-safe checkpoints under SIGKILL.
//
// A trainer process (checkpoint_trainer, see kill_trainer.hpp) saves a checkpoint after every
// step. The test starts it, kills it with SIGKILL at a seeded random moment, and restarts it,
// 60 times; each incarnation resumes from the checkpoint the previous one left. Every fifth
// incarnation is killed 0-20 ms after it starts (while it loads); the others after a random
// 0-60 ms past their first completed save (so the job progresses at any speed, sanitized
// builds included, and kills land at random points of the step-and-save cycle). Every fifth,
// starting with the third, is aimed inside a save: killed the moment the trainer opens
// ckpt.safetensors.tmp for its second save (inotify), so kills mid-save do not depend on the machine's speed
// (random delays alone missed every save under ASan on a slow machine). After every kill:
//   - the checkpoint on disk opens and loads into a fresh job (a kill mid-save left at most a
//     stray ckpt.safetensors.tmp, never a torn ckpt.safetensors);
//   - it is the last one completed: its step is the last the trainer reported as saved, or
//     one later (killed between the rename and the report), never earlier;
//   - its bytes equal those of a checkpoint saved by an uninterrupted in-process replay of
//     the same job at that step: weights, Adam moments, BatchNorm statistics, Dropout's
//     generator position and the loss-scaler state are all exactly what was saved.
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/inotify.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "kill_trainer.hpp"

extern char** environ;

namespace fs = std::filesystem;

namespace {

std::vector<char> bytes_of(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

// Everything the child wrote to the pipe (it is dead: read until end of file).
std::string drain(int fd) {
  std::string s;
  char buf[4096];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) s.append(buf, static_cast<std::size_t>(n));
  return s;
}

// Reads from fd into out until it holds a complete "saved" line or timeout_ms pass.
bool wait_for_first_save(int fd, std::string& out, int timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (out.find('\n') == std::string::npos) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now()).count();
    if (left <= 0) return false;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left)) <= 0) return false;
    char buf[256];
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) return false;  // the trainer died: the waitpid below says how
    out.append(buf, static_cast<std::size_t>(n));
  }
  return true;
}

// Waits until the file named `name` in the watched folder has been opened `count` times (IN_OPEN
// events on inotify descriptor `fd`), or timeout_ms pass.
bool wait_for_opens(int fd, const std::string& name, int count, int timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  alignas(inotify_event) char buf[4096];
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now()).count();
    if (left <= 0) return false;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left)) <= 0) return false;
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) return false;
    for (ssize_t at = 0; at < n;) {
      const auto* e = reinterpret_cast<const inotify_event*>(buf + at);
      if ((e->mask & IN_OPEN) && e->len > 0 && name == e->name && --count == 0) return true;
      at += static_cast<ssize_t>(sizeof(inotify_event) + e->len);
    }
  }
}

// The last "saved <step>" line, or -1.
std::int64_t last_reported(const std::string& out) {
  std::istringstream in(out);
  std::int64_t last = -1;
  for (std::string word, step; in >> word >> step;)
    if (word == "saved") last = std::stoll(step);
  return last;
}

}  // namespace

TEST(CheckpointKill, TheLastCompleteCheckpointAlwaysLoadsAndMatchesWhatWasSaved) {
  const fs::path dir = fs::temp_directory_path() / ("mantissa_kill_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const fs::path file = dir / "ckpt.safetensors", tmp = dir / "ckpt.safetensors.tmp";
  const fs::path reference_file = dir / "reference.safetensors";
  mantissa::set_num_threads(1);
  killtest::Job reference;  // the uninterrupted replay
  const mantissa::Generator delays(20261125);

  const int kills = 60;
  std::int64_t known = 0;  // the step of the checkpoint on disk; 0: none yet (steps count from 1)
  int mid_save = 0, nothing_new = 0, aimed = 0;
  for (int i = 0; i < kills; ++i) {
    // Aimed kills watch the folder from before the start: the first open of the .tmp is seen.
    const bool aim = i % 5 == 2;
    const int watch = aim ? ::inotify_init1(IN_CLOEXEC | IN_NONBLOCK) : -1;
    if (aim) {
      ASSERT_GE(watch, 0) << "inotify_init1";
      ASSERT_GE(::inotify_add_watch(watch, dir.c_str(), IN_OPEN), 0) << "inotify_add_watch";
    }
    int pipe_fd[2];
    ASSERT_EQ(::pipe(pipe_fd), 0);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, pipe_fd[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&actions, pipe_fd[0]);
    std::string trainer = MANTISSA_CHECKPOINT_TRAINER, arg = dir.string();
    char* argv[] = {trainer.data(), arg.data(), nullptr};
    pid_t pid = 0;
    const auto started = fs::file_time_type::clock::now();
    ASSERT_EQ(::posix_spawn(&pid, trainer.c_str(), &actions, nullptr, argv, environ), 0);
    posix_spawn_file_actions_destroy(&actions);
    ::close(pipe_fd[1]);

    const auto draw = delays.block(static_cast<std::uint64_t>(i));
    std::string out;
    if (i % 5 == 4) {
      std::this_thread::sleep_for(std::chrono::milliseconds(draw[0] % 21));
    } else if (aim) {
      // The second save's start: the first completes, so the job still progresses.
      const bool opened = wait_for_opens(watch, tmp.filename().string(), 2, 120000);
      if (!opened) ::kill(pid, SIGKILL);
      ::close(watch);
      ASSERT_TRUE(opened) << "kill " << i << ": the trainer began no save in 120 s";
      ++aimed;
    } else {
      const bool saved = wait_for_first_save(pipe_fd[0], out, 120000);
      if (!saved) ::kill(pid, SIGKILL);
      ASSERT_TRUE(saved) << "kill " << i << ": the trainer saved nothing in 120 s";
      std::this_thread::sleep_for(std::chrono::microseconds(draw[0] % 60001));
    }
    ::kill(pid, SIGKILL);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    out += drain(pipe_fd[0]);
    ::close(pipe_fd[0]);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
        << "kill " << i << ": the trainer ended by itself (status " << status << "); it printed:\n"
        << out;

    const std::int64_t reported = last_reported(out);
    // A .tmp written by this incarnation: it was killed inside a save. (One left by an earlier
    // incarnation stays until the next save truncates it: a restart must not mind it.)
    if (fs::exists(tmp) && fs::last_write_time(tmp) >= started) ++mid_save;
    if (!fs::exists(file)) {
      ASSERT_EQ(reported, -1) << "kill " << i << ": a save was reported but no checkpoint exists";
      ASSERT_EQ(known, 0) << "kill " << i << ": the checkpoint disappeared";
      ++nothing_new;
      continue;
    }
    const mantissa::io::SafetensorsFile f(file);  // a torn file would throw DataError here
    const std::int64_t k = std::stoll(f.metadata().at("batch"));
    const std::int64_t floor = std::max<std::int64_t>(known, reported);
    ASSERT_GE(k, floor) << "kill " << i << ": an older checkpoint than the last one completed";
    ASSERT_LE(k, floor + 1) << "kill " << i << ": a checkpoint from the future";
    if (k == known) ++nothing_new;

    while (reference.step() < k) reference.train_one();
    reference.save(reference_file);
    ASSERT_TRUE(bytes_of(file) == bytes_of(reference_file))
        << "kill " << i << ": the checkpoint of step " << k << " differs from the replay's";
    killtest::Job fresh;
    fresh.load(file);
    ASSERT_EQ(fresh.step(), k);
    known = k;
  }
  std::cout << kills << " kills: the checkpoint reached step " << known << "; " << mid_save
            << " kills left a partial .tmp (killed mid-save; " << aimed
            << " were aimed at a save's start); " << nothing_new
            << " incarnations ended without completing a save\n";
  RecordProperty("final_step", static_cast<int>(known));
  RecordProperty("killed_mid_save", mid_save);
  EXPECT_GE(known, 48) << "every incarnation but the early-killed ones completes a save";
  EXPECT_GE(mid_save, 1) << "no kill landed inside a save";
  fs::remove_all(dir);
}
