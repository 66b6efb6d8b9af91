// mistake: asks for a Cuda model in a build without the CUDA backend
// legal-with: MANTISSA_WITH_CUDA
#include "mantissa/mantissa.hpp"
namespace mt = mantissa;
int main() {
  mt::Sequential<mt::policy::mixed_float16, mt::Cuda> model({4}, mt::Dense(3));
  return 0;
}
