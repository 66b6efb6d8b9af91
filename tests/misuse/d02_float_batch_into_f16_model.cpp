// mistake: feeds float32 data to a mixed_float16 model (autocast habit)
#include "mantissa/mantissa.hpp"
namespace mt = mantissa;
int main() {
  mt::Sequential<mt::policy::mixed_float16> model({4}, mt::Dense(3));
  mt::Generator gen(1);
  auto x = mt::normal<float>({16, 4}, 0.0f, 1.0f, gen);
  auto y = model.forward(x, mt::Mode::train);
  return y.rank();
}
