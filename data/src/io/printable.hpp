// data/src/io/printable.hpp (private): text from a file, fit for an error message.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

namespace mantissa::io::detail {

// `text` with its control bytes written as \xNN: a NUL would end what(), a newline or an
// escape sequence would garble the message.
inline std::string printable(std::string_view text) {
  std::string q;
  q.reserve(text.size());
  for (const char ch : text) {
    const auto u = static_cast<unsigned char>(ch);
    if (u < 0x20 || u == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", u);
      q += buf;
    } else {
      q += ch;
    }
  }
  return q;
}

}  // namespace mantissa::io::detail
