// mistake: saves a bfloat16 model together with the float32 reference model's optimizer
#include "mantissa/mantissa.hpp"
namespace mt = mantissa;
int main() {
  mt::Sequential<mt::policy::float32> ref({4}, mt::Dense(3));
  mt::Sequential<mt::policy::mixed_bfloat16> model({4}, mt::Dense(3));
  mt::Adam ref_opt(ref);
  mt::save_checkpoint("/tmp/misuse_c06.safetensors", model, ref_opt);
  return 0;
}
