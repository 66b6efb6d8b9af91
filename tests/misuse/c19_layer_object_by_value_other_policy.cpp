// mistake: passes a float32 layer object (by value) to a mixed_bfloat16 model
#include "mantissa/mantissa.hpp"
namespace mt = mantissa;
int main() {
  mt::DenseLayer<mt::policy::float32, mt::Cpu> dense(mt::Dense(3));
  mt::Sequential<mt::policy::mixed_bfloat16> model({4}, std::move(dense));
  return 0;
}
