// mistake: reads class labels 0..9 as uint8 (they fit in a byte, like the IDX labels)
#include "mantissa/mantissa.hpp"
#include <cstdint>
namespace mt = mantissa;
int main() {
  auto ds = mt::data::read_csv<std::uint8_t>("data.csv", {.label = "class"});
  return static_cast<int>(ds.labels.numel());
}
