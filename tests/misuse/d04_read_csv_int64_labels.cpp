// mistake: reads CSV labels as int64 (PyTorch's default label dtype, torch.long)
#include "mantissa/mantissa.hpp"
#include <cstdint>
namespace mt = mantissa;
int main() {
  auto ds = mt::data::read_csv<std::int64_t>("data.csv", {.label = "class"});
  return static_cast<int>(ds.labels.numel());
}
