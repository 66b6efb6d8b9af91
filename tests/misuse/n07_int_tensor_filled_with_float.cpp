// mistake: fills int32 labels with a float
#include "mantissa/mantissa.hpp"
namespace mt = mantissa;
int main() {
  auto labels = mt::full<std::int32_t>({8}, 1.0f);
  return labels[0];
}
