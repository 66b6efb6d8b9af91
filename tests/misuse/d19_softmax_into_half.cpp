// mistake: stores softmax of half logits into a Tensor<half>
#include "mantissa/mantissa.hpp"
namespace mt = mantissa;
int main() {
  auto logits = mt::zeros<mt::half>({2, 4});
  mt::Tensor<mt::half> probs = mt::softmax(logits);
  return probs.rank();
}
