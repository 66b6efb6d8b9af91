// mistake: spells out the optimizer's template argument as float32 for a mixed model
#include "mantissa/mantissa.hpp"
namespace mt = mantissa;
int main() {
  mt::Sequential<mt::policy::mixed_float16> model({4}, mt::Dense(3));
  mt::Adam<mt::policy::float32> opt(model, {.lr = 1e-3f});
  return 0;
}
