// mistake: keeps forward's output as a plain TensorView (Keras: y = model(x))
#include "mantissa/mantissa.hpp"
namespace mt = mantissa;
int main() {
  mt::Sequential<mt::policy::float32> model({4}, mt::Dense(3));
  auto x = mt::zeros<float>({2, 4});
  mt::TensorView<const float> out = model.forward(x, mt::Mode::infer);
  return out.rank();
}
