// mistake: fills a std::vector of views with freshly created tensors
#include "mantissa/mantissa.hpp"
#include <vector>
namespace mt = mantissa;
int main() {
  std::vector<mt::TensorView<const float>> parts;
  for (int i = 0; i < 3; ++i) parts.push_back(mt::full<float>({4}, static_cast<float>(i)));
  return static_cast<int>(parts.size());
}
