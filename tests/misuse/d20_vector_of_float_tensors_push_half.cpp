// mistake: collects per-layer activations of mixed dtypes in one std::vector<Tensor<float>>
#include "mantissa/mantissa.hpp"
#include <vector>
namespace mt = mantissa;
int main() {
  std::vector<mt::Tensor<float>> acts;
  auto x = mt::zeros<float>({2, 2});
  acts.push_back(mt::cast<mt::half>(x));
  return static_cast<int>(acts.size());
}
