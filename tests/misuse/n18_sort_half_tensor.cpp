// mistake: sorts a half tensor with std::ranges::sort (needs operator<)
#include "mantissa/mantissa.hpp"
#include <algorithm>
namespace mt = mantissa;
int main() {
  mt::Generator gen(1);
  auto h = mt::normal<mt::half>({8}, 0.0f, 1.0f, gen);
  std::ranges::sort(h);
  return 0;
}
