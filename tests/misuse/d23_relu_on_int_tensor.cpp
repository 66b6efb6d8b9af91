// mistake: applies relu to int32 data
#include "mantissa/mantissa.hpp"
namespace mt = mantissa;
int main() {
  auto labels = mt::full<std::int32_t>({4}, -1);
  auto r = mt::relu(labels);
  return r.rank();
}
