// mistake: keeps each micro-batch's gradients in a std::vector by copy (push_back(grads))
#include "mantissa/mantissa.hpp"
#include <vector>
namespace mt = mantissa;
int main() {
  using P = mt::policy::float32;
  mt::Sequential<P> model({4}, mt::Dense(8), mt::ReLU(), mt::Dense(3));
  mt::Generator gen(1);
  auto x = mt::normal<float>({16, 4}, 0.0f, 1.0f, gen);
  auto y = mt::full<std::int32_t>({16}, 1);
  mt::SoftmaxCrossEntropy loss_fn;
  std::vector<mt::Gradients<P, mt::Cpu>> history;
  auto grads = model.backward(loss_fn(model.forward(x, mt::Mode::train), y));
  history.push_back(grads);
  return 0;
}
