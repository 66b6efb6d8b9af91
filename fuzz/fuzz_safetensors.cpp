// fuzz/fuzz_safetensors.cpp: libFuzzer target for the safetensors reader.
// Any byte string either opens, and then every entry it lists can be fetched with its own
// dtype and shape and read in full (ASan watches the bytes), or throws DataError.
#include <cstdint>
#include <cstdlib>

#include "fuzz_input.hpp"
#include "mantissa/core/error.hpp"
#include "mantissa/io/safetensors.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static mantissa::fuzz::MemoryFile file;
  const auto path = file.hold(data, size);
  try {
    const mantissa::io::SafetensorsFile f(path);
    for (const auto& name : f.names()) {
      const auto* e = f.find(name);
      if (!e) std::abort();
      const auto& same = f.entry(name, e->dtype, e->shape);  // must not throw for its own entry
      unsigned sum = 0;  // read every byte (ASan checks each read); volatile keeps the loop
      const unsigned char* b = f.bytes(same);
      for (std::size_t i = 0; i < same.end - same.begin; ++i) sum += b[i];
      [[maybe_unused]] static volatile unsigned sink;
      sink = sum;
      if (e->dtype == "F32") (void)f.get<float>(name, e->shape);
      const mantissa::Shape other{1, 2, 3, 4, 5};
      if (e->dtype != "I32" || !(e->shape == other)) {
        try {  // asking for another dtype or shape is a DataError, never a view
          (void)f.get<std::int32_t>(name, other);
          std::abort();
        } catch (const mantissa::DataError&) {
        }
      }
    }
  } catch (const mantissa::DataError&) {
  }
  return 0;
}
