// fuzz/fuzz_idx.cpp: libFuzzer target for the IDX reader (plain and gzip'd).
// The contract under test: any byte string either reads as a uint8 tensor whose size is the
// product of its header's dimensions, or throws DataError. Anything else (another exception,
// a crash, a sanitizer report, a huge allocation) is a finding.
#include <cstdint>
#include <cstdlib>

#include "fuzz_input.hpp"
#include "mantissa/data/idx.hpp"
#include "mantissa/core/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static mantissa::fuzz::MemoryFile file;
  const auto path = file.hold(data, size);
  try {
    const auto t = mantissa::data::read_idx(path);
    std::uint64_t sum = 0;  // touch every byte: ASan checks the tensor really holds them
    for (const std::uint8_t v : t) sum += v;
    if (t.numel() != t.shape().numel() || sum > 255u * static_cast<std::uint64_t>(t.numel()))
      std::abort();
  } catch (const mantissa::DataError&) {
  }
  return 0;
}
