// mantissa/io/replace_file.hpp: how the library writes a file: whole, or not at all.
//
// replace_file(file, parts, who) writes the parts, in order, to <file>.tmp, checking every
// write, fsyncs and closes it (close reports what a network file system deferred), renames it
// over `file` and fsyncs the folder. Any failure (a full disk, a file-size limit, a read-only
// folder, an I/O error) is an IoError naming the file and the system's reason; the temporary
// file is removed and `file` holds what it held before. Only a regular file (or nothing) is
// ever replaced: a folder, link, FIFO or device at `file` is an IoError before anything is
// created (a rename over /dev/null would replace the device node).
//
// Every file mantissa writes goes through here: safetensors and checkpoints, history.csv and
// history.svg.
#pragma once

#include <filesystem>
#include <span>
#include <string_view>

namespace mantissa::io {

// IoError unless `file` is a file name whose path holds nothing or a regular file; `who`
// ("write_safetensors") starts the messages.
void check_replaceable(const std::filesystem::path& file, std::string_view who);

void replace_file(const std::filesystem::path& file, std::span<const std::string_view> parts,
                  std::string_view who);

}  // namespace mantissa::io
