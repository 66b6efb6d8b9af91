// mistake: resumes a bfloat16 model from a float32 run's checkpoint
// run-time: DataError naming both policies (bad-input catalogue Checkpoint_AnotherPolicy)
#include "mantissa/mantissa.hpp"
#include <iostream>
namespace mt = mantissa;
int main() {
  mt::Sequential<mt::policy::float32> a({4}, mt::Dense(3));
  mt::Adam opt_a(a);
  mt::Sequential<mt::policy::mixed_bfloat16> b({4}, mt::Dense(3));
  mt::Adam opt_b(b);
  try {
    mt::save_checkpoint("/tmp/misuse_c17.safetensors", a, opt_a);
    auto pos = mt::load_checkpoint("/tmp/misuse_c17.safetensors", b, opt_b);
    std::cout << "loaded epoch " << pos.epoch << "\n";
  } catch (const mt::Error& e) {
    std::cout << "mantissa::Error: " << e.what() << "\n";
    return 2;
  }
  return 0;
}
