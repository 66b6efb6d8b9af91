// data/src/io/regular_file.cpp: opening a file for reading, regular files only.
#include "regular_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "mantissa/core/error.hpp"

namespace mantissa::io::detail {

namespace fs = std::filesystem;

namespace {

// What a path that is not a regular file is, and why reading it is refused.
std::string not_regular(fs::file_type t, std::string_view kind) {
  const std::string want = "not " + std::string(kind) + " (only regular files are read)";
  switch (t) {
    case fs::file_type::directory:
      return "is a directory, " + want;
    case fs::file_type::fifo:
      return "is a FIFO (named pipe), " + want + "; a pipe would be waited on";
    case fs::file_type::character:
      return "is a character device, " + want + "; a device such as /dev/zero never ends";
    case fs::file_type::block:
      return "is a block device, " + want;
    case fs::file_type::socket:
      return "is a socket, " + want;
    default:
      return "is not a regular file, " + want;
  }
}

fs::file_type type_of(mode_t m) {
  if (S_ISDIR(m)) return fs::file_type::directory;
  if (S_ISFIFO(m)) return fs::file_type::fifo;
  if (S_ISCHR(m)) return fs::file_type::character;
  if (S_ISBLK(m)) return fs::file_type::block;
  if (S_ISSOCK(m)) return fs::file_type::socket;
  return S_ISREG(m) ? fs::file_type::regular : fs::file_type::unknown;
}

}  // namespace

RegularFile::RegularFile(const fs::path& file, std::string_view kind) : name_(file.string()) {
  std::error_code ec;
  const auto st = fs::status(file, ec);  // follows links; opens nothing
  if (ec) throw IoError(name_ + ": cannot open: " + ec.message());
  if (st.type() != fs::file_type::regular)
    throw IoError(name_ + ": " + not_regular(st.type(), kind));
  fd_ = ::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd_ < 0) throw IoError(name_ + ": cannot open: " + std::strerror(errno));
  struct stat s {};
  if (::fstat(fd_, &s) != 0) {
    const int e = errno;
    ::close(fd_);
    throw IoError(name_ + ": cannot stat: " + std::strerror(e));
  }
  if (!S_ISREG(s.st_mode)) {  // replaced between status() and open()
    ::close(fd_);
    throw IoError(name_ + ": " + not_regular(type_of(s.st_mode), kind));
  }
  size_ = static_cast<std::uint64_t>(s.st_size);
}

RegularFile::~RegularFile() {
  if (fd_ >= 0) ::close(fd_);
}

std::size_t RegularFile::read(void* dst, std::size_t n) {
  auto* out = static_cast<unsigned char*>(dst);
  std::size_t done = 0;
  while (done < n) {
    const ssize_t got =
        ::read(fd_, out + done, std::min<std::size_t>(n - done, std::size_t{1} << 30));
    if (got < 0) {
      if (errno == EINTR) continue;
      throw IoError(name_ + ": read failed: " + std::strerror(errno));
    }
    if (got == 0) break;
    done += static_cast<std::size_t>(got);
  }
  return done;
}

void RegularFile::read_exact(void* dst, std::size_t n) {
  if (const auto got = read(dst, n); got != n)
    throw IoError(name_ + ": the file ended after " + std::to_string(got) + " of " +
                  std::to_string(n) + " bytes: it changed while being read");
}

}  // namespace mantissa::io::detail
