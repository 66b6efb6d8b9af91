// mistake: assigns a float to a half variable inside a loop filling a buffer
#include "mantissa/mantissa.hpp"
#include <vector>
namespace mt = mantissa;
int main() {
  std::vector<mt::half> buf(8);
  for (int i = 0; i < 8; ++i) buf[i] = 0.5f * static_cast<float>(i);
  return 0;
}
