// mistake: reads a text label column ("benign"/"malignant") as std::string
#include "mantissa/mantissa.hpp"
#include <string>
namespace mt = mantissa;
int main() {
  auto ds = mt::data::read_csv<std::string>("data.csv", {.label = "diagnosis"});
  return static_cast<int>(ds.features.numel());
}
