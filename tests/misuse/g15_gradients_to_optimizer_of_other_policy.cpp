// mistake: a bfloat16 model's gradients handed to the float32 model's optimizer (two models in one script)
#include "mantissa/mantissa.hpp"
namespace mt = mantissa;
int main() {
  mt::Sequential<mt::policy::float32> ref({4}, mt::Dense(8), mt::ReLU(), mt::Dense(3));
  mt::Sequential<mt::policy::mixed_bfloat16> fast({4}, mt::Dense(8), mt::ReLU(), mt::Dense(3));
  mt::Adam opt(ref);
  mt::Generator gen(1);
  auto x = mt::cast<mt::bfloat16>(mt::normal<float>({16, 4}, 0.0f, 1.0f, gen));
  auto y = mt::full<std::int32_t>({16}, 1);
  mt::SoftmaxCrossEntropy loss_fn;
  auto grads = fast.backward(loss_fn(fast.forward(x, mt::Mode::train), y));
  auto out = opt.step(std::move(grads));
  return out.applied ? 0 : 1;
}
