// mistake: MeanSquaredError with targets cast to the model's half dtype
#include "mantissa/mantissa.hpp"
namespace mt = mantissa;
int main() {
  auto out = mt::zeros<mt::half>({4, 2});
  auto targets = mt::full<mt::half>({4, 2}, 1.0f);
  mt::MeanSquaredError mse;
  auto loss = mse(out, targets);
  return loss.value() > 0.0f ? 0 : 1;
}
