// mistake: uniform bounds written as double literals
// expect-first: static assertion failed: mantissa::uniform\(shape, lo, hi, gen\): lo and hi are float
#include "mantissa/mantissa.hpp"

using namespace mantissa;

Tensor<float> f(Generator& gen) {
  return uniform<float>(Shape{4}, -0.1, 0.1, gen);  // fix: return uniform<float>(Shape{4}, -0.1f, 0.1f, gen);
}
