// mistake: puts a float32 layer object into a mixed_float16 model
#include "mantissa/mantissa.hpp"
#include <memory>
namespace mt = mantissa;
int main() {
  auto dense = std::make_unique<mt::DenseLayer<mt::policy::float32, mt::Cpu>>(mt::Dense(3));
  mt::Sequential<mt::policy::mixed_float16> model({4}, std::move(dense));
  return 0;
}
