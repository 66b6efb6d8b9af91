// mistake: accumulation written as "forward all micro-batches, then backward all": the first loss is from an older forward
// run-time: StateError "outputs of an earlier forward" (test_protocol ALossOfAnEarlierForwardIsRefused)
#include "mantissa/mantissa.hpp"
#include <iostream>
namespace mt = mantissa;
int main() {
  using P = mt::policy::float32;
  mt::Sequential<P> model({4}, mt::Dense(3));
  mt::Generator gen(1);
  auto x0 = mt::normal<float>({8, 4}, 0.0f, 1.0f, gen);
  auto x1 = mt::normal<float>({8, 4}, 5.0f, 1.0f, gen);
  auto y = mt::full<std::int32_t>({8}, 1);
  mt::SoftmaxCrossEntropy loss0, loss1;  // one loss object per micro-batch
  try {
    auto l0 = loss0(model.forward(x0, mt::Mode::train), y);
    auto l1 = loss1(model.forward(x1, mt::Mode::train), y);
    auto acc = model.backward(l0);                    // uses x1's activations with x0's loss gradient
    acc = model.backward(l1, std::move(acc));
    float g_wrong = model.parameters()[0]->grad[0];
    // the right answer, one micro-batch at a time
    auto r0 = model.backward(loss0(model.forward(x0, mt::Mode::train), y));
    auto r1 = model.backward(loss1(model.forward(x1, mt::Mode::train), y), std::move(r0));
    float g_right = model.parameters()[0]->grad[0];
    std::cout << "kernel grad[0]: forward-all-then-backward " << g_wrong << ", interleaved "
              << g_right << (g_wrong != g_right ? "  (silently different)" : "") << "\n";
  } catch (const mt::Error& e) {
    std::cout << "mantissa::Error: " << e.what() << "\n";
    return 2;
  }
  return 0;
}
