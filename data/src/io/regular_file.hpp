// data/src/io/regular_file.hpp (private): how every reader in data/ opens its file.
//
// Only a regular file is read. A FIFO would be waited on (open blocks until a writer comes),
// /dev/zero or /dev/urandom read without end, a directory read as nothing: each is refused
// before a byte is read, with an IoError saying what the path is. The type is checked with
// std::filesystem::status (which opens nothing), then again with fstat on the descriptor,
// opened non-blocking, so a path swapped for a FIFO between the two checks cannot hang.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace mantissa::io::detail {

class RegularFile {
 public:
  // kind names what the caller reads ("an IDX file"), for the messages.
  RegularFile(const std::filesystem::path& file, std::string_view kind);
  ~RegularFile();
  RegularFile(const RegularFile&) = delete;
  RegularFile& operator=(const RegularFile&) = delete;

  std::uint64_t size() const noexcept { return size_; }  // as fstat saw it on opening

  // Up to n bytes; fewer only at the end of the file. IoError on a read error.
  std::size_t read(void* dst, std::size_t n);
  // Exactly n bytes; IoError if the file ends first (it shrank since it was opened).
  void read_exact(void* dst, std::size_t n);

 private:
  std::string name_;
  int fd_ = -1;
  std::uint64_t size_ = 0;
};

}  // namespace mantissa::io::detail
