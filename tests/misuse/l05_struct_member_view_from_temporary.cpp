// mistake: a Batch struct with a view member is brace-initialised from a temporary tensor
#include "mantissa/mantissa.hpp"
namespace mt = mantissa;
struct Batch {
  mt::TensorView<const float> x;
  mt::TensorView<const std::int32_t> y;
};
int main() {
  mt::Generator gen(1);
  auto labels = mt::full<std::int32_t>({8}, 0);
  Batch b{mt::normal<float>({8, 4}, 0.0f, 1.0f, gen), labels};
  return b.x.rank();
}
