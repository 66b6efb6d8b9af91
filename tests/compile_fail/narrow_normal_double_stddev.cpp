// mistake: a normal initialisation with a double stddev (1e-50 would narrow silently to 0)
// expect-first: static assertion failed: mantissa::normal\(shape, mean, stddev, gen\): mean and stddev are float
#include "mantissa/mantissa.hpp"

using namespace mantissa;

Tensor<float> f(Generator& gen, double stddev) {
  return normal<float>(Shape{4}, 0.0f, stddev, gen);  // fix: return normal<float>(Shape{4}, 0.0f, static_cast<float>(stddev), gen);
}
