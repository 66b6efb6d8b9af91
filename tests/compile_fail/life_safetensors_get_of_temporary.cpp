// mistake: reads a tensor out of a temporary SafetensorsFile (safetensors.load_file(p)["w"])
// expect-first: static assertion failed: mantissa::io::SafetensorsFile::get: called on a temporary file object
// expect-head: name it first
#include "mantissa/mantissa.hpp"

using namespace mantissa;

float f() {
  auto w = io::SafetensorsFile("w.safetensors").get<float>("w", Shape{4});  // fix: io::SafetensorsFile file("w.safetensors"); auto w = file.get<float>("w", Shape{4});
  return w[0];
}
