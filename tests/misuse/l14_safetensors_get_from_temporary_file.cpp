// mistake: reads one tensor out of a safetensors file in a single expression (safetensors.load_file(p)["w"])
#include "mantissa/mantissa.hpp"
#include <iostream>
namespace mt = mantissa;
int main() {
  try {
    auto w = mt::arange<float>(1024);
    mt::io::write_safetensors("/tmp/misuse_l14.safetensors", {mt::io::record<float>("w", w.view())});
    auto loaded = mt::io::SafetensorsFile("/tmp/misuse_l14.safetensors").get<float>("w", mt::Shape{1024});
    std::cout << "w[1000] = " << loaded[1000] << "\n";
  } catch (const mt::Error& e) {
    std::cout << "mantissa::Error: " << e.what() << "\n";
    return 2;
  }
  return 0;
}
