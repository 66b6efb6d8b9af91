// mistake: a custom loss function returns LossValue(value, grad.view()) of a gradient tensor local to the function
#include "mantissa/mantissa.hpp"
#include <iostream>
namespace mt = mantissa;
template <class Out>
mt::LossValue<mt::Cpu> l1_loss(const Out& out, const mt::Tensor<float>& target) {
  auto o = mt::cast<float>(out);
  mt::Tensor<float> grad(o.shape());
  float v = 0.0f;
  for (std::int64_t i = 0; i < o.numel(); ++i) {
    const float d = o[i] - target[i];
    v += d < 0 ? -d : d;
    grad[i] = (d < 0 ? -1.0f : 1.0f) / static_cast<float>(o.numel());
  }
  return mt::LossValue<mt::Cpu>(v / static_cast<float>(o.numel()), grad.view());
}
int main() {
  using P = mt::policy::float32;
  mt::Sequential<P> model({4}, mt::Dense(3));
  mt::Generator gen(1);
  auto x = mt::normal<float>({16, 4}, 0.0f, 1.0f, gen);
  auto t = mt::zeros<float>({16, 3});
  mt::SGD opt(model, {.lr = 0.1f});
  try {
    auto loss = l1_loss(model.forward(x, mt::Mode::train), t);
    auto out = opt.step(model.backward(loss));
    std::cout << "applied " << out.applied << " loss " << loss.value() << "\n";
  } catch (const mt::Error& e) {
    std::cout << "mantissa::Error: " << e.what() << "\n";
    return 2;
  }
  return 0;
}
