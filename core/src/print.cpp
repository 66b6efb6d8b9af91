// core/src/print.cpp: number formatting for tensor printing (%g, 6 significant digits).
#include "mantissa/core/print.hpp"

#include <cstdio>

namespace mantissa::detail {

std::string format_scalar(float v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", static_cast<double>(v));
  return buf;
}

std::string format_scalar(std::int32_t v) { return std::to_string(v); }

}  // namespace mantissa::detail
