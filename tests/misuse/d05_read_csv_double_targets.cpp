// mistake: reads regression targets as double
#include "mantissa/mantissa.hpp"
namespace mt = mantissa;
int main() {
  auto ds = mt::data::read_csv<double>("data.csv", {.label = "price"});
  return static_cast<int>(ds.labels.numel());
}
