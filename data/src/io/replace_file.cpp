// data/src/io/replace_file.cpp: the one way the library writes a file (replace_file.hpp):
// a temporary file, every write, fsync and close checked, then a rename.
#include "mantissa/io/replace_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "mantissa/core/error.hpp"

namespace mantissa::io {

namespace {

// An IoError naming the path that failed (the temporary file, or the destination for the
// rename) and the system's reason.
[[noreturn]] void io_fail(const std::filesystem::path& file, const char* what, int err) {
  throw IoError(file.string() + ": " + what + ": " + std::strerror(err));
}

void write_all(int fd, std::string_view part, const std::filesystem::path& tmp) {
  const char* c = part.data();
  std::size_t n = part.size();
  while (n > 0) {
    const ssize_t w = ::write(fd, c, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      io_fail(tmp, "write failed", errno);
    }
    if (w == 0) io_fail(tmp, "write failed (nothing written)", EIO);
    c += w;
    n -= static_cast<std::size_t>(w);
  }
}

}  // namespace

void check_replaceable(const std::filesystem::path& file, std::string_view who) {
  const std::string w(who);
  if (file.empty() || !file.has_filename())
    throw IoError(w + ": '" + file.string() +
                  "' is not a file name (empty, or a folder's path ending in '/')");
  namespace fs = std::filesystem;
  std::error_code ec;
  const auto st = fs::symlink_status(file, ec);  // not_found (or none, with ec) if absent
  if (!fs::exists(st) || fs::is_regular_file(st)) return;
  const char* what = fs::is_directory(st)   ? "a directory"
                     : fs::is_symlink(st)   ? "a symbolic link (write to its target's path)"
                     : fs::is_character_file(st) || fs::is_block_file(st) ? "a device file"
                     : fs::is_fifo(st)      ? "a FIFO"
                     : fs::is_socket(st)    ? "a socket"
                                            : "not a regular file";
  throw IoError(file.string() + ": is " + what + "; " + w +
                " replaces only a regular file: choose another path");
}

void replace_file(const std::filesystem::path& file, std::span<const std::string_view> parts,
                  std::string_view who) {
  check_replaceable(file, who);
  const std::filesystem::path tmp = file.string() + ".tmp";
  // O_NOFOLLOW: a link at the temporary name is refused, never written through.
  // O_NONBLOCK: a FIFO left at the temporary name is refused (ENXIO, or not regular below),
  // never waited on for a reader.
  const int fd =
      ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0644);
  struct stat st {};
  const bool regular = fd >= 0 && ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
  if (fd < 0 && errno != ENXIO) io_fail(tmp, "cannot create", errno);
  if (!regular) {  // ENXIO: a FIFO with no reader
    if (fd >= 0) ::close(fd);  // not unlinked: it is not ours
    throw IoError(tmp.string() + ": is not a regular file (a FIFO or a device at the temporary "
                  "name); " + std::string(who) + " writes only regular files: remove it");
  }
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  try {
    for (const auto part : parts) write_all(fd, part, tmp);
    if (::fsync(fd) != 0) io_fail(tmp, "fsync failed", errno);
  } catch (...) {
    ::close(fd);
    ::unlink(tmp.c_str());
    throw;
  }
  if (::close(fd) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    io_fail(tmp, "close failed", err);
  }
  if (::rename(tmp.c_str(), file.c_str()) != 0) {  // no stray temporary file on failure
    const int err = errno;
    ::unlink(tmp.c_str());
    io_fail(file, "rename failed", err);
  }
  // Make the rename itself durable.
  const auto dir = file.has_parent_path() ? file.parent_path() : std::filesystem::path(".");
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

}  // namespace mantissa::io
