// mistake: std::accumulate over a half tensor with a float init
#include "mantissa/mantissa.hpp"
#include <numeric>
namespace mt = mantissa;
int main() {
  auto h = mt::full<mt::half>({8}, 0.5f);
  float total = std::accumulate(h.begin(), h.end(), 0.0f);
  return total > 0.0f ? 0 : 1;
}
