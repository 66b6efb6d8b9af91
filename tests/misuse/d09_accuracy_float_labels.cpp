// mistake: accuracy against float labels (labels read with read_csv<float>)
#include "mantissa/mantissa.hpp"
namespace mt = mantissa;
int main() {
  auto logits = mt::zeros<float>({4, 3});
  auto labels = mt::full<float>({4}, 1.0f);
  float acc = mt::accuracy(logits, labels);
  return acc > 0.5f ? 0 : 1;
}
