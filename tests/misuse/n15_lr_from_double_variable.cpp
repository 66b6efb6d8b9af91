// mistake: a learning rate computed as double goes into AdamOptions
#include "mantissa/mantissa.hpp"
#include <cmath>
namespace mt = mantissa;
int main() {
  mt::Sequential<mt::policy::float32> model({4}, mt::Dense(3));
  double lr = 3e-4 * std::sqrt(64.0 / 32.0);
  mt::Adam opt(model, {.lr = lr});
  return 0;
}
