// mistake: saves model B with model A's optimizer (same policy; two models in one script)
// run-time: StateError "the optimizer steps another model" (test_protocol CheckpointWithAnotherModelsOptimizerIsRefused)
#include "mantissa/mantissa.hpp"
#include <iostream>
namespace mt = mantissa;
int main() {
  using P = mt::policy::float32;
  mt::Sequential<P> a({4}, mt::Dense(3));
  mt::Sequential<P> b({4}, mt::Dense(3));
  mt::Adam opt_a(a);
  try {
    mt::save_checkpoint("/tmp/misuse_c15.safetensors", b, opt_a);
  } catch (const mt::Error& e) {
    std::cout << "mantissa::Error: " << e.what() << "\n";
    return 2;
  }
  return 0;
}
