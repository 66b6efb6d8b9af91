// tests/common/file_size_limit.hpp: a full disk, for a test. While a FileSizeLimit is alive,
// this process may not make a file longer than `bytes`: RLIMIT_FSIZE (the soft limit), under
// which write(2) fails with EFBIG ("File too large") as it fails with ENOSPC on a full disk;
// SIGXFSZ, which would kill the process, is ignored. Both are restored at the end (raising a
// soft limit back to the hard one needs no privilege). Files that already hold more bytes
// stay readable; only their growth is refused.
#pragma once

#include <sys/resource.h>

#include <csignal>
#include <stdexcept>

namespace mt_test {

class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    if (::getrlimit(RLIMIT_FSIZE, &saved_) != 0) throw std::runtime_error("getrlimit failed");
    old_handler_ = std::signal(SIGXFSZ, SIG_IGN);
    rlimit lower = saved_;
    lower.rlim_cur = bytes;
    if (::setrlimit(RLIMIT_FSIZE, &lower) != 0) {
      std::signal(SIGXFSZ, old_handler_);
      throw std::runtime_error("setrlimit(RLIMIT_FSIZE) failed");
    }
  }
  ~FileSizeLimit() {
    ::setrlimit(RLIMIT_FSIZE, &saved_);
    std::signal(SIGXFSZ, old_handler_);
  }
  FileSizeLimit(const FileSizeLimit&) = delete;
  FileSizeLimit& operator=(const FileSizeLimit&) = delete;

 private:
  rlimit saved_{};
  void (*old_handler_)(int) = SIG_DFL;
};

}  // namespace mt_test
