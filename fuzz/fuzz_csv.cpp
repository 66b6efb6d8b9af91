// fuzz/fuzz_csv.cpp: libFuzzer target for the typed CSV reader.
// The first byte picks the label type (int32 classes or float targets) and whether non-finite
// cells are allowed; the rest is the file. Any text either parses into tensors of consistent
// shapes, or throws DataError. Anything else is a finding.
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "mantissa/data/csv.hpp"
#include "mantissa/core/error.hpp"

namespace {

template <class L>
void parse(std::string_view text, bool allow_nonfinite) {
  try {
    const auto ds = mantissa::data::parse_csv<L>(text, "fuzz.csv",
                                                 {.label = "y", .allow_nonfinite = allow_nonfinite});
    const auto rows = ds.features.shape()[0], cols = ds.features.shape()[1];
    if (rows < 1 || ds.labels.shape()[0] != rows ||
        static_cast<std::int64_t>(ds.feature_names.size()) != cols)
      std::abort();
    for (const float v : ds.features)
      if (!allow_nonfinite && !std::isfinite(v)) std::abort();
  } catch (const mantissa::DataError&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  const bool allow_nonfinite = data[0] & 2;
  if (data[0] & 1) parse<float>(text, allow_nonfinite);
  else parse<std::int32_t>(text, allow_nonfinite);
  return 0;
}
