// tests/optim/test_file_writes.cpp: every file the library writes (safetensors and checkpoints,
// history.csv, history.svg) goes through io::replace_file: a write, fsync, close or rename the
// system refuses is an IoError naming the file and the reason, and the file that was there
// stays, byte for byte, with no temporary file beside it. A full disk is made with a file-size
// limit (RLIMIT_FSIZE: write(2) fails with EFBIG as with ENOSPC), a read-only folder with a
// child process that is not root.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "common/file_size_limit.hpp"
#include "mantissa/io/replace_file.hpp"
#include "mantissa/mantissa.hpp"

namespace mt = mantissa;
namespace fs = std::filesystem;
using mt::Shape;

namespace {

#define EXPECT_HAS(what, word) \
  EXPECT_NE(std::string(what).find(word), std::string::npos) << "'" << (word) << "' not in: " << (what)

const fs::path scratch_root =
    fs::temp_directory_path() / ("mantissa_writes_" + std::to_string(::getpid()));

fs::path scratch(const char* name) {
  auto d = scratch_root / name;
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

struct ScratchCleanup : ::testing::Environment {
  void TearDown() override { fs::remove_all(scratch_root); }
};
[[maybe_unused]] const auto* const cleanup = ::testing::AddGlobalTestEnvironment(new ScratchCleanup);

std::string read(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

mt::History epochs(int n) {
  mt::History h;
  for (int e = 1; e <= n; ++e) h.epochs.push_back({e, 0.5, 0.9, 0.6, 0.8, 1e4, 1e-3f, 1.0f, 0});
  return h;
}

// Runs f expecting an IoError holding every word; returns its message.
template <class F>
std::string io_error(F&& f, std::initializer_list<std::string> words) {
  try {
    f();
    ADD_FAILURE() << "no IoError";
    return {};
  } catch (const mt::IoError& e) {
    for (const auto& w : words) EXPECT_HAS(e.what(), w);
    return e.what();
  }
}

}  // namespace

TEST(FileWrites, ReplaceFileWritesThePartsInOrder) {
  const auto d = scratch("parts");
  const std::string_view parts[] = {"ab", "", "cde"};
  mt::io::replace_file(d / "f", parts, "test");
  EXPECT_EQ(read(d / "f"), "abcde");
  const std::string_view again[] = {"x"};
  mt::io::replace_file(d / "f", again, "test");  // replaces a regular file
  EXPECT_EQ(read(d / "f"), "x");
  EXPECT_FALSE(fs::exists(d / "f.tmp"));
}

// A FIFO where the temporary file goes is refused at once (never waited on for a reader), left
// in place, and the destination is unchanged.
TEST(FileWrites, AFifoAtTheTemporaryNameIsRefusedNotWaitedOn) {
  const auto d = scratch("fifo");
  const std::string_view old_parts[] = {"old"};
  mt::io::replace_file(d / "f", old_parts, "test");
  ASSERT_EQ(::mkfifo((d / "f.tmp").c_str(), 0644), 0);
  const std::string_view parts[] = {"new"};
  io_error([&] { mt::io::replace_file(d / "f", parts, "test"); },
           {(d / "f.tmp").string(), "not a regular file", "remove it"});
  EXPECT_EQ(read(d / "f"), "old");
  EXPECT_TRUE(fs::is_fifo(d / "f.tmp"));
}

// A full disk half-way through a safetensors file (a checkpoint is one): the old file stays.
TEST(FileWrites, SafetensorsOnAFullDiskKeepsThePreviousFile) {
  const auto p = scratch("st") / "w.safetensors";
  const auto small = mt::arange<float>(6);
  mt::io::write_safetensors(p, {mt::io::record<float>("w", small.view())});
  const auto before = read(p);
  const auto big = mt::Tensor<float>(Shape{4096});
  {
    const mt_test::FileSizeLimit limit(1024);
    io_error([&] { mt::io::write_safetensors(p, {mt::io::record<float>("w", big.view())}); },
             {p.string() + ".tmp", "write failed", std::strerror(EFBIG)});
  }
  EXPECT_EQ(read(p), before);
  EXPECT_FALSE(fs::exists(p.string() + ".tmp"));
}

// history.csv and history.svg: a failed write is an IoError naming the file, never a partial
// file (the old epoch's stays), never a std::filesystem exception.
TEST(FileWrites, HistoryOnAFullDiskKeepsThePreviousFiles) {
  const auto d = scratch("history");
  mt::detail::write_history(d, epochs(2), {});
  const auto csv = read(d / "history.csv"), svg = read(d / "history.svg");
  ASSERT_FALSE(csv.empty());
  {
    const mt_test::FileSizeLimit limit(4096);  // the 2-epoch files fit, 500 epochs do not
    io_error([&] { mt::detail::write_history(d, epochs(500), {}); },
             {(d / "history.csv.tmp").string(), "write failed", std::strerror(EFBIG)});
  }
  EXPECT_EQ(read(d / "history.csv"), csv);
  EXPECT_EQ(read(d / "history.svg"), svg);
  EXPECT_FALSE(fs::exists(d / "history.csv.tmp"));

  // Room for the CSV but not the picture: the CSV is new, the picture the old one.
  const auto small_csv = read(d / "history.csv").size();
  mt::detail::write_history(d, epochs(3), {});
  const auto svg3 = read(d / "history.svg");
  {
    const mt_test::FileSizeLimit limit(small_csv + 200);
    io_error([&] { mt::detail::write_history(d, epochs(4), {}); },
             {(d / "history.svg.tmp").string(), "write failed"});
  }
  EXPECT_EQ(read(d / "history.svg"), svg3);
  EXPECT_FALSE(fs::exists(d / "history.svg.tmp"));
}

// Something other than a regular file where history.svg goes: refused by its type, before
// anything is created (it was a std::filesystem::filesystem_error from the rename).
TEST(FileWrites, HistoryWhereAFolderStandsIsAnIoError) {
  const auto d = scratch("folder");
  fs::create_directories(d / "history.svg");
  io_error([&] { mt::detail::write_history(d, epochs(1), {}); },
           {(d / "history.svg").string(), "is a directory", "replaces only a regular file"});
  EXPECT_TRUE(fs::is_directory(d / "history.svg"));
  EXPECT_FALSE(fs::exists(d / "history.svg.tmp"));
}

// A folder that became read-only after fit checked it: IoError with the system's reason. Root
// writes anyway, so the write runs in a forked child that is "nobody" where the test is root.
TEST(FileWrites, HistoryInAReadOnlyFolderIsAnIoError) {
  const auto d = scratch("readonly");
  mt::detail::write_history(d, epochs(1), {});
  const auto csv = read(d / "history.csv");
  ::chmod(d.c_str(), 0555);
  EXPECT_EXIT(
      {
        if (::geteuid() == 0 && (::setgid(65534) != 0 || ::setuid(65534) != 0)) std::_Exit(2);
        try {
          mt::detail::write_history(d, epochs(2), {});
        } catch (const mt::IoError& e) {
          std::fprintf(stderr, "%s\n", e.what());
          std::_Exit(0);
        }
        std::_Exit(1);
      },
      ::testing::ExitedWithCode(0),
      "history.csv.tmp: cannot create: " + std::string(std::strerror(EACCES)));
  ::chmod(d.c_str(), 0755);
  EXPECT_EQ(read(d / "history.csv"), csv);
  EXPECT_FALSE(fs::exists(d / "history.csv.tmp"));
}
