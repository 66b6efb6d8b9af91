// mistake: a hand-written step that forgets Mode::train (PyTorch habit: the model is in training mode unless model.eval())
// run-time: StateError "the last forward ran in inference mode ... 'dropout' (Dropout)" (test_mode Mode.BackwardAfterAnInferenceForwardNamesTheLayerAndTheFix)
#include "mantissa/mantissa.hpp"
namespace mt = mantissa;
int main() {
  mt::Sequential<mt::policy::float32> model({4}, mt::Dense(8), mt::ReLU(), mt::Dropout(0.5f),
                                            mt::Dense(3));
  mt::Generator gen(1);
  auto x = mt::normal<float>({16, 4}, 0.0f, 1.0f, gen);
  auto y = mt::full<std::int32_t>({16}, 1);
  mt::SoftmaxCrossEntropy loss_fn;
  mt::SGD opt(model, {.lr = 0.1f});
  auto grads = model.backward(loss_fn(model.forward(x), y));
  return opt.step(std::move(grads)).applied ? 0 : 1;
}
